//! Live contract (DESIGN.md, "Contract tests" item 5): the reference server on `127.0.0.1:0`
//! with the demo data set, every operation driven through the generated client, and every
//! response checked, as raw bytes, against the document.
//!
//! The client talks to the server through a recording proxy ([`Recorder`]), so each call is
//! made by the typed client exactly as an application would make it, and its raw status,
//! headers and body are checked with `conformance::check` (documented status, content type,
//! headers, body schema with unknown properties rejected). A few statuses cannot be reached
//! through the typed client (it will not send `job_id=x`, nor leave out a required `job`):
//! those requests are written raw and checked the same way.
//!
//! One test drives every scenario, each on a fresh demo server, collects what went wrong, and
//! then compares the (operation, status) pairs it provoked with every status the document
//! declares: what is not provoked must be exactly [`NOT_PROVOKED`], so the list cannot grow
//! (or go stale) silently.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::future::Future;
use std::sync::LazyLock;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail, ensure};
use futures::TryStreamExt;
use gitlab_jobs_client::types::{self, JobStatus};
use gitlab_jobs_client::{Auth, Client, Error};
use gitlab_jobs_contract_tests::wire::{self, Exchange, Recorder, Request};
use gitlab_jobs_contract_tests::{Spec, Validators, report};
use gitlab_jobs_reference::TestServer;
use gitlab_jobs_reference::demo::tokens;

static SPEC: LazyLock<Spec> =
    LazyLock::new(|| gitlab_jobs_contract_tests::load_spec().expect("the document loads"));

/// Documented statuses that the reference server cannot be made to answer, and why. The
/// final check fails if one of them gets provoked (remove it here) or if another documented
/// status goes unprovoked (provoke it, or add it here with the reason).
const NOT_PROVOKED: &[(&str, u16, &str)] = &[
    (
        "list_project_jobs",
        429,
        "the reference server has no rate limiter (GitLab's `jobs_index` limit)",
    ),
    (
        "get_current_job",
        403,
        "GitLab answers 403 for a token without the needed scope; the reference server models no token scopes",
    ),
    (
        "get_current_job_allowed_agents",
        403,
        "GitLab answers 403 for a token without the needed scope; the reference server models no token scopes",
    ),
    (
        "erase_job",
        409,
        "GitLab answers 409 during a project statistics refresh, which the reference server does not model",
    ),
    (
        "delete_job_artifacts",
        409,
        "GitLab answers 409 during a project statistics refresh, which the reference server does not model",
    ),
    (
        "get_job_artifacts",
        302,
        "302 is GitLab's redirect to object storage; the reference server keeps artifacts in its database",
    ),
    (
        "download_artifacts_by_ref",
        302,
        "302 is GitLab's redirect to object storage; the reference server keeps artifacts in its database",
    ),
    (
        "get_job_artifact_file",
        302,
        "302 is GitLab's redirect to object storage; the reference server keeps artifacts in its database",
    ),
    (
        "get_artifact_file_by_ref",
        302,
        "302 is GitLab's redirect to object storage; the reference server keeps artifacts in its database",
    ),
];

/// The builds of `acme/backend` (project 1) in the demo, newest first: every job of the
/// project but the bridges 4 and 15, the retried job 9 included.
const BACKEND_BUILDS: [i64; 16] = [18, 17, 16, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 3, 2, 1];
/// Highest job id of the demo: new jobs (retries) get larger ones.
const LAST_DEMO_JOB: i64 = 21;

/// A documented error status with GitLab's error text (`message`, or `error`).
type Refusal = (u16, &'static str);

const BAD_REQUEST: Refusal = (400, "400 Bad request");
const PER_PAGE_ZERO: Refusal = (400, "per_page has a value not allowed");
const UNPLAYABLE: Refusal = (400, "400 Bad request - Unplayable Job");
const UNAUTHORIZED: Refusal = (401, "401 Unauthorized");
const FORBIDDEN: Refusal = (403, "403 Forbidden");
const NOT_RETRYABLE: Refusal = (403, "403 Forbidden - Job is not retryable");
const NOT_ERASABLE: Refusal = (403, "403 Forbidden - Job is not erasable!");
/// `rescue_from ActiveRecord::RecordNotFound` (a missing job, pipeline or ref): lowercase f.
const RECORD_NOT_FOUND: Refusal = (404, "404 Not found");
/// `not_found!` without a resource (no artifacts).
const NOT_FOUND: Refusal = (404, "404 Not Found");
const PROJECT_NOT_FOUND: Refusal = (404, "404 Project Not Found");
const JOB_NOT_FOUND: Refusal = (404, "404 Job Not Found");
const KEYSET_UNSUPPORTED: Refusal = (
    405,
    "Keyset pagination is not yet available for this type of request",
);

#[tokio::test]
async fn every_operation_and_documented_status_against_the_reference_server() {
    let started = Instant::now();
    let mut live = Live::new();

    macro_rules! scenarios {
        ($($scenario:ident),* $(,)?) => {$(
            match live.fresh().await {
                Ok(()) => {
                    if let Err(error) = $scenario(&mut live).await {
                        live.failures.push(format!("scenario `{}` stopped: {error:#}", stringify!($scenario)));
                    }
                    let leftover = live.take();
                    if !leftover.is_empty() {
                        live.failures.push(format!(
                            "scenario `{}` left {} unchecked exchange(s), first: {}",
                            stringify!($scenario), leftover.len(), leftover[0].summary()
                        ));
                    }
                }
                Err(error) => live.failures.push(format!("scenario `{}`: the server did not start: {error:#}", stringify!($scenario))),
            }
        )*};
    }
    scenarios!(
        project_jobs,
        pipeline_jobs_and_bridges,
        current_job,
        single_job_reads,
        cancel_and_retry,
        play,
        erase_keep_and_delete_artifacts,
        artifact_downloads,
    );
    live.stop().await;

    let coverage = live.coverage_failures();
    println!("{}", live.coverage_table());
    println!(
        "live contract: {} exchanges judged in {:?}",
        live.judged,
        started.elapsed()
    );
    let mut failures = live.failures;
    failures.extend(coverage);
    report::assert_none("live contract against the reference server", &failures);
}

// --- the harness ------------------------------------------------------------------------------

/// How a response was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Via {
    /// Through the generated client (and the recording proxy).
    Client,
    /// Written by hand on a socket (what the typed client cannot send).
    Raw,
}

struct Running {
    server: TestServer,
    recorder: Recorder,
}

struct Live {
    validators: Validators<'static>,
    running: Option<Running>,
    /// (operation, status) → how it was provoked.
    coverage: BTreeMap<(String, u16), BTreeSet<Via>>,
    /// How many exchanges were judged against the document.
    judged: usize,
    failures: Vec<String>,
}

impl Live {
    fn new() -> Live {
        Live {
            validators: Validators::new(&SPEC).expect("the document's schemas convert"),
            running: None,
            coverage: BTreeMap::new(),
            judged: 0,
            failures: Vec::new(),
        }
    }

    /// A new demo server (and recorder) in place of the previous one.
    async fn fresh(&mut self) -> Result<()> {
        self.stop().await;
        let server = TestServer::demo().await.context("TestServer::demo")?;
        let recorder = Recorder::start(&server.base_url())?;
        self.running = Some(Running { server, recorder });
        Ok(())
    }

