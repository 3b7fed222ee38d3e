//! Faults on demand: a middleware layer of its own that answers some requests as a struggling
//! GitLab would (429 from its rate limiters, 500, Workhorse's 502), serves them late, or drops
//! their connection, so that clients' retry and backoff paths can be tested.
//!
//! Rules come from `serve --fault SPEC` (see [`SYNTAX`]) or [`FaultRule`]'s builder, for
//! `TestServer::start_with_faults`. Off by default: with no rule the layer is not installed.
//!
//! Deterministic: each rule draws from its own generator seeded from the seed and the rule's
//! position, once per request the rule matches, so the n-th matching request of a rule gets
//! the same decision in every run with the same seed. Rules are tried in order: every
//! matching latency rule adds its delay, and the first matching status or drop rule answers.

mod answer;
mod matcher;
mod spec;

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt as _, SeedableRng};

use self::matcher::Operations;
pub use self::matcher::PathGlob;
pub use self::spec::{Fault, FaultRule, FaultSpecError, Limiter, SYNTAX};

/// Rules ready to serve: operations checked against the document, generators seeded.
#[derive(Clone)]
pub struct Faults {
    inner: Arc<Armed>,
}

struct Armed {
    seed: u64,
    rules: Vec<ArmedRule>,
    /// Only built when a rule names an operation.
    operations: Option<Operations>,
    default_path: PathGlob,
}

struct ArmedRule {
    rule: FaultRule,
    state: Mutex<RuleState>,
}

struct RuleState {
    random: Xoshiro256PlusPlus,
    injected: u64,
}

impl Faults {
    /// Arms `rules`; fails when a rule names an operation the document does not have.
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> Result<Faults, FaultSpecError> {
        let operations = if rules.iter().any(|rule| rule.operation.is_some()) {
            Some(Operations::from_document().map_err(|error| FaultSpecError {
                spec: String::new(),
                problem: format!("the embedded OpenAPI document cannot be read: {error}"),
            })?)
        } else {
            None
        };
        if let Some(operations) = &operations {
            for rule in &rules {
                let Some(operation) = &rule.operation else {
                    continue;
                };
                if !operations.contains(operation) {
                    return Err(FaultSpecError {
                        spec: format!("operation={operation}"),
                        problem: format!(
                            "no operation `{operation}` in openapi/gitlab-jobs.yaml; the operations are {}",
                            operations.ids().join(", ")
                        ),
                    });
                }
            }
        }
        let rules = rules
            .into_iter()
            .enumerate()
            .map(|(index, rule)| ArmedRule {
                rule,
                state: Mutex::new(RuleState {
                    random: Xoshiro256PlusPlus::seed_from_u64(
                        seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                    ),
                    injected: 0,
                }),
            })
            .collect();
        Ok(Faults {
            inner: Arc::new(Armed {
                seed,
                rules,
                operations,
                default_path: PathGlob::parse("/api/v4/**").map_err(|problem| FaultSpecError {
                    spec: "/api/v4/**".into(),
                    problem,
                })?,
            }),
        })
    }

    /// Whether there is any rule (without one, the server installs no layer).
    pub fn is_empty(&self) -> bool {
        self.inner.rules.is_empty()
    }

    /// One line per rule, for the banner.
    pub fn describe(&self) -> Vec<String> {
        self.inner
            .rules
            .iter()
            .map(|armed| describe(&armed.rule))
            .collect()
    }

    /// The seed the generators were seeded from.
    pub fn seed(&self) -> u64 {
        self.inner.seed
    }

