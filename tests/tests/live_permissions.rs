//! Live contract of who may do what, and of CI job inputs (issue 10, part 3, items 13 and 2):
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

    /// Sends `request`, checks that `operation` refuses it with `status` as the document says,
    /// and that GitLab's `message` is `text`.
    async fn refused(&self, operation: &str, request: Request, status: u16, message: &str) {
        let exchange = self.expect(operation, request, status).await;
        assert_eq!(text(&exchange), message, "{}", exchange.summary());
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
    live.refused(
        "play_job",
        play(tokens::DEVELOPER, 6, VARIABLES),
        403,
        "403 Forbidden",
    )
    .await;
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
    live.refused(
        "play_job",
        play(tokens::DEVELOPER, 6, VARIABLES),
        400,
        "400 Bad request - Unplayable Job",
    )
    .await;
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

fn retry(token: &str, job_id: i64, body: &str) -> Request {
    Request::post(&format!("/api/v4/projects/1/jobs/{job_id}/retry"))
        .token(token)
        .body(JSON, body.as_bytes().to_vec())
}

/// Item 2: the demo's failed `rspec` (job 8) defines the inputs `parallel` (number, options
/// 1, 2, 4) and `seed` (regex `^[0-9]+$`). app/services/ci/retry_job_service.rb
/// `validate_inputs`: values that do not fit are `400 Bad request - <message>` and nothing is
/// retried; GitLab 18.x's name `inputs` is read too; fitting values go to the new job.
#[tokio::test]
async fn retry_checks_and_stores_job_inputs() {
    let live = Live::start().await;
    let before = live.job(8).await;
    live.refused("retry_job", retry(tokens::DEVELOPER, 8, r#"{"job_inputs":{"parallel":3}}"#), 400, "400 Bad request - `parallel` input: `3` cannot be used because it is not in the list of the allowed options").await;
    live.refused(
        "retry_job",
        retry(tokens::DEVELOPER, 8, r#"{"inputs":{"seed":"abc"}}"#),
        400,
        "400 Bad request - `seed` input: provided value does not match required RegEx pattern",
    )
    .await;
    live.refused(
        "retry_job",
        retry(tokens::DEVELOPER, 8, r#"{"job_inputs":{"workers":2}}"#),
        400,
        "400 Bad request - Unknown input: workers",
    )
    .await;
    assert_eq!(live.job(8).await, before, "refused retries change nothing");

    let retried = live
        .expect(
            "retry_job",
            retry(
                tokens::DEVELOPER,
                8,
                r#"{"job_inputs":{"parallel":4,"seed":"7"}}"#,
            ),
            201,
        )
        .await;
    let new_id = retried.json().expect("JSON")["id"]
        .as_i64()
        .expect("the new job's id");
    let stored = live.job(new_id).await.job.input_values;
    assert_eq!(
        serde_json::to_value(&stored).expect("serialises"),
        serde_json::json!({"parallel": 4, "seed": "7"})
    );
    // Job 8 is retried now: 403 before its inputs are looked at.
    live.refused(
        "retry_job",
        retry(tokens::DEVELOPER, 8, r#"{"job_inputs":{"workers":2}}"#),
        403,
        "403 Forbidden - Job is not retryable",
    )
    .await;
    live.server.shutdown().await;
}

/// Item 2 on play: the demo's manual `deploy-production` (job 6) defines `target_env`
/// (options staging, production) and `replicas`; `job_inputs` are checked as a retry checks
/// them and stored on the played job.
#[tokio::test]
async fn play_checks_and_stores_job_inputs() {
    let live = Live::start().await;
    let before = live.job(6).await;
    live.refused("play_job", play(
                tokens::DEVELOPER,
                6,
                r#"{"job_inputs":{"target_env":"qa"}}"#,
            ), 400, "400 Bad request - `target_env` input: `qa` cannot be used because it is not in the list of allowed options").await;
    assert_eq!(live.job(6).await, before, "a refused play changes nothing");
    live.expect(
        "play_job",
        play(
            tokens::DEVELOPER,
            6,
            r#"{"job_inputs":{"target_env":"production","replicas":4}}"#,
        ),
        200,
    )
    .await;
    let played = live.job(6).await.job;
    assert_eq!(
        serde_json::to_value(&played.input_values).expect("serialises"),
        serde_json::json!({"target_env": "production", "replicas": 4})
    );
    live.server.shutdown().await;
}