    async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            drop(running.recorder);
            running.server.shutdown().await;
        }
    }

    fn running(&self) -> &Running {
        self.running
            .as_ref()
            .expect("a scenario runs with a server")
    }

    fn take(&self) -> Vec<Exchange> {
        self.running
            .as_ref()
            .map(|running| running.recorder.take())
            .unwrap_or_default()
    }

    /// A generated client with `auth`, talking through the recorder. No connection reuse:
    /// the recorder answers each request on its own connection.
    fn client(&self, auth: Auth) -> Client {
        let http = reqwest::Client::builder().pool_max_idle_per_host(0);
        Client::with_auth_and_builder(&self.running().recorder.base_url(), auth, http)
            .expect("a client for the recorder")
    }

    fn token(&self, token: &str) -> Client {
        self.client(Auth::PrivateToken(token.to_owned()))
    }

    /// A generated client without credentials.
    fn anonymous(&self) -> Client {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("a reqwest client");
        Client::new_with_client(
            &format!("{}/api/v4", self.running().recorder.base_url()),
            http,
        )
    }

    /// Records one exchange of `operation`: a failure unless it has status `expected` and
    /// conforms to the document; coverage when the status is the expected one.
    fn judge(&mut self, operation: &str, exchange: &Exchange, expected: u16, via: Via) {
        self.judged += 1;
        if let Err(message) = wire::verdict(&self.validators, operation, exchange, expected) {
            self.failures.push(message);
        }
        if exchange.response.status == expected {
            self.coverage
                .entry((operation.to_owned(), expected))
                .or_default()
                .insert(via);
        }
    }

    /// The single exchange a client call made, judged.
    fn one(&mut self, operation: &str, expected: u16) -> Result<Exchange> {
        let mut exchanges = self.take();
        ensure!(
            exchanges.len() == 1,
            "{operation}: expected one request through the recorder, saw {}: {:?}",
            exchanges.len(),
            exchanges.iter().map(Exchange::summary).collect::<Vec<_>>()
        );
        let exchange = exchanges.remove(0);
        self.judge(operation, &exchange, expected, Via::Client);
        Ok(exchange)
    }

    /// Sends a generated request, expects `expected` (a success) and returns the typed value
    /// with the raw exchange.
    async fn ok<T>(
        &mut self,
        operation: &str,
        expected: u16,
        call: impl Future<Output = Result<T, Error<types::Error>>>,
    ) -> Result<(T, Exchange)> {
        let result = call.await;
        let exchange = self.one(operation, expected)?;
        match result {
            Ok(value) => Ok((value, exchange)),
            Err(error) => Err(anyhow!(
                "{operation}: {}: the generated client failed: {}",
                exchange.summary(),
                describe(&error)
            )),
        }
    }

    /// Sends a generated request that must be refused with `expected`; returns the error
    /// body as the generated client decoded it, with the raw exchange.
    async fn refused<T>(
        &mut self,
        operation: &str,
        expected: u16,
        call: impl Future<Output = Result<T, Error<types::Error>>>,
    ) -> Result<(types::Error, Exchange)> {
        let result = call.await;
        let exchange = self.one(operation, expected)?;
        match result {
            Err(Error::ErrorResponse(response)) if response.status().as_u16() == expected => {
                Ok((response.into_inner(), exchange))
            }
            Err(error) => Err(anyhow!(
                "{operation}: {}: expected a documented {expected} error, the client gave {}",
                exchange.summary(),
                describe(&error)
            )),
            Ok(_) => Err(anyhow!(
                "{operation}: {}: expected {expected}, the client reported a success",
                exchange.summary()
            )),
        }
    }

    /// Like [`Live::refused`], and the error text must be `text`.
    async fn refused_with<T>(
        &mut self,
        operation: &str,
        (expected, text): Refusal,
        call: impl Future<Output = Result<T, Error<types::Error>>>,
    ) -> Result<()> {
        let (error, _) = self.refused(operation, expected, call).await?;
        let got = error_text(&error);
        if got != text {
            self.failures.push(format!(
                "{operation}: the {expected} error says {got:?}, GitLab says {text:?}"
            ));
        }
        Ok(())
    }

    /// Every page of a list through `client.items(..)`: each exchange a conforming 200.
    async fn pages<T>(
        &mut self,
        operation: &str,
        call: impl Future<Output = Result<Vec<T>, Error<types::Error>>>,
    ) -> Result<(Vec<T>, Vec<Exchange>)> {
        let result = call.await;
        let exchanges = self.take();
        ensure!(
            !exchanges.is_empty(),
            "{operation}: no request reached the recorder"
        );
        for exchange in &exchanges {
            self.judge(operation, exchange, 200, Via::Client);
        }
        let items = result.map_err(|error| {
            anyhow!(
                "{operation}: paging failed after {:?}: {}",
                exchanges.iter().map(Exchange::summary).collect::<Vec<_>>(),
                describe(&error)
            )
        })?;
        Ok((items, exchanges))
    }

    /// A request written by hand, sent straight to the server, judged.
    async fn raw(&mut self, operation: &str, expected: u16, request: Request) -> Result<Exchange> {
        let addr = wire::socket_addr(&self.running().server.base_url())?;
        let exchange = tokio::task::spawn_blocking(move || wire::send(addr, &request))
            .await
            .context("the raw request task")??;
        self.judge(operation, &exchange, expected, Via::Raw);
        Ok(exchange)
    }

    /// Checks a condition that is a finding, not a reason to stop the scenario.
    fn check(&mut self, condition: bool, message: impl FnOnce() -> String) {
        if !condition {
            self.failures.push(message());
        }
    }

    /// Documented statuses left unprovoked, compared with [`NOT_PROVOKED`]; and every
    /// operation must have had a success through the generated client.
    fn coverage_failures(&self) -> Vec<String> {
        let mut failures = Vec::new();
        let documented = documented_statuses();
        let covered: BTreeSet<(String, u16)> = self.coverage.keys().cloned().collect();
        let unprovoked: BTreeSet<(String, u16)> =
            documented.difference(&covered).cloned().collect();
        let allowed: BTreeSet<(String, u16)> = NOT_PROVOKED
            .iter()
            .map(|(operation, status, _)| ((*operation).to_owned(), *status))
            .chain(not_provoked_internal_errors(&documented))
            .collect();
        for (operation, status) in unprovoked.difference(&allowed) {
            failures.push(format!(
                "{operation} {status}: documented but not provoked by any scenario (provoke it, or list it in NOT_PROVOKED with the reason)"
            ));
        }
        for (operation, status) in allowed.difference(&unprovoked) {
            let why = if covered.contains(&(operation.clone(), *status)) {
                "was provoked after all: remove it from NOT_PROVOKED"
            } else {
                "is not a documented status: remove it from NOT_PROVOKED"
            };
            failures.push(format!("{operation} {status} {why}"));
        }
        let operations: BTreeSet<&String> =
            documented.iter().map(|(operation, _)| operation).collect();
        for operation in operations {
            let succeeded = self.coverage.iter().any(|((op, status), via)| {
                op == operation && (200..300).contains(status) && via.contains(&Via::Client)
            });
            if !succeeded {
                failures.push(format!(
                    "{operation}: no successful call through the generated client"
                ));
            }
        }
        failures
    }

    /// Operations × statuses: `C` through the generated client, `R` raw, `-` not provoked.
    fn coverage_table(&self) -> String {
        let documented = documented_statuses();
        let mut by_operation: BTreeMap<&str, Vec<u16>> = BTreeMap::new();
        for (operation, status) in &documented {
            by_operation.entry(operation).or_default().push(*status);
        }
        let mut table = String::from(
            "operation                        statuses (C client, R raw, - not provoked)\n",
        );
        for (operation, statuses) in by_operation {
            let cells: Vec<String> = statuses
                .iter()
                .map(|status| {
                    let mark = match self.coverage.get(&(operation.to_owned(), *status)) {
                        None => "-".to_owned(),
                        Some(via) => via
                            .iter()
                            .map(|v| if *v == Via::Client { "C" } else { "R" })
                            .collect(),
                    };
                    format!("{status}:{mark}")
                })
                .collect();
            let _ = writeln!(table, "{operation:<32} {}", cells.join(" "));
        }
        table
    }
}

/// Every operation's 500 (GitLab's answer to an uncaught exception): a healthy reference
/// server cannot be made to fail from the outside. The 500 of every operation is tested where
/// a failure can be injected: the reference adapter's `an_internal_failure_is_a_500_on_every_operation`
/// and the server crate's end-to-end test, over the wire, with a fake whose store fails.
fn not_provoked_internal_errors(
    documented: &BTreeSet<(String, u16)>,
) -> impl Iterator<Item = (String, u16)> + '_ {
    documented
        .iter()
        .filter(|(_, status)| *status == 500)
        .cloned()
}

/// Every (operationId, status) the document declares.
fn documented_statuses() -> BTreeSet<(String, u16)> {
    let mut documented = BTreeSet::new();
    for operation in SPEC.operations().expect("the document has operations") {
        let id = operation.operation_id.expect("every operation has an id");
        for response in operation.responses(&SPEC).expect("responses resolve") {
            if let Ok(status) = response.status.parse::<u16>() {
                documented.insert((id.to_owned(), status));
            }
        }
    }
    documented
}

/// An error of the generated client, with the status and body when there is one.
fn describe(error: &Error<types::Error>) -> String {
    match error {
        Error::ErrorResponse(response) => format!(
            "a documented error {} {:?}",
            response.status(),
            response.as_ref()
        ),
        Error::UnexpectedResponse(response) => {
            format!("an undocumented response {}", response.status())
        }
        other => other.to_string(),
    }
}

/// The text of a GitLab error body: `message` (string or object) or `error`.
fn error_text(error: &types::Error) -> String {
    match (&error.message, &error.error) {
        (Some(types::ErrorMessage::String(text)), _) => text.clone(),
        (Some(types::ErrorMessage::Object(map)), _) => format!("{map:?}"),
        (None, Some(text)) => text.clone(),
        (None, None) => String::new(),
    }
}

