//! One fault rule and its text form (`--fault SPEC`), with errors that say what is wrong and
//! how to write it.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::http::Method;

use super::matcher::PathGlob;

/// What a rule does to a request it picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 429 as GitLab's rate limiters answer it.
    TooManyRequests(Limiter),
    /// 500 `{"message":"500 Internal Server Error"}`, GitLab's answer to an unhandled error.
    InternalServerError,
    /// 502 `GitLab is not responding`, Workhorse's answer when Puma does not answer.
    BadGateway,
    /// The request is served after this delay.
    Latency(Duration),
    /// The connection is closed without an answer.
    Drop,
}

/// Which of GitLab's two rate limiters answers a 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limiter {
    /// Rack::Attack's throttle (`throttle_authenticated_api` or `…_unauthenticated_api`):
    /// `Retry later` in plain text, with `Retry-After` (seconds) and the `RateLimit-*` headers.
    RackAttack { retry_after: u32 },
    /// `Gitlab::ApplicationRateLimiter` (`check_rate_limit!`, e.g. `jobs_index`): a JSON body
    /// and no `Retry-After`.
    Application,
}

/// A fault, the requests it applies to, and how often.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub fault: Fault,
    /// Only requests of this operation (an `operationId` of the document).
    pub operation: Option<String>,
    /// Only requests whose path matches (default: every path under `/api/v4`).
    pub path: Option<PathGlob>,
    /// Only requests with this method.
    pub method: Option<Method>,
    /// The probability that a matching request gets the fault (0 < rate ≤ 1).
    pub rate: f64,
    /// At most this many faults (then the rule is spent).
    pub count: Option<u64>,
}

// `rate` is never NaN (parsing and `FaultRule::rate` refuse it), so equality is reflexive.
impl Eq for FaultRule {}

/// How to write a rule; part of every parse error and of `serve --help`.
pub const SYNTAX: &str = "\
FAULT[,KEY=VALUE...] where FAULT is one of
  status=429           GitLab's rate limit (Rack::Attack: `Retry later`, Retry-After, RateLimit-*)
  status=500           {\"message\":\"500 Internal Server Error\"}
  status=502           Workhorse's `GitLab is not responding`
  latency=DURATION     serve the request late (`250ms`, `2s`)
  drop                 close the connection without an answer
and the keys are
  operation=ID         only this operation (an operationId of openapi/gitlab-jobs.yaml, e.g. get_job)
  path=GLOB            only paths matching GLOB (`*` one segment, `**` any number), e.g. /api/v4/projects/*/jobs
  method=METHOD        only this method (GET, POST, DELETE, ...)
  rate=P               the share of matching requests that get the fault, 0 < P <= 1 (default 1)
  count=N              at most N faults, then the rule is spent
  retry_after=SECONDS  status=429 only: the Retry-After value (default 1)
  limiter=NAME         status=429 only: rack_attack (default) or application (GitLab's
                       ApplicationRateLimiter: a JSON body, no Retry-After)
Without operation, path or method the rule applies to every request under /api/v4.
Example: --fault 'status=429,path=/api/v4/projects/*/jobs,rate=0.2' --fault 'drop,operation=retry_job,count=1'";

/// A `--fault` that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultSpecError {
    pub spec: String,
    pub problem: String,
}

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid fault `{}`: {}\nwrite a fault as {SYNTAX}",
            self.spec, self.problem
        )
    }
}

impl std::error::Error for FaultSpecError {}

impl FaultRule {
    /// `fault` on every request under `/api/v4`, every time.
    pub fn new(fault: Fault) -> FaultRule {
        FaultRule {
            fault,
            operation: None,
            path: None,
            method: None,
            rate: 1.0,
            count: None,
        }
    }

    /// Only requests of `operation_id` (checked against the document when the rules are armed).
    pub fn operation(mut self, operation_id: &str) -> FaultRule {
        self.operation = Some(operation_id.to_owned());
        self
    }

    /// Only requests whose path matches `glob`.
    pub fn path(mut self, glob: &str) -> Result<FaultRule, FaultSpecError> {
        self.path = Some(PathGlob::parse(glob).map_err(|problem| FaultSpecError {
            spec: format!("path={glob}"),
            problem,
        })?);
        Ok(self)
    }

    /// Only requests with `method`.
    pub fn method(mut self, method: Method) -> FaultRule {
        self.method = Some(method);
        self
    }

