//! Live contract of who may do what, and of CI job inputs (issue 10, part 3, items 2 and 13):
//! the reference server with the demo data set, raw requests ([`wire::send`]), each answer
//! checked against the document (`wire::verdict`) and against GitLab's exact text, and every
//! refusal shown to leave the job as it was.

use std::sync::LazyLock;

use gitlab_jobs_contract_tests::wire::{self, Exchange, Request};
use gitlab_jobs_contract_tests::{Spec, Validators};
use gitlab_jobs_reference::TestServer;
use gitlab_jobs_reference::demo::tokens;
use gitlab_jobs_reference::model::JobDetails;
use serde_json::Value;

static SPEC: LazyLock<Spec> =
    LazyLock::new(|| gitlab_jobs_contract_tests::load_spec().expect("the document loads"));

const JSON: &str = "application/json";

/// The demo server and a loopback address to send raw requests to.
struct Live {
    server: TestServer,
    addr: std::net::SocketAddr,
    validators: Validators<'static>,
}

impl Live {
    async fn start() -> Live {
        let server = TestServer::demo().await.expect("the demo server starts");
        let addr = wire::socket_addr(&server.base_url()).expect("a loopback address");
        let validators = Validators::new(&SPEC).expect("the document's schemas convert");
        Live {
            server,
            addr,
            validators,
        }
    }

    /// Sends `request` and checks that `operation` answers `status`, as the document says.
    async fn expect(&self, operation: &str, request: Request, status: u16) -> Exchange {
        let addr = self.addr;
        let exchange = tokio::task::spawn_blocking(move || wire::send(addr, &request))
            .await
            .expect("the request task")
            .expect("an answer");
        if let Err(problem) = wire::verdict(&self.validators, operation, &exchange, status) {
            panic!("{problem}");
        }
        exchange
    }

    /// Job `id` of acme/backend as stored.
    async fn job(&self, id: i64) -> JobDetails {
        let store = self.server.store();
        tokio::task::spawn_blocking(move || store.job(1, id))
            .await
            .expect("the read task")
            .expect("reads")
            .expect("the job exists")
    }
}

/// The `message` (or `error`) text of an answer.
fn text(exchange: &Exchange) -> String {
    let body: Value = exchange.json().unwrap_or_default();
    body.get("message")
        .or_else(|| body.get("error"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn play(token: &str, job_id: i64, body: &str) -> Request {
    Request::post(&format!("/api/v4/projects/1/jobs/{job_id}/play"))
        .token(token)
        .body(JSON, body.as_bytes().to_vec())
}

const VARIABLES: &str =
    r#"{"job_variables_attributes":[{"key":"DEPLOY_REASON","value":"hotfix"}]}"#;

/// Item 13: the demo's acme/backend restricts user-defined variables to maintainers
/// (`restrict_user_defined_variables`, `ci_pipeline_variables_minimum_override_role:
/// maintainer`). app/services/ci/play_build_service.rb `check_access!`: bob (developer) playing
/// manual job 6 with variables gets `403 Forbidden` and the job stays as it was; without
/// variables he may play it; alice (maintainer) may give them.
#[tokio::test]
async fn playing_with_variables_needs_permission_to_set_pipeline_variables() {
    let live = Live::start().await;
    let before = live.job(6).await;
    let refused = live
        .expect("play_job", play(tokens::DEVELOPER, 6, VARIABLES), 403)
        .await;
    assert_eq!(text(&refused), "403 Forbidden");
    assert_eq!(live.job(6).await, before, "a refused play changes nothing");

    let played = live
        .expect("play_job", play(tokens::DEVELOPER, 6, "{}"), 200)
        .await;
    let played = played.json().expect("JSON");
    assert_eq!(
        (played["id"].clone(), played["status"].clone()),
        (6.into(), "pending".into())
    );
    // Now pending, so no longer playable: `playable?` is checked before the variables.
    let unplayable = live
        .expect("play_job", play(tokens::DEVELOPER, 6, VARIABLES), 400)
        .await;
    assert_eq!(text(&unplayable), "400 Bad request - Unplayable Job");
    live.server.shutdown().await;

    let live = Live::start().await;
    live.expect("play_job", play(tokens::MAINTAINER, 6, VARIABLES), 200)
        .await;
    let variables = live.job(6).await.job.variables;
    assert_eq!(
        variables
            .iter()
            .map(|variable| (variable.key.as_str(), variable.value.as_str()))
            .collect::<Vec<_>>(),
        [("DEPLOY_REASON", "hotfix")]
    );
    live.server.shutdown().await;
}