fn ids(jobs: &[types::Job]) -> Vec<i64> {
    jobs.iter().map(|job| job.id).collect()
}

fn header(exchange: &Exchange, name: &str) -> Option<String> {
    exchange.header(name).map(str::to_owned)
}

/// A `Link` header's URL for relation `rel`.
fn link(exchange: &Exchange, rel: &str) -> Option<String> {
    let value = exchange.header("link")?;
    value.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|param| {
                param
                    .trim()
                    .strip_prefix("rel=")
                    .is_some_and(|rels| rels.trim_matches('"').split(' ').any(|r| r == rel))
            })
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

fn raw_get(target: &str, token: &str) -> Request {
    Request::get(target).token(token)
}

// --- scenarios --------------------------------------------------------------------------------

/// GET /projects/:id/jobs: offset and keyset pagination, scopes, paths, job tokens, and every
/// error the reference server gives.
async fn project_jobs(live: &mut Live) -> Result<()> {
    const OP: &str = "list_project_jobs";
    let bob = live.token(tokens::DEVELOPER);

    // Offset pagination, 3 per page: 16 builds in 6 pages, never counted.
    let (jobs, exchanges) = live
        .pages(
            OP,
            bob.items(bob.list_project_jobs().id("1").per_page(3))
                .try_collect::<Vec<_>>(),
        )
        .await?;
    ensure!(
        ids(&jobs) == BACKEND_BUILDS,
        "{OP}: offset pages gave {:?}, expected {BACKEND_BUILDS:?}",
        ids(&jobs)
    );
    ensure!(
        exchanges.len() == 6,
        "{OP}: 16 jobs at 3 per page are 6 pages, the client fetched {}",
        exchanges.len()
    );
    for (index, exchange) in exchanges.iter().enumerate() {
        let page = (index + 1).to_string();
        let last = index == exchanges.len() - 1;
        // Links repeat every request parameter (`params.merge(page:, per_page:).to_query`).
        let next = link(exchange, "next");
        live.check(
            next.as_deref().is_none_or(|url| {
                url.contains("per_page=3") && url.contains(&format!("page={}", index + 2))
            }),
            || {
                format!(
                    "{OP}: {}: Link rel=\"next\" {next:?} loses per_page or the page",
                    exchange.summary()
                )
            },
        );
        live.check(
            header(exchange, "x-page").as_deref() == Some(page.as_str()),
            || {
                format!(
                    "{OP}: {}: X-Page {:?}, expected {page}",
                    exchange.summary(),
                    header(exchange, "x-page")
                )
            },
        );
        live.check(
            header(exchange, "x-per-page").as_deref() == Some("3"),
            || {
                format!(
                    "{OP}: {}: X-Per-Page {:?}, expected 3",
                    exchange.summary(),
                    header(exchange, "x-per-page")
                )
            },
        );
        live.check(header(exchange, "x-total").is_none() && header(exchange, "x-total-pages").is_none(), || {
            format!("{OP}: {}: the project jobs list is never counted (without_count), yet X-Total/X-Total-Pages came", exchange.summary())
        });
        let next = header(exchange, "x-next-page").unwrap_or_default();
        let expected_next = if last {
            String::new()
        } else {
            (index + 2).to_string()
        };
        live.check(next == expected_next, || {
            format!(
                "{OP}: {}: X-Next-Page {next:?}, expected {expected_next:?}",
                exchange.summary()
            )
        });
        live.check(link(exchange, "next").is_some() != last, || {
            format!(
                "{OP}: {}: Link rel=\"next\" should be there exactly when a next page exists",
                exchange.summary()
            )
        });
        live.check(link(exchange, "last").is_none(), || {
            format!(
                "{OP}: {}: an uncounted list has no rel=\"last\" link",
                exchange.summary()
            )
        });
    }

    // The project by its full path (encoded on the wire).
    let (jobs, exchange) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("acme/backend")
                .per_page(100)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == BACKEND_BUILDS,
        "{OP} by path: {:?}",
        ids(&jobs)
    );
    ensure!(
        exchange.target.contains("/projects/acme%2Fbackend/jobs"),
        "{OP}: the path went out as {}",
        exchange.target
    );

    // Keyset pagination, 5 per page: only Link rel="next" with a cursor, while pages remain.
    let keyset = bob
        .list_project_jobs()
        .id("1")
        .pagination(types::ListProjectJobsPagination::Keyset)
        .per_page(5);
    let (jobs, exchanges) = live
        .pages(OP, bob.items(keyset).try_collect::<Vec<_>>())
        .await?;
    ensure!(
        ids(&jobs) == BACKEND_BUILDS,
        "{OP}: keyset pages gave {:?}",
        ids(&jobs)
    );
    ensure!(
        exchanges.len() == 4,
        "{OP}: 16 jobs at 5 per page are 4 keyset pages, fetched {}",
        exchanges.len()
    );
    for (index, exchange) in exchanges.iter().enumerate() {
        let last = index == exchanges.len() - 1;
        let next = link(exchange, "next");
        live.check(next.as_deref().is_some_and(|url| url.contains("cursor=")) != last, || {
            format!("{OP}: {}: keyset Link rel=\"next\" with a cursor exactly while a next page exists, got {next:?}", exchange.summary())
        });
        let offset_headers: Vec<&str> = ["x-page", "x-next-page", "x-prev-page", "x-total"]
            .into_iter()
            .filter(|name| exchange.header(name).is_some())
            .collect();
        live.check(offset_headers.is_empty(), || {
            format!(
                "{OP}: {}: keyset pagination sends no offset headers, got {offset_headers:?}",
                exchange.summary()
            )
        });
        if index > 0 {
            live.check(exchange.target.contains("cursor="), || {
                format!(
                    "{OP}: keyset page {} was requested without a cursor: {}",
                    index + 1,
                    exchange.target
                )
            });
        }
    }
    // The one supported ordering, spelled out.
    let (jobs, _) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("1")
                .pagination(types::ListProjectJobsPagination::Keyset)
                .order_by("id")
                .sort("desc")
                .per_page(2)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [18, 17],
        "{OP}: keyset id desc first page {:?}",
        ids(&jobs)
    );

    // Scopes, sent as scope[]=…
    let (jobs, exchange) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("1")
                .scope(vec![JobStatus::Failed])
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [9, 8],
        "{OP} scope[]=failed: {:?} (the retried job 9 belongs in the project list)",
        ids(&jobs)
    );
    ensure!(
        exchange.target.contains("scope%5B%5D=failed")
            || exchange.target.contains("scope[]=failed"),
        "{OP}: scope went out as {}",
        exchange.target
    );
    let (jobs, _) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("1")
                .scope(vec![JobStatus::Success, JobStatus::Manual])
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [17, 12, 10, 7, 6, 5, 3, 2, 1],
        "{OP} scope success+manual: {:?}",
        ids(&jobs)
    );
    let (jobs, _) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("1")
                .scope(vec![JobStatus::WaitingForCallback])
                .send(),
        )
        .await?;
    ensure!(
        jobs.is_empty(),
        "{OP} scope waiting_for_callback: {:?}",
        ids(&jobs)
    );

    // A page past the end: 200 [] and empty next/prev.
    let (jobs, exchange) = live
        .ok(OP, 200, bob.list_project_jobs().id("1").page(99).send())
        .await?;
    ensure!(jobs.is_empty(), "{OP} page 99: {:?}", ids(&jobs));
    live.check(
        header(&exchange, "x-next-page").as_deref() == Some("") && header(&exchange, "x-prev-page").as_deref() == Some(""),
        || format!("{OP}: {}: out of range, X-Next-Page and X-Prev-Page must be empty strings, got {:?} / {:?}", exchange.summary(), header(&exchange, "x-next-page"), header(&exchange, "x-prev-page")),
    );

    // A job token reaches its own project, nothing else.
    let job_token = live.client(Auth::JobToken(tokens::RUNNING_JOB.into()));
    let (jobs, _) = live
        .ok(
            OP,
            200,
            job_token.list_project_jobs().id("1").per_page(100).send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == BACKEND_BUILDS,
        "{OP} with the job token: {:?}",
        ids(&jobs)
    );
    live.refused_with(
        OP,
        PROJECT_NOT_FOUND,
        job_token.list_project_jobs().id("2").send(),
    )
    .await?;

    // Errors.
    live.refused_with(
        OP,
        PER_PAGE_ZERO,
        bob.list_project_jobs().id("1").per_page(0).send(),
    )
    .await?;
    let anonymous = live.anonymous();
    live.refused_with(
        OP,
        UNAUTHORIZED,
        anonymous.list_project_jobs().id("1").send(),
    )
    .await?;
    // Even on a public project: jobs.rb authenticates every route.
    live.refused_with(
        OP,
        UNAUTHORIZED,
        anonymous.list_project_jobs().id("2").send(),
    )
    .await?;
    let unknown = live.token("no-such-token");
    live.refused_with(OP, UNAUTHORIZED, unknown.list_project_jobs().id("1").send())
        .await?;
    let expired = live.token(tokens::EXPIRED);
    let (error, exchange) = live
        .refused(OP, 401, expired.list_project_jobs().id("1").send())
        .await?;
    ensure!(
        error.error.as_deref() == Some("invalid_token"),
        "{OP}: an expired token gives error invalid_token, got {error:?}"
    );
    let challenge = header(&exchange, "www-authenticate");
    live.check(
        challenge
            .as_deref()
            .is_some_and(|value| value.starts_with("Bearer") && value.contains("invalid_token")),
        || format!("{OP}: {}: an OAuth token error carries WWW-Authenticate: Bearer … error=\"invalid_token\", got {challenge:?}", exchange.summary()),
    );
    let revoked = live.token(tokens::REVOKED);
    let (error, _) = live
        .refused(OP, 401, revoked.list_project_jobs().id("1").send())
        .await?;
    ensure!(
        error.error.as_deref() == Some("invalid_token"),
        "{OP}: a revoked token gives error invalid_token, got {error:?}"
    );
    let dave = live.token(tokens::GUEST);
    live.refused_with(OP, FORBIDDEN, dave.list_project_jobs().id("1").send())
        .await?;
    let erin = live.token(tokens::OUTSIDER);
    live.refused_with(
        OP,
        PROJECT_NOT_FOUND,
        erin.list_project_jobs().id("1").send(),
    )
    .await?;
    live.refused_with(
        OP,
        PROJECT_NOT_FOUND,
        bob.list_project_jobs().id("999").send(),
    )
    .await?;
    live.refused_with(
        OP,
        PROJECT_NOT_FOUND,
        bob.list_project_jobs().id("acme/nothing").send(),
    )
    .await?;
    live.refused_with(
        OP,
        KEYSET_UNSUPPORTED,
        bob.list_project_jobs()
            .id("1")
            .pagination(types::ListProjectJobsPagination::Keyset)
            .sort("asc")
            .send(),
    )
    .await?;
    Ok(())
}