    /// The share of matching requests that get the fault.
    pub fn rate(mut self, rate: f64) -> Result<FaultRule, FaultSpecError> {
        self.rate = check_rate(rate).map_err(|problem| FaultSpecError {
            spec: format!("rate={rate}"),
            problem,
        })?;
        Ok(self)
    }

    /// At most `count` faults.
    pub fn count(mut self, count: u64) -> FaultRule {
        self.count = Some(count);
        self
    }
}

impl FromStr for FaultRule {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<FaultRule, FaultSpecError> {
        let error = |problem: String| FaultSpecError {
            spec: spec.to_owned(),
            problem,
        };
        let mut kind: Option<(&str, &str)> = None;
        let mut rule = FaultRule::new(Fault::Drop);
        let mut retry_after: Option<u32> = None;
        let mut limiter: Option<&str> = None;
        let mut seen: Vec<&str> = Vec::new();
        for part in spec.split(',').map(str::trim) {
            if part.is_empty() {
                return Err(error(
                    "an empty item (two commas, or a comma at an end)".into(),
                ));
            }
            let (key, value) = match part.split_once('=') {
                Some((key, value)) => (key.trim(), value.trim()),
                None => (part, ""),
            };
            if seen.contains(&key) {
                return Err(error(format!("`{key}` is given twice")));
            }
            seen.push(key);
            match key {
                "status" | "latency" | "drop" => {
                    if let Some((first, _)) = kind {
                        return Err(error(format!(
                            "one fault per rule: `{first}` and `{key}` are both given (use two --fault)"
                        )));
                    }
                    if key == "drop" && !value.is_empty() {
                        return Err(error(format!("`drop` takes no value (got `{part}`)")));
                    }
                    if key != "drop" && value.is_empty() {
                        return Err(error(format!(
                            "`{key}` needs a value, e.g. `{key}={}`",
                            if key == "status" { "429" } else { "250ms" }
                        )));
                    }
                    kind = Some((key, value));
                }
                "operation" => {
                    if value.is_empty() {
                        return Err(error(
                            "`operation` needs an operationId, e.g. `operation=get_job`".into(),
                        ));
                    }
                    rule.operation = Some(value.to_owned());
                }
                "path" => rule.path = Some(PathGlob::parse(value).map_err(error)?),
                "method" => {
                    let upper = value.to_ascii_uppercase();
                    rule.method = Some(
                        Method::from_bytes(upper.as_bytes())
                            .ok()
                            .filter(|_| !upper.is_empty())
                            .ok_or_else(|| error(format!("`{value}` is not an HTTP method")))?,
                    );
                }
                "rate" => {
                    let rate = value.parse::<f64>().map_err(|_| {
                        error(format!(
                            "rate `{value}` is not a number (write e.g. `rate=0.2`)"
                        ))
                    })?;
                    rule.rate = check_rate(rate).map_err(error)?;
                }
                "count" => {
                    rule.count = Some(value.parse::<u64>().map_err(|_| {
                        error(format!(
                            "count `{value}` is not a whole number (write e.g. `count=3`)"
                        ))
                    })?);
                }
                "retry_after" => {
                    retry_after = Some(value.parse::<u32>().map_err(|_| {
                        error(format!(
                            "retry_after `{value}` is not a whole number of seconds (write e.g. `retry_after=2`)"
                        ))
                    })?);
                }
                "limiter" => limiter = Some(value),
                other => {
                    return Err(error(format!(
                        "unknown key `{other}` (the keys are status, latency, drop, operation, path, method, rate, count, retry_after, limiter)"
                    )));
                }
            }
        }
        let Some((kind, value)) = kind else {
            return Err(error(
                "no fault: give one of `status=429|500|502`, `latency=DURATION` or `drop`".into(),
            ));
        };
        if (kind != "status" || value != "429") && (retry_after.is_some() || limiter.is_some()) {
            return Err(error(
                "`retry_after` and `limiter` go with `status=429` only".into(),
            ));
        }
        rule.fault = match (kind, value) {
            ("drop", _) => Fault::Drop,
            ("latency", value) => Fault::Latency(parse_duration(value).map_err(error)?),
            ("status", "500") => Fault::InternalServerError,
            ("status", "502") => Fault::BadGateway,
            ("status", "429") => Fault::TooManyRequests(match limiter.unwrap_or("rack_attack") {
                "rack_attack" => Limiter::RackAttack {
                    retry_after: retry_after.unwrap_or(1),
                },
                "application" if retry_after.is_some() => {
                    return Err(error(
                        "GitLab's application rate limiter sends no Retry-After: drop `retry_after` or use `limiter=rack_attack`".into(),
                    ));
                }
                "application" => Limiter::Application,
                other => {
                    return Err(error(format!(
                        "unknown limiter `{other}` (rack_attack or application)"
                    )));
                }
            }),
            (_, other) => {
                return Err(error(format!(
                    "status `{other}` is not one the server injects (429, 500 or 502)"
                )));
            }
        };
        Ok(rule)
    }
}

