//! The harness of the live contract: a demo server behind a recording proxy, the generated
//! client pointed at the proxy, and [`Live`], which judges every exchange against the
//! document and keeps the coverage of (operation, status) pairs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::future::Future;

use anyhow::{Context, Result, anyhow, ensure};
use gitlab_jobs_client::types;
use gitlab_jobs_client::{Auth, Client, Error};
use gitlab_jobs_contract_tests::Validators;
use gitlab_jobs_contract_tests::wire::{self, Exchange, Recorder, Request};
use gitlab_jobs_reference::TestServer;

use crate::{NOT_PROVOKED, Refusal, SPEC};

/// How a response was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Via {
    /// Through the generated client (and the recording proxy).
    Client,
    /// Written by hand on a socket (what the typed client cannot send).
    Raw,
}

struct Running {
    server: TestServer,
    recorder: Recorder,
}

pub(crate) struct Live {
    validators: Validators<'static>,
    running: Option<Running>,
    /// (operation, status) → how it was provoked.
    coverage: BTreeMap<(String, u16), BTreeSet<Via>>,
    /// How many exchanges were judged against the document.
    pub(crate) judged: usize,
    pub(crate) failures: Vec<String>,
}

impl Live {
    pub(crate) fn new() -> Live {
        Live {
            validators: Validators::new(&SPEC).expect("the document's schemas convert"),
            running: None,
            coverage: BTreeMap::new(),
            judged: 0,
            failures: Vec::new(),
        }
    }

    /// A new demo server (and recorder) in place of the previous one.
    pub(crate) async fn fresh(&mut self) -> Result<()> {
        self.stop().await;
        let server = TestServer::demo().await.context("TestServer::demo")?;
        let recorder = Recorder::start(&server.base_url())?;
        self.running = Some(Running { server, recorder });
        Ok(())
    }

    pub(crate) async fn stop(&mut self) {
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

    /// The server of the running scenario.
    pub(crate) fn server(&self) -> &TestServer {
        &self.running().server
    }

    pub(crate) fn take(&self) -> Vec<Exchange> {
        self.running
            .as_ref()
            .map(|running| running.recorder.take())
            .unwrap_or_default()
    }

    /// A generated client with `auth`, talking through the recorder. No connection reuse:
    /// the recorder answers each request on its own connection.
    pub(crate) fn client(&self, auth: Auth) -> Client {
        let http = reqwest::Client::builder().pool_max_idle_per_host(0);
        Client::with_auth_and_builder(&self.running().recorder.base_url(), auth, http)
            .expect("a client for the recorder")
    }

    pub(crate) fn token(&self, token: &str) -> Client {
        self.client(Auth::PrivateToken(token.to_owned()))
    }

    /// A generated client without credentials.
    pub(crate) fn anonymous(&self) -> Client {
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
    pub(crate) async fn ok<T>(
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
    pub(crate) async fn refused<T>(
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
    pub(crate) async fn refused_with<T>(
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
    pub(crate) async fn pages<T>(
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
    pub(crate) async fn raw(
        &mut self,
        operation: &str,
        expected: u16,
        request: Request,
    ) -> Result<Exchange> {
        let addr = wire::socket_addr(&self.running().server.base_url())?;
        let exchange = tokio::task::spawn_blocking(move || wire::send(addr, &request))
            .await
            .context("the raw request task")??;
        self.judge(operation, &exchange, expected, Via::Raw);
        Ok(exchange)
    }

    /// Checks a condition that is a finding, not a reason to stop the scenario.
    pub(crate) fn check(&mut self, condition: bool, message: impl FnOnce() -> String) {
        if !condition {
            self.failures.push(message());
        }
    }

    /// Documented statuses left unprovoked, compared with [`NOT_PROVOKED`]; and every
    /// operation must have had a success through the generated client.
    pub(crate) fn coverage_failures(&self) -> Vec<String> {
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
    pub(crate) fn coverage_table(&self) -> String {
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
pub(crate) fn error_text(error: &types::Error) -> String {
    match (&error.message, &error.error) {
        (Some(types::ErrorMessage::String(text)), _) => text.clone(),
        (Some(types::ErrorMessage::Object(map)), _) => format!("{map:?}"),
        (None, Some(text)) => text.clone(),
        (None, None) => String::new(),
    }
}

pub(crate) fn ids(jobs: &[types::Job]) -> Vec<i64> {
    jobs.iter().map(|job| job.id).collect()
}

pub(crate) fn header(exchange: &Exchange, name: &str) -> Option<String> {
    exchange.header(name).map(str::to_owned)
}

/// A `Link` header's URL for relation `rel`.
pub(crate) fn link(exchange: &Exchange, rel: &str) -> Option<String> {
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

pub(crate) fn raw_get(target: &str, token: &str) -> Request {
    Request::get(target).token(token)
}