/// GET /projects/:id/pipelines/:pipeline_id/jobs, …/bridges and …/trigger_jobs.
async fn pipeline_jobs_and_bridges(live: &mut Live) -> Result<()> {
    const JOBS: &str = "list_pipeline_jobs";
    const BRIDGES: &str = "list_pipeline_bridges";
    const TRIGGER_JOBS: &str = "list_pipeline_trigger_jobs";
    let bob = live.token(tokens::DEVELOPER);

    // Pipeline 2: the retried lint (9) is hidden; counted pages of 2.
    let (jobs, exchanges) = live
        .pages(
            JOBS,
            bob.items(bob.list_pipeline_jobs().id("1").pipeline_id(2).per_page(2))
                .try_collect::<Vec<_>>(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [11, 10, 8, 7],
        "{JOBS}: pipeline 2 gave {:?}",
        ids(&jobs)
    );
    ensure!(
        exchanges.len() == 2,
        "{JOBS}: 4 jobs at 2 per page are 2 pages, fetched {}",
        exchanges.len()
    );
    for (index, exchange) in exchanges.iter().enumerate() {
        live.check(
            header(exchange, "x-total").as_deref() == Some("4")
                && header(exchange, "x-total-pages").as_deref() == Some("2"),
            || {
                format!(
                    "{JOBS}: {}: X-Total {:?} X-Total-Pages {:?}, expected 4 and 2",
                    exchange.summary(),
                    header(exchange, "x-total"),
                    header(exchange, "x-total-pages")
                )
            },
        );
        live.check(
            link(exchange, "last").is_some() && link(exchange, "first").is_some(),
            || {
                format!(
                    "{JOBS}: {}: a counted list links rel=\"first\" and rel=\"last\"",
                    exchange.summary()
                )
            },
        );
        let expected_prev = if index == 0 { "" } else { "1" };
        live.check(
            header(exchange, "x-prev-page").as_deref() == Some(expected_prev),
            || {
                format!(
                    "{JOBS}: {}: X-Prev-Page {:?}, expected {expected_prev:?}",
                    exchange.summary(),
                    header(exchange, "x-prev-page")
                )
            },
        );
    }
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            bob.list_pipeline_jobs()
                .id("1")
                .pipeline_id(2)
                .include_retried(true)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [11, 10, 9, 8, 7],
        "{JOBS} include_retried: {:?}",
        ids(&jobs)
    );
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            bob.list_pipeline_jobs()
                .id("1")
                .pipeline_id(2)
                .scope(vec![JobStatus::Failed])
                .send(),
        )
        .await?;
    ensure!(ids(&jobs) == [8], "{JOBS} scope failed: {:?}", ids(&jobs));
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            bob.list_pipeline_jobs()
                .id("1")
                .pipeline_id(2)
                .scope(vec![JobStatus::Failed])
                .include_retried(true)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [9, 8],
        "{JOBS} scope failed, include_retried: {:?}",
        ids(&jobs)
    );
    // Bridges are not in the jobs list.
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            bob.list_pipeline_jobs().id("1").pipeline_id(1).send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [6, 5, 3, 2, 1],
        "{JOBS} pipeline 1: {:?}",
        ids(&jobs)
    );

    // A public project answers anonymously.
    let anonymous = live.anonymous();
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            anonymous
                .list_pipeline_jobs()
                .id("acme/website")
                .pipeline_id(7)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [20, 19],
        "{JOBS} anonymous on acme/website: {:?}",
        ids(&jobs)
    );

    live.refused_with(
        JOBS,
        PER_PAGE_ZERO,
        bob.list_pipeline_jobs()
            .id("1")
            .pipeline_id(2)
            .per_page(0)
            .send(),
    )
    .await?;
    let unknown = live.token("no-such-token");
    live.refused_with(
        JOBS,
        UNAUTHORIZED,
        unknown.list_pipeline_jobs().id("1").pipeline_id(2).send(),
    )
    .await?;
    // A guest of acme/infra (private, public pipelines off) may not read its pipelines.
    let dave = live.token(tokens::GUEST);
    live.refused_with(
        JOBS,
        FORBIDDEN,
        dave.list_pipeline_jobs()
            .id("acme/infra")
            .pipeline_id(2)
            .send(),
    )
    .await?;
    live.refused_with(
        JOBS,
        PROJECT_NOT_FOUND,
        anonymous.list_pipeline_jobs().id("1").pipeline_id(2).send(),
    )
    .await?;
    live.refused_with(
        JOBS,
        RECORD_NOT_FOUND,
        bob.list_pipeline_jobs().id("1").pipeline_id(999).send(),
    )
    .await?;
    // Pipeline 7 exists, in another project.
    live.refused_with(
        JOBS,
        RECORD_NOT_FOUND,
        bob.list_pipeline_jobs().id("1").pipeline_id(7).send(),
    )
    .await?;

    // Bridges.
    let (bridges, _) = live
        .ok(
            BRIDGES,
            200,
            bob.list_pipeline_bridges().id("1").pipeline_id(1).send(),
        )
        .await?;
    let found: Vec<(i64, Option<i64>)> = bridges
        .iter()
        .map(|bridge| (bridge.id, bridge.downstream_pipeline.as_ref().map(|p| p.id)))
        .collect();
    ensure!(
        found == [(4, Some(3))],
        "{BRIDGES} pipeline 1: (id, downstream) {found:?}"
    );
    let (bridges, exchanges) = live
        .pages(
            BRIDGES,
            bob.items(
                bob.list_pipeline_bridges()
                    .id("acme/backend")
                    .pipeline_id(4),
            )
            .try_collect::<Vec<_>>(),
        )
        .await?;
    ensure!(
        bridges.iter().map(|b| b.id).collect::<Vec<_>>() == [15],
        "{BRIDGES} pipeline 4: {bridges:?}"
    );
    ensure!(
        exchanges.len() == 1,
        "{BRIDGES}: one page, fetched {}",
        exchanges.len()
    );
    let (bridges, _) = live
        .ok(
            BRIDGES,
            200,
            bob.list_pipeline_bridges()
                .id("1")
                .pipeline_id(4)
                .scope(vec![JobStatus::Running])
                .send(),
        )
        .await?;
    ensure!(bridges.is_empty(), "{BRIDGES} scope running: {bridges:?}");
    let (bridges, _) = live
        .ok(
            BRIDGES,
            200,
            anonymous
                .list_pipeline_bridges()
                .id("2")
                .pipeline_id(7)
                .send(),
        )
        .await?;
    ensure!(
        bridges.is_empty(),
        "{BRIDGES} acme/website pipeline 7: {bridges:?}"
    );

    live.refused_with(
        BRIDGES,
        PER_PAGE_ZERO,
        bob.list_pipeline_bridges()
            .id("1")
            .pipeline_id(1)
            .per_page(0)
            .send(),
    )
    .await?;
    live.refused_with(
        BRIDGES,
        UNAUTHORIZED,
        unknown
            .list_pipeline_bridges()
            .id("1")
            .pipeline_id(1)
            .send(),
    )
    .await?;
    live.refused_with(
        BRIDGES,
        FORBIDDEN,
        dave.list_pipeline_bridges().id("1").pipeline_id(1).send(),
    )
    .await?;
    live.refused_with(
        BRIDGES,
        RECORD_NOT_FOUND,
        bob.list_pipeline_bridges().id("1").pipeline_id(999).send(),
    )
    .await?;

    // …/trigger_jobs (GitLab 19.2) runs the same helper as …/bridges: the same answers.
    for (project, pipeline) in [("1", 1), ("acme/backend", 4), ("2", 7)] {
        let (bridges, _) = live
            .ok(
                BRIDGES,
                200,
                bob.list_pipeline_bridges()
                    .id(project)
                    .pipeline_id(pipeline)
                    .send(),
            )
            .await?;
        let (trigger_jobs, _) = live
            .ok(
                TRIGGER_JOBS,
                200,
                bob.list_pipeline_trigger_jobs()
                    .id(project)
                    .pipeline_id(pipeline)
                    .send(),
            )
            .await?;
        ensure!(
            serde_json::to_value(&*trigger_jobs)? == serde_json::to_value(&*bridges)?,
            "{TRIGGER_JOBS} {project} pipeline {pipeline}: {trigger_jobs:?} is not {bridges:?}"
        );
    }
    let (trigger_jobs, exchanges) = live
        .pages(
            TRIGGER_JOBS,
            bob.items(
                bob.list_pipeline_trigger_jobs()
                    .id("acme/backend")
                    .pipeline_id(4),
            )
            .try_collect::<Vec<_>>(),
        )
        .await?;
    ensure!(
        trigger_jobs.iter().map(|b| b.id).collect::<Vec<_>>() == [15] && exchanges.len() == 1,
        "{TRIGGER_JOBS} pipeline 4: {trigger_jobs:?} in {} pages",
        exchanges.len()
    );
    live.refused_with(
        TRIGGER_JOBS,
        PER_PAGE_ZERO,
        bob.list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(1)
            .per_page(0)
            .send(),
    )
    .await?;
    live.refused_with(
        TRIGGER_JOBS,
        UNAUTHORIZED,
        unknown
            .list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(1)
            .send(),
    )
    .await?;
    live.refused_with(
        TRIGGER_JOBS,
        FORBIDDEN,
        dave.list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(1)
            .send(),
    )
    .await?;
    live.refused_with(
        TRIGGER_JOBS,
        RECORD_NOT_FOUND,
        bob.list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(999)
            .send(),
    )
    .await?;
    Ok(())
}