fn check_rate(rate: f64) -> Result<f64, String> {
    if rate > 0.0 && rate <= 1.0 {
        Ok(rate)
    } else {
        Err(format!(
            "rate {rate} is out of range: a share of the matching requests, 0 < rate <= 1"
        ))
    }
}

/// `250ms`, `2s`, `1.5s`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("latency `{text}` is not a duration (write e.g. `250ms` or `2s`)");
    let (number, scale) = if let Some(number) = text.strip_suffix("ms") {
        (number, 0.001)
    } else if let Some(number) = text.strip_suffix('s') {
        (number, 1.0)
    } else {
        return Err(invalid());
    };
    let seconds = number.trim().parse::<f64>().map_err(|_| invalid())? * scale;
    if !(0.0..=3600.0).contains(&seconds) {
        return Err(format!("latency `{text}` is out of range (0 to 3600 s)"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> Result<FaultRule, String> {
        spec.parse::<FaultRule>().map_err(|error| error.problem)
    }

    #[test]
    fn parses_every_fault_kind() {
        let rule = parse("status=429,path=/api/v4/projects/*/jobs,rate=0.2").expect("429");
        assert_eq!(
            rule.fault,
            Fault::TooManyRequests(Limiter::RackAttack { retry_after: 1 })
        );
        assert_eq!(rule.rate, 0.2);
        assert!(rule.path.is_some());
        let rule = parse("status=429,limiter=application,operation=list_project_jobs,count=2")
            .expect("application 429");
        assert_eq!(rule.fault, Fault::TooManyRequests(Limiter::Application));
        assert_eq!(
            (rule.operation.as_deref(), rule.count),
            (Some("list_project_jobs"), Some(2))
        );
        assert_eq!(
            parse("status=500").expect("500").fault,
            Fault::InternalServerError
        );
        assert_eq!(
            parse(" status=502 , method=post").expect("502").method,
            Some(Method::POST)
        );
        assert_eq!(
            parse("latency=250ms").expect("latency").fault,
            Fault::Latency(Duration::from_millis(250))
        );
        assert_eq!(
            parse("latency=1.5s").expect("s").fault,
            Fault::Latency(Duration::from_millis(1500))
        );
        assert_eq!(parse("drop,count=1").expect("drop").fault, Fault::Drop);
        assert_eq!(
            parse("status=429,retry_after=30")
                .expect("retry_after")
                .fault,
            Fault::TooManyRequests(Limiter::RackAttack { retry_after: 30 })
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let cases = [
            ("", "empty item"),
            ("rate=0.5", "no fault"),
            ("status=404", "status `404`"),
            ("status=429,drop", "one fault per rule"),
            ("status=500,rate=0", "out of range"),
            ("status=500,rate=2", "out of range"),
            ("status=500,rate=lots", "not a number"),
            ("status=500,count=-1", "not a whole number"),
            ("latency=soon", "not a duration"),
            ("drop=yes", "takes no value"),
            ("status=500,retry_after=2", "status=429"),
            (
                "status=429,limiter=application,retry_after=2",
                "no Retry-After",
            ),
            ("status=429,limiter=nginx", "unknown limiter"),
            ("status=500,colour=red", "unknown key `colour`"),
            ("status=500,path=api/v4", "must start with `/`"),
            ("status=500,status=502", "given twice"),
            ("status=500,method=G T", "not an HTTP method"),
        ];
        for (spec, expected) in cases {
            let problem = parse(spec).expect_err(spec);
            assert!(problem.contains(expected), "{spec}: {problem}");
        }
        let shown = "status=404"
            .parse::<FaultRule>()
            .expect_err("404")
            .to_string();
        assert!(shown.starts_with("invalid fault `status=404`"), "{shown}");
        assert!(
            shown.contains("Example: --fault"),
            "the message says how to write it"
        );
    }
}