    /// The middleware: `axum::middleware::from_fn_with_state(faults, Faults::inject)`.
    pub async fn inject(
        axum::extract::State(faults): axum::extract::State<Faults>,
        request: Request,
        next: Next,
    ) -> Response {
        let armed = &faults.inner;
        let mut delay = std::time::Duration::ZERO;
        let mut answer: Option<(usize, &Fault)> = None;
        let operation = armed
            .operations
            .as_ref()
            .and_then(|operations| operations.find(request.method(), request.uri().path()));
        for (index, rule) in armed.rules.iter().enumerate() {
            if answer.is_some() && !matches!(rule.rule.fault, Fault::Latency(_)) {
                continue;
            }
            if !armed.selects(&rule.rule, &request, operation) || !rule.fires() {
                continue;
            }
            match &rule.rule.fault {
                Fault::Latency(extra) => delay += *extra,
                fault => answer = Some((index, fault)),
            }
        }
        let path = request.uri().path().to_owned();
        if !delay.is_zero() {
            tracing::info!(?delay, path, "fault injected: latency");
            tokio::time::sleep(delay).await;
        }
        let Some((rule, fault)) = answer else {
            return next.run(request).await;
        };
        tracing::info!(rule, fault = ?fault, path, "fault injected");
        match fault {
            Fault::TooManyRequests(limiter) => {
                answer::too_many_requests(*limiter, has_credentials(&request), chrono::Utc::now())
            }
            Fault::InternalServerError => answer::internal_server_error(),
            Fault::BadGateway => answer::bad_gateway(),
            Fault::Drop => answer::dropped_connection(),
            Fault::Latency(_) => next.run(request).await,
        }
    }
}

impl Armed {
    fn selects(&self, rule: &FaultRule, request: &Request, operation: Option<&str>) -> bool {
        let path = request.uri().path();
        let path_matches = match &rule.path {
            Some(glob) => glob.matches(path),
            None => rule.operation.is_some() || self.default_path.matches(path),
        };
        path_matches
            && rule
                .method
                .as_ref()
                .is_none_or(|method| method == request.method())
            && rule
                .operation
                .as_deref()
                .is_none_or(|wanted| operation == Some(wanted))
    }
}

impl ArmedRule {
    /// Draws for one matching request: whether the fault fires (within `count`).
    fn fires(&self) -> bool {
        // A poisoned lock only means another request panicked while drawing; the state is
        // two numbers and stays usable.
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let drawn = state.random.random_bool(self.rule.rate);
        if !drawn || self.rule.count.is_some_and(|count| state.injected >= count) {
            return false;
        }
        state.injected += 1;
        true
    }
}

/// Whether the request carries a credential, which decides the Rack::Attack throttle's name
/// (authenticated or not) as GitLab's does.
fn has_credentials(request: &Request) -> bool {
    let headers = request.headers();
    let by_header = ["private-token", "job-token"]
        .iter()
        .any(|name| headers.contains_key(*name))
        || headers.contains_key(header::AUTHORIZATION);
    let by_query = request.uri().query().is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair.starts_with("private_token=") || pair.starts_with("job_token="))
    });
    by_header || by_query
}

fn describe(rule: &FaultRule) -> String {
    let fault = match &rule.fault {
        Fault::TooManyRequests(Limiter::RackAttack { retry_after }) => {
            format!("429 Retry later (Rack::Attack, Retry-After {retry_after})")
        }
        Fault::TooManyRequests(Limiter::Application) => "429 (application rate limiter)".to_owned(),
        Fault::InternalServerError => "500 Internal Server Error".to_owned(),
        Fault::BadGateway => "502 GitLab is not responding".to_owned(),
        Fault::Latency(delay) => format!("+{delay:?} latency"),
        Fault::Drop => "dropped connection".to_owned(),
    };
    let mut on = Vec::new();
    if let Some(method) = &rule.method {
        on.push(method.to_string());
    }
    if let Some(operation) = &rule.operation {
        on.push(format!("operation {operation}"));
    }
    if let Some(path) = &rule.path {
        on.push(format!("path {path}"));
    }
    if on.is_empty() {
        on.push("every request under /api/v4".to_owned());
    }
    let mut how = format!("rate {}", rule.rate);
    if let Some(count) = rule.count {
        how.push_str(&format!(", at most {count}"));
    }
    format!("{fault} on {} ({how})", on.join(" "))
}