/// GET /job and /job/allowed_agents: job tokens in two forms, other tokens, a job that stops.
async fn current_job(live: &mut Live) -> Result<()> {
    const JOB: &str = "get_current_job";
    const AGENTS: &str = "get_current_job_allowed_agents";
    let job_token = live.client(Auth::JobToken(tokens::RUNNING_JOB.into()));
    let (job, _) = live
        .ok(JOB, 200, job_token.get_current_job().send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.id == 13 && job.status == JobStatus::Running,
        "{JOB}: the running job's token gave job {} ({:?})",
        job.id,
        job.status
    );
    let bearer = live.client(Auth::Bearer(tokens::RUNNING_JOB.into()));
    let (job, _) = live.ok(JOB, 200, bearer.get_current_job().send()).await?;
    ensure!(job.into_inner().id == 13, "{JOB}: the job token as Bearer");
    // The `job_token` query form (not offered by the client: URLs end up in logs).
    let exchange = live
        .raw(
            JOB,
            200,
            Request::get(&format!("/api/v4/job?job_token={}", tokens::RUNNING_JOB)),
        )
        .await?;
    ensure!(
        exchange.json()?["id"] == 13,
        "{JOB}: job_token query parameter"
    );

    let (agents, _) = live
        .ok(
            AGENTS,
            200,
            job_token.get_current_job_allowed_agents().send(),
        )
        .await?;
    let agents = agents.into_inner();
    // Current GitLab's compact project and user (lib/api/ci/jobs.rb), not the 13.11–15.x
    // entities.
    let types::AllowedAgentsProject::Compact(project) = &agents.project else {
        bail!(
            "{AGENTS}: not the current project shape: {:?}",
            agents.project
        );
    };
    let types::AllowedAgentsUser::Compact(user) = &agents.user else {
        bail!("{AGENTS}: not the current user shape: {:?}", agents.user);
    };
    ensure!(
        agents.job.id == 13 && agents.pipeline.id == 4 && project.id == 1,
        "{AGENTS}: job/pipeline/project {:?}",
        (agents.job.id, agents.pipeline.id, project.id)
    );
    ensure!(
        agents
            .allowed_agents
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>()
            == [1],
        "{AGENTS}: agents {:?}",
        agents.allowed_agents
    );
    ensure!(
        user.username == "bob",
        "{AGENTS}: the job's user is bob, got {}",
        user.username
    );

    let bob = live.token(tokens::DEVELOPER);
    live.refused_with(JOB, JOB_NOT_FOUND, bob.get_current_job().send())
        .await?;
    live.refused_with(
        AGENTS,
        JOB_NOT_FOUND,
        bob.get_current_job_allowed_agents().send(),
    )
    .await?;
    let anonymous = live.anonymous();
    live.refused_with(JOB, UNAUTHORIZED, anonymous.get_current_job().send())
        .await?;
    live.refused_with(
        AGENTS,
        UNAUTHORIZED,
        anonymous.get_current_job_allowed_agents().send(),
    )
    .await?;
    let unknown = live.client(Auth::JobToken("no-such-job-token".into()));
    live.refused_with(JOB, UNAUTHORIZED, unknown.get_current_job().send())
        .await?;

    // Once its job is canceled, the token no longer works.
    let alice = live.token(tokens::MAINTAINER);
    let (job, _) = live
        .ok(
            "cancel_job",
            201,
            alice.cancel_job().id("1").job_id(13).send(),
        )
        .await?;
    ensure!(
        job.into_inner().status == JobStatus::Canceled,
        "cancel_job: job 13 should be canceled"
    );
    live.refused_with(JOB, UNAUTHORIZED, job_token.get_current_job().send())
        .await?;
    live.refused_with(
        AGENTS,
        UNAUTHORIZED,
        job_token.get_current_job_allowed_agents().send(),
    )
    .await?;
    Ok(())
}

/// GET /projects/:id/jobs/:job_id and its trace.
async fn single_job_reads(live: &mut Live) -> Result<()> {
    const JOB: &str = "get_job";
    const TRACE: &str = "get_job_trace";
    let bob = live.token(tokens::DEVELOPER);

    let (job, _) = live
        .ok(JOB, 200, bob.get_job().id("1").job_id(1).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.id == 1 && job.name == "compile" && job.status == JobStatus::Success,
        "{JOB} 1: {} {} {:?}",
        job.id,
        job.name,
        job.status
    );
    ensure!(
        job.artifacts_file.is_some() && job.failure_reason.is_none(),
        "{JOB} 1: artifacts_file {:?}, failure_reason {:?}",
        job.artifacts_file,
        job.failure_reason
    );
    ensure!(
        job.tag_list == ["docker", "linux"],
        "{JOB} 1: tag_list is sorted, got {:?}",
        job.tag_list
    );
    let (job, _) = live
        .ok(JOB, 200, bob.get_job().id("acme/backend").job_id(8).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.failure_reason == Some(types::FailureReason::ScriptFailure),
        "{JOB} 8: failure_reason {:?}",
        job.failure_reason
    );
    let (job, _) = live
        .ok(JOB, 200, bob.get_job().id("1").job_id(3).send())
        .await?;
    ensure!(
        job.into_inner().artifacts_file.is_none(),
        "{JOB} 3: no archive, so no artifacts_file"
    );
    // The other credential forms: a personal token as Bearer and as `private_token`; a job
    // token is not looked at on single-job routes (not `job_token_allowed`).
    let bearer = live.client(Auth::Bearer(tokens::DEVELOPER.into()));
    let (job, _) = live
        .ok(JOB, 200, bearer.get_job().id("1").job_id(1).send())
        .await?;
    ensure!(
        job.into_inner().id == 1,
        "{JOB}: a personal token as Bearer"
    );
    let target = format!(
        "/api/v4/projects/1/jobs/1?private_token={}",
        tokens::DEVELOPER
    );
    let exchange = live.raw(JOB, 200, Request::get(&target)).await?;
    ensure!(
        exchange.json()?["id"] == 1,
        "{JOB}: private_token query parameter"
    );
    let job_token = live.client(Auth::JobToken(tokens::RUNNING_JOB.into()));
    live.refused_with(
        JOB,
        UNAUTHORIZED,
        job_token.get_job().id("1").job_id(13).send(),
    )
    .await?;
    // A public project's job, read by a signed-in outsider.
    let erin = live.token(tokens::OUTSIDER);
    let (job, _) = live
        .ok(JOB, 200, erin.get_job().id("2").job_id(19).send())
        .await?;
    ensure!(job.into_inner().id == 19, "{JOB}: acme/website job 19");

    let error = live
        .raw(
            JOB,
            400,
            raw_get("/api/v4/projects/1/jobs/x", tokens::DEVELOPER),
        )
        .await?;
    ensure!(
        error.json()?["error"] == "job_id is invalid",
        "{JOB} job_id=x: {}",
        wire::quote(&error.response.body)
    );
    let anonymous = live.anonymous();
    live.refused_with(
        JOB,
        UNAUTHORIZED,
        anonymous.get_job().id("2").job_id(19).send(),
    )
    .await?;
    let dave = live.token(tokens::GUEST);
    live.refused_with(JOB, FORBIDDEN, dave.get_job().id("1").job_id(1).send())
        .await?;
    live.refused_with(
        JOB,
        PROJECT_NOT_FOUND,
        erin.get_job().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        JOB,
        RECORD_NOT_FOUND,
        bob.get_job().id("1").job_id(9999).send(),
    )
    .await?;
    // A bridge is not a build (`find_build!`); a job of another project is not found.
    live.refused_with(
        JOB,
        RECORD_NOT_FOUND,
        bob.get_job().id("1").job_id(4).send(),
    )
    .await?;
    live.refused_with(
        JOB,
        RECORD_NOT_FOUND,
        bob.get_job().id("1").job_id(19).send(),
    )
    .await?;

    // Traces: text/plain, `infile; filename="<id>.log"`, empty when there is none.
    let (log, exchange) = live.ok(TRACE, 200, bob.job_trace("1", 1)).await?;
    ensure!(
        log == "$ cargo build --release\n   Compiling backend v1.0.0\n    Finished release\n",
        "{TRACE} 1: {log:?}"
    );
    live.check(
        header(&exchange, "content-disposition").as_deref() == Some("infile; filename=\"1.log\""),
        || {
            format!(
                "{TRACE}: {}: Content-Disposition {:?}",
                exchange.summary(),
                header(&exchange, "content-disposition")
            )
        },
    );
    let (log, _) = live
        .ok(TRACE, 200, bob.job_trace("acme/backend", 11))
        .await?;
    ensure!(log.is_empty(), "{TRACE} 11 (skipped, no log): {log:?}");
    let (log, _) = live.ok(TRACE, 200, bob.job_trace("1", 13)).await?;
    ensure!(
        log == "$ bundle exec rspec\n..........",
        "{TRACE} 13 (running): {log:?}"
    );

    live.raw(
        TRACE,
        400,
        raw_get("/api/v4/projects/1/jobs/x/trace", tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(TRACE, UNAUTHORIZED, anonymous.job_trace("2", 19))
        .await?;
    live.refused_with(TRACE, FORBIDDEN, dave.job_trace("1", 1))
        .await?;
    live.refused_with(TRACE, RECORD_NOT_FOUND, bob.job_trace("1", 9999))
        .await?;
    live.refused_with(TRACE, RECORD_NOT_FOUND, bob.job_trace("1", 4))
        .await?;
    Ok(())
}

/// POST …/cancel and …/retry.
async fn cancel_and_retry(live: &mut Live) -> Result<()> {
    const CANCEL: &str = "cancel_job";
    const RETRY: &str = "retry_job";
    let bob = live.token(tokens::DEVELOPER);
    let alice = live.token(tokens::MAINTAINER);
    let carol = live.token(tokens::REPORTER);

    let (job, _) = live
        .ok(CANCEL, 201, bob.cancel_job().id("1").job_id(14).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.id == 14 && job.status == JobStatus::Canceled && job.finished_at.is_some(),
        "{CANCEL} 14 (pending): {:?} finished_at {:?}",
        job.status,
        job.finished_at
    );
    // Finished: 201 with the job unchanged.
    let (job, _) = live
        .ok(CANCEL, 201, bob.cancel_job().id("1").job_id(1).send())
        .await?;
    ensure!(
        job.into_inner().status == JobStatus::Success,
        "{CANCEL} 1 (success) must stay success"
    );
    // `force` needs a maintainer, and only ends a `canceling` job.
    live.refused_with(
        CANCEL,
        FORBIDDEN,
        bob.cancel_job().id("1").job_id(13).force(true).send(),
    )
    .await?;
    let (job, _) = live
        .ok(
            CANCEL,
            201,
            alice.cancel_job().id("1").job_id(13).force(true).send(),
        )
        .await?;
    ensure!(
        job.into_inner().status == JobStatus::Running,
        "{CANCEL} force on a running job leaves it running"
    );
    live.raw(
        CANCEL,
        400,
        Request::post("/api/v4/projects/1/jobs/x/cancel").token(tokens::DEVELOPER),
    )
    .await?;
    let unknown = live.token("no-such-token");
    live.refused_with(
        CANCEL,
        UNAUTHORIZED,
        unknown.cancel_job().id("1").job_id(13).send(),
    )
    .await?;
    live.refused_with(
        CANCEL,
        FORBIDDEN,
        carol.cancel_job().id("1").job_id(13).send(),
    )
    .await?;
    live.refused_with(
        CANCEL,
        RECORD_NOT_FOUND,
        bob.cancel_job().id("1").job_id(9999).send(),
    )
    .await?;

    // Retry makes a new job; the old one becomes retried and cannot be retried again.
    let (retried, _) = live
        .ok(RETRY, 201, bob.retry_job().id("1").job_id(8).send())
        .await?;
    let new_job = retried.into_inner();
    ensure!(
        new_job.id > LAST_DEMO_JOB
            && new_job.name == "rspec"
            && new_job.status == JobStatus::Pending,
        "{RETRY} 8: new job {} {} {:?}",
        new_job.id,
        new_job.name,
        new_job.status
    );
    ensure!(
        new_job.user.as_ref().map(|u| u.username.as_str()) == Some("bob"),
        "{RETRY} 8: the new job's user is the retrier"
    );
    live.refused_with(
        RETRY,
        NOT_RETRYABLE,
        bob.retry_job().id("1").job_id(8).send(),
    )
    .await?;
    let (jobs, _) = live
        .ok(
            "list_pipeline_jobs",
            200,
            bob.list_pipeline_jobs().id("1").pipeline_id(2).send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [new_job.id, 11, 10, 7],
        "list_pipeline_jobs after the retry of 8: {:?}",
        ids(&jobs)
    );
    let (jobs, _) = live
        .ok(
            "list_pipeline_jobs",
            200,
            bob.list_pipeline_jobs()
                .id("1")
                .pipeline_id(2)
                .include_retried(true)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [new_job.id, 11, 10, 9, 8, 7],
        "list_pipeline_jobs include_retried after the retry of 8: {:?}",
        ids(&jobs)
    );
    // A bridge retries as `Entities::Ci::Job` (lib/api/ci/jobs.rb): no runner, no artifacts,
    // `tag_list` ["bridge"] (`Ci::Bridge#tags`).
    let (retried, _) = live
        .ok(RETRY, 201, bob.retry_job().id("1").job_id(4).send())
        .await?;
    let bridge = retried.into_inner();
    ensure!(
        bridge.id > new_job.id
            && bridge.name == "trigger-docs"
            && bridge.runner.is_none()
            && bridge.artifacts.is_empty()
            && bridge.tag_list == ["bridge"],
        "{RETRY} 4: new bridge as a Job {bridge:?}"
    );
    live.raw(
        RETRY,
        400,
        Request::post("/api/v4/projects/1/jobs/x/retry").token(tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(
        RETRY,
        UNAUTHORIZED,
        unknown.retry_job().id("1").job_id(7).send(),
    )
    .await?;
    live.refused_with(RETRY, FORBIDDEN, carol.retry_job().id("1").job_id(7).send())
        .await?;
    live.refused_with(
        RETRY,
        NOT_RETRYABLE,
        bob.retry_job().id("1").job_id(13).send(),
    )
    .await?;
    live.refused_with(
        RETRY,
        RECORD_NOT_FOUND,
        bob.retry_job().id("1").job_id(9999).send(),
    )
    .await?;
    Ok(())
}

/// POST …/play, with job variables.
async fn play(live: &mut Live) -> Result<()> {
    const OP: &str = "play_job";
    let alice = live.token(tokens::MAINTAINER);
    let bob = live.token(tokens::DEVELOPER);
    let variables = types::PlayJobRequest {
        job_variables_attributes: vec![types::JobVariableAttribute {
            key: "DEPLOY_REASON".into(),
            value: "release 1.0".into(),
            variable_type: types::JobVariableAttributeVariableType::EnvVar,
        }],
    };
    let (played, exchange) = live
        .ok(
            OP,
            200,
            alice.play_job().id("1").job_id(6).body(variables).send(),
        )
        .await?;
    let types::JobOrBridge::Job(job) = played.into_inner() else {
        bail!("{OP} 6: a build plays as a Job");
    };
    ensure!(
        job.id == 6 && job.status == JobStatus::Pending,
        "{OP} 6 (manual): {} {:?}",
        job.id,
        job.status
    );
    ensure!(
        job.user.as_ref().map(|u| u.username.as_str()) == Some("alice"),
        "{OP} 6: the player becomes the job's user, got {:?}",
        job.user.map(|u| u.username)
    );
    ensure!(
        String::from_utf8_lossy(&exchange.request_body).contains("DEPLOY_REASON"),
        "{OP}: the variables went out as {}",
        wire::quote(&exchange.request_body)
    );
    // The API does not show job variables: the store does.
    let store = live.running().server.store();
    let stored = tokio::task::spawn_blocking(move || store.job(1, 6)).await??;
    let variables: Vec<(String, String)> = stored
        .map(|details| details.job.variables)
        .unwrap_or_default()
        .into_iter()
        .map(|variable| (variable.key, variable.value))
        .collect();
    ensure!(
        variables == [("DEPLOY_REASON".to_owned(), "release 1.0".to_owned())],
        "{OP} 6: the played job's stored variables are {variables:?}"
    );
    // Played once, it is pending: no longer playable.
    live.refused_with(OP, UNPLAYABLE, alice.play_job().id("1").job_id(6).send())
        .await?;
    live.refused_with(OP, UNPLAYABLE, bob.play_job().id("1").job_id(1).send())
        .await?;
    // A delayed job plays too, without a body.
    let (played, _) = live
        .ok(OP, 200, bob.play_job().id("acme/backend").job_id(18).send())
        .await?;
    ensure!(
        matches!(played.into_inner(), types::JobOrBridge::Job(job) if job.status == JobStatus::Pending),
        "{OP} 18 (scheduled) → pending"
    );

    let unknown = live.token("no-such-token");
    live.refused_with(
        OP,
        UNAUTHORIZED,
        unknown.play_job().id("1").job_id(6).send(),
    )
    .await?;
    let carol = live.token(tokens::REPORTER);
    live.refused_with(OP, FORBIDDEN, carol.play_job().id("1").job_id(6).send())
        .await?;
    let erin = live.token(tokens::OUTSIDER);
    live.refused_with(
        OP,
        PROJECT_NOT_FOUND,
        erin.play_job().id("1").job_id(6).send(),
    )
    .await?;
    live.refused_with(
        OP,
        RECORD_NOT_FOUND,
        bob.play_job().id("1").job_id(9999).send(),
    )
    .await?;
    Ok(())
}

/// POST …/erase, POST …/artifacts/keep and DELETE …/artifacts.
async fn erase_keep_and_delete_artifacts(live: &mut Live) -> Result<()> {
    const ERASE: &str = "erase_job";
    const KEEP: &str = "keep_job_artifacts";
    const DELETE: &str = "delete_job_artifacts";
    let bob = live.token(tokens::DEVELOPER);
    let alice = live.token(tokens::MAINTAINER);
    let carol = live.token(tokens::REPORTER);
    let unknown = live.token("no-such-token");

    // Bob erases his own finished job: log gone, erased_at set.
    let (job, _) = live
        .ok(ERASE, 201, bob.erase_job().id("1").job_id(3).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.id == 3 && job.erased_at.is_some(),
        "{ERASE} 3: erased_at {:?}",
        job.erased_at
    );
    let (log, _) = live.ok("get_job_trace", 200, bob.job_trace("1", 3)).await?;
    ensure!(log.is_empty(), "get_job_trace after erasing 3: {log:?}");
    live.refused_with(
        ERASE,
        NOT_ERASABLE,
        bob.erase_job().id("1").job_id(3).send(),
    )
    .await?;
    live.refused_with(
        ERASE,
        NOT_ERASABLE,
        bob.erase_job().id("1").job_id(14).send(),
    )
    .await?;
    live.refused_with(ERASE, FORBIDDEN, carol.erase_job().id("1").job_id(1).send())
        .await?;
    live.raw(
        ERASE,
        400,
        Request::post("/api/v4/projects/1/jobs/x/erase").token(tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(
        ERASE,
        UNAUTHORIZED,
        unknown.erase_job().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        ERASE,
        RECORD_NOT_FOUND,
        bob.erase_job().id("1").job_id(9999).send(),
    )
    .await?;

    // Keep: the expiry goes away.
    let (job, _) = live
        .ok(KEEP, 200, bob.keep_job_artifacts().id("1").job_id(1).send())
        .await?;
    let job = job.into_inner();
    ensure!(
        job.artifacts_expire_at.is_none() && job.artifacts_file.is_some(),
        "{KEEP} 1: artifacts_expire_at {:?}",
        job.artifacts_expire_at
    );
    let (error, _) = live
        .refused(KEEP, 404, bob.keep_job_artifacts().id("1").job_id(5).send())
        .await?;
    ensure!(
        error_text(&error).starts_with("404 "),
        "{KEEP} 5 (no artifacts): {error:?}"
    );
    live.raw(
        KEEP,
        400,
        Request::post("/api/v4/projects/1/jobs/x/artifacts/keep").token(tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(
        KEEP,
        UNAUTHORIZED,
        unknown.keep_job_artifacts().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        KEEP,
        FORBIDDEN,
        carol.keep_job_artifacts().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        KEEP,
        RECORD_NOT_FOUND,
        bob.keep_job_artifacts().id("1").job_id(9999).send(),
    )
    .await?;

    // Delete: 204 without a body; the archive is gone afterwards.
    let (_, exchange) = live
        .ok(
            DELETE,
            204,
            alice.delete_job_artifacts().id("1").job_id(2).send(),
        )
        .await?;
    ensure!(
        exchange.response.body.is_empty(),
        "{DELETE}: 204 with a body"
    );
    let (job, _) = live
        .ok("get_job", 200, bob.get_job().id("1").job_id(2).send())
        .await?;
    ensure!(
        job.into_inner().artifacts_file.is_none(),
        "get_job 2 after deleting its artifacts still shows artifacts_file"
    );
    live.refused_with("get_job_artifacts", NOT_FOUND, bob.job_artifacts("1", 2))
        .await?;
    // GitLab does not check that there is anything to delete.
    live.ok(
        DELETE,
        204,
        alice.delete_job_artifacts().id("1").job_id(2).send(),
    )
    .await?;
    live.raw(
        DELETE,
        400,
        Request::new("DELETE", "/api/v4/projects/1/jobs/x/artifacts").token(tokens::MAINTAINER),
    )
    .await?;
    live.refused_with(
        DELETE,
        UNAUTHORIZED,
        unknown.delete_job_artifacts().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        DELETE,
        FORBIDDEN,
        bob.delete_job_artifacts().id("1").job_id(1).send(),
    )
    .await?;
    live.refused_with(
        DELETE,
        RECORD_NOT_FOUND,
        alice.delete_job_artifacts().id("1").job_id(9999).send(),
    )
    .await?;
    Ok(())
}

/// The four downloads: archive, one file, archive by ref, one file by ref.
async fn artifact_downloads(live: &mut Live) -> Result<()> {
    const ARCHIVE: &str = "get_job_artifacts";
    const FILE: &str = "get_job_artifact_file";
    const BY_REF: &str = "download_artifacts_by_ref";
    const RAW_BY_REF: &str = "get_artifact_file_by_ref";
    let bob = live.token(tokens::DEVELOPER);
    let dave = live.token(tokens::GUEST);
    let erin = live.token(tokens::OUTSIDER);
    let unknown = live.token("no-such-token");
    let anonymous = live.anonymous();

    let (zip, exchange) = live.ok(ARCHIVE, 200, bob.job_artifacts("1", 1)).await?;
    ensure!(
        zip.starts_with(b"PK\x03\x04"),
        "{ARCHIVE} 1: not a zip archive: {}",
        wire::quote(&zip)
    );
    live.check(
        header(&exchange, "content-disposition")
            .is_some_and(|v| v.starts_with("attachment; filename=")),
        || {
            format!(
                "{ARCHIVE}: {}: Content-Disposition {:?}",
                exchange.summary(),
                header(&exchange, "content-disposition")
            )
        },
    );
    let (zip, _) = live
        .ok(ARCHIVE, 200, anonymous.job_artifacts("acme/website", 20))
        .await?;
    ensure!(
        zip.starts_with(b"PK"),
        "{ARCHIVE}: anonymous download on the public project"
    );
    live.raw(
        ARCHIVE,
        400,
        raw_get("/api/v4/projects/1/jobs/x/artifacts", tokens::DEVELOPER),
    )
    .await?;
    live.refused_with(ARCHIVE, UNAUTHORIZED, unknown.job_artifacts("1", 1))
        .await?;
    live.refused_with(ARCHIVE, FORBIDDEN, dave.job_artifacts("1", 1))
        .await?;
    live.refused_with(ARCHIVE, NOT_FOUND, bob.job_artifacts("1", 3))
        .await?;
    live.refused_with(ARCHIVE, PROJECT_NOT_FOUND, erin.job_artifacts("1", 1))
        .await?;

    let (file, exchange) = live
        .ok(
            FILE,
            200,
            bob.download(
                bob.get_job_artifact_file()
                    .id("1")
                    .job_id(1)
                    .artifact_path("build-info.txt"),
            ),
        )
        .await?;
    ensure!(
        file.as_ref() == b"commit 2f4a1c9e\n",
        "{FILE} build-info.txt: {}",
        wire::quote(&file)
    );
    live.check(
        header(&exchange, "content-disposition").is_some_and(|v| v.contains("build-info.txt")),
        || {
            format!(
                "{FILE}: {}: Content-Disposition {:?}",
                exchange.summary(),
                header(&exchange, "content-disposition")
            )
        },
    );
    let (file, _) = live
        .ok(
            FILE,
            200,
            bob.download(
                bob.get_job_artifact_file()
                    .id("1")
                    .job_id(1)
                    .artifact_path("target/release/backend"),
            ),
        )
        .await?;
    ensure!(
        file.as_ref() == "\u{7f}ELF demo binary".as_bytes(),
        "{FILE} target/release/backend: {}",
        wire::quote(&file)
    );
    // The client encodes `/`: `..%2Fx` and `%2Fetc%2Fpasswd` arrive as `../x` and `/etc/passwd`.
    live.refused_with(
        FILE,
        BAD_REQUEST,
        bob.download(
            bob.get_job_artifact_file()
                .id("1")
                .job_id(1)
                .artifact_path("../x"),
        ),
    )
    .await?;
    live.refused_with(
        FILE,
        BAD_REQUEST,
        bob.download(
            bob.get_job_artifact_file()
                .id("1")
                .job_id(1)
                .artifact_path("/etc/passwd"),
        ),
    )
    .await?;
    live.refused_with(
        FILE,
        UNAUTHORIZED,
        unknown.download(
            unknown
                .get_job_artifact_file()
                .id("1")
                .job_id(1)
                .artifact_path("build-info.txt"),
        ),
    )
    .await?;
    live.refused_with(
        FILE,
        FORBIDDEN,
        dave.download(
            dave.get_job_artifact_file()
                .id("1")
                .job_id(1)
                .artifact_path("build-info.txt"),
        ),
    )
    .await?;
    live.refused(
        FILE,
        404,
        bob.download(
            bob.get_job_artifact_file()
                .id("1")
                .job_id(1)
                .artifact_path("no/such/file"),
        ),
    )
    .await?;
    live.refused_with(
        FILE,
        NOT_FOUND,
        bob.download(
            bob.get_job_artifact_file()
                .id("1")
                .job_id(3)
                .artifact_path("build-info.txt"),
        ),
    )
    .await?;

    // By ref: the latest successful pipeline of the ref.
    let (zip, _) = live
        .ok(
            BY_REF,
            200,
            anonymous.download(
                anonymous
                    .download_artifacts_by_ref()
                    .id("acme/website")
                    .ref_name("main")
                    .job("pages"),
            ),
        )
        .await?;
    ensure!(
        zip.starts_with(b"PK"),
        "{BY_REF} acme/website main pages: not a zip"
    );
    let root = live.token(tokens::OWNER);
    let (zip, _) = live
        .ok(
            BY_REF,
            200,
            root.download(
                root.download_artifacts_by_ref()
                    .id("3")
                    .ref_name("main")
                    .job("build-docs"),
            ),
        )
        .await?;
    ensure!(
        zip.starts_with(b"PK"),
        "{BY_REF} acme/docs main build-docs: not a zip"
    );
    let error = live
        .raw(
            BY_REF,
            400,
            raw_get(
                "/api/v4/projects/2/jobs/artifacts/main/download",
                tokens::DEVELOPER,
            ),
        )
        .await?;
    ensure!(
        error.json()?["error"] == "job is missing",
        "{BY_REF} without job: {}",
        wire::quote(&error.response.body)
    );
    live.refused_with(
        BY_REF,
        UNAUTHORIZED,
        unknown.download(
            unknown
                .download_artifacts_by_ref()
                .id("2")
                .ref_name("main")
                .job("pages"),
        ),
    )
    .await?;
    live.refused_with(
        BY_REF,
        FORBIDDEN,
        dave.download(
            dave.download_artifacts_by_ref()
                .id("1")
                .ref_name("main")
                .job("compile"),
        ),
    )
    .await?;
    // acme/backend's main pipelines are `manual` and `failed`: none succeeded.
    live.refused_with(
        BY_REF,
        RECORD_NOT_FOUND,
        bob.download(
            bob.download_artifacts_by_ref()
                .id("1")
                .ref_name("main")
                .job("compile"),
        ),
    )
    .await?;
    live.refused_with(
        BY_REF,
        RECORD_NOT_FOUND,
        bob.download(
            bob.download_artifacts_by_ref()
                .id("2")
                .ref_name("main")
                .job("nope"),
        ),
    )
    .await?;

    let (file, _) = live
        .ok(
            RAW_BY_REF,
            200,
            anonymous.download(
                anonymous
                    .get_artifact_file_by_ref()
                    .id("2")
                    .ref_name("main")
                    .artifact_path("public/index.html")
                    .job("pages"),
            ),
        )
        .await?;
    ensure!(
        file.as_ref() == b"<html><h1>ACME</h1></html>",
        "{RAW_BY_REF} public/index.html: {}",
        wire::quote(&file)
    );
    live.refused_with(
        RAW_BY_REF,
        BAD_REQUEST,
        bob.download(
            bob.get_artifact_file_by_ref()
                .id("2")
                .ref_name("main")
                .artifact_path("../x")
                .job("pages"),
        ),
    )
    .await?;
    live.refused_with(
        RAW_BY_REF,
        UNAUTHORIZED,
        unknown.download(
            unknown
                .get_artifact_file_by_ref()
                .id("2")
                .ref_name("main")
                .artifact_path("public/index.html")
                .job("pages"),
        ),
    )
    .await?;
    live.refused_with(
        RAW_BY_REF,
        FORBIDDEN,
        dave.download(
            dave.get_artifact_file_by_ref()
                .id("1")
                .ref_name("main")
                .artifact_path("build-info.txt")
                .job("compile"),
        ),
    )
    .await?;
    live.refused(
        RAW_BY_REF,
        404,
        bob.download(
            bob.get_artifact_file_by_ref()
                .id("2")
                .ref_name("main")
                .artifact_path("missing.html")
                .job("pages"),
        ),
    )
    .await?;
    live.refused_with(
        RAW_BY_REF,
        RECORD_NOT_FOUND,
        bob.download(
            bob.get_artifact_file_by_ref()
                .id("2")
                .ref_name("nope")
                .artifact_path("public/index.html")
                .job("pages"),
        ),
    )
    .await?;
    Ok(())
}
