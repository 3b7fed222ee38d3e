//! Checking one real HTTP response against the document: its status is documented for the
//! operation, its content type is the documented one, documented headers are present and
//! well-formed, and its body validates against the documented schema (objects closed).
//!
//! Every problem is a [`Finding`]: what broke, where (a JSON pointer into the body, or the
//! header's name), and whether it is drift ([`Severity::Error`]) or a key the document does
//! not declare ([`Severity::Warning`]: GitLab adds fields in new versions, and a client that
//! ignores unknown keys keeps working).

use std::fmt;

use anyhow::{Result, anyhow};
use serde::Serialize;
use serde_json::Value;

use crate::pointer;
use crate::spec::Spec;
use crate::validate::{Validators, Violation};

/// One response as it came off the wire.
#[derive(Debug, Clone)]
pub struct Observed {
    pub status: u16,
    /// Header names in any case, values as text.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Observed {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Whether a finding breaks the contract or only goes beyond it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A key the document does not declare.
    Warning,
    /// Drift: a client built from the document may break on this response.
    Error,
}

/// What kind of problem a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// The status is not among the operation's documented responses.
    UndocumentedStatus,
    /// A header the document marks `required` is absent.
    MissingHeader,
    /// A documented header whose value is not of its documented type.
    MalformedHeader,
    /// The `Content-Type` is not one the response documents.
    UndocumentedContentType,
    /// A body where the document declares none.
    UnexpectedBody,
    /// A JSON content type whose body does not parse.
    NotJson,
    /// A `text/*` body that is not UTF-8.
    NotUtf8,
    /// An object lacks a key its schema requires.
    MissingKey,
    /// A value of the wrong JSON type (including `null` where the schema is not nullable).
    WrongType,
    /// A string outside the schema's `enum`.
    UnknownEnumValue,
    /// A value breaking its `format` (e.g. a `date-time` that is not RFC 3339).
    WrongFormat,
    /// A key the schema does not declare (a warning).
    UndeclaredKey,
    /// Any other schema keyword (`minimum`, `pattern`, `oneOf` with several matches...).
    SchemaViolation,
}

impl FindingKind {
    /// A short name for reports (`missing_key`, ...).
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::UndocumentedStatus => "undocumented_status",
            FindingKind::MissingHeader => "missing_header",
            FindingKind::MalformedHeader => "malformed_header",
            FindingKind::UndocumentedContentType => "undocumented_content_type",
            FindingKind::UnexpectedBody => "unexpected_body",
            FindingKind::NotJson => "not_json",
            FindingKind::NotUtf8 => "not_utf8",
            FindingKind::MissingKey => "missing_key",
            FindingKind::WrongType => "wrong_type",
            FindingKind::UnknownEnumValue => "unknown_enum_value",
            FindingKind::WrongFormat => "wrong_format",
            FindingKind::UndeclaredKey => "undeclared_key",
            FindingKind::SchemaViolation => "schema_violation",
        }
    }
}

/// One way a response breaks (or goes beyond) the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub kind: FindingKind,
    /// JSON pointer into the body (`/0/runner/id`); for a header, `header:NAME`; empty for
    /// the response as a whole.
    pub pointer: String,
    /// What happened and what the document says, in words.
    pub message: String,
}

impl Finding {
    fn error(kind: FindingKind, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            kind,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The findings that explain schema violations of a body (one per missing or undeclared
    /// key, so that each gets its own pointer).
    pub fn from_violations(violations: &[Violation]) -> Vec<Finding> {
        let mut findings = Vec::new();
        for violation in Violation::leaves(violations) {
            let at = violation.instance_pointer.as_str();
            match violation.keyword.as_str() {
                "required" => findings.extend(violation.keys.iter().map(|key| {
                    Finding::error(
                        FindingKind::MissingKey,
                        pointer::join(at, key),
                        format!("required key `{key}` is missing"),
                    )
                })),
                "additionalProperties" => {
                    findings.extend(violation.keys.iter().map(|key| Finding {
                        severity: Severity::Warning,
                        kind: FindingKind::UndeclaredKey,
                        pointer: pointer::join(at, key),
                        message: format!("key `{key}` is not declared by the document"),
                    }))
                }
                keyword => {
                    let kind = match keyword {
                        "type" => FindingKind::WrongType,
                        "enum" => FindingKind::UnknownEnumValue,
                        "format" => FindingKind::WrongFormat,
                        _ => FindingKind::SchemaViolation,
                    };
                    findings.push(Finding::error(kind, at, violation.message.clone()));
                }
            }
        }
        findings
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.pointer.is_empty() {
            write!(f, "{severity} [{}]: {}", self.kind.name(), self.message)
        } else {
            write!(
                f,
                "{severity} [{}] at `{}`: {}",
                self.kind.name(),
                self.pointer,
                self.message
            )
        }
    }
}

/// Every way `observed` breaks the document's description of `operation_id`; empty when it
/// conforms. `Err` only when the document itself cannot be read or compiled.
pub fn check(
    validators: &Validators<'_>,
    operation_id: &str,
    observed: &Observed,
) -> Result<Vec<Finding>> {
    let spec: &Spec = validators.spec();
    let operation = spec.operation(operation_id)?;
    let responses = operation.responses(spec)?;
    let status = observed.status.to_string();
    let Some(response) = responses
        .iter()
        .find(|r| r.status == status)
        .or_else(|| responses.iter().find(|r| r.status == "default"))
    else {
        return Ok(vec![Finding::error(
            FindingKind::UndocumentedStatus,
            "",
            format!(
                "status {status} is not documented (documented: {})",
                responses
                    .iter()
                    .map(|r| r.status)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )]);
    };

    let mut findings = check_headers(spec, response.value, &response.pointer, observed)?;
    findings.extend(check_body(
        validators,
        response.value,
        &response.pointer,
        observed,
    )?);
    Ok(findings)
}

fn check_headers(
    spec: &Spec,
    response: &Value,
    at: &str,
    observed: &Observed,
) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let Some(headers) = response.get("headers").and_then(Value::as_object) else {
        return Ok(findings);
    };
    for name in headers.keys() {
        let header_at = pointer::join(&pointer::join(at, "headers"), name);
        let (_, header) = spec.resolve(&header_at)?;
        let required = header.get("required").and_then(Value::as_bool) == Some(true);
        let Some(value) = observed.header(name) else {
            if required {
                findings.push(Finding::error(
                    FindingKind::MissingHeader,
                    format!("header:{name}"),
                    format!("required header {name} is missing"),
                ));
            }
            continue;
        };
        let kind = header
            .pointer("/schema/type")
            .and_then(Value::as_str)
            .unwrap_or("string");
        let well_formed = match kind {
            "integer" => value.trim().parse::<i64>().is_ok(),
            "number" => value.trim().parse::<f64>().is_ok(),
            "boolean" => matches!(value.trim(), "true" | "false"),
            _ => true,
        };
        if !well_formed {
            findings.push(Finding::error(
                FindingKind::MalformedHeader,
                format!("header:{name}"),
                format!("header {name}: {value:?} is not a {kind}"),
            ));
        }
    }
    Ok(findings)
}

fn check_body(
    validators: &Validators<'_>,
    response: &Value,
    at: &str,
    observed: &Observed,
) -> Result<Vec<Finding>> {
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        if observed.body.is_empty() {
            return Ok(Vec::new());
        }
        return Ok(vec![Finding::error(
            FindingKind::UnexpectedBody,
            "",
            format!(
                "the document declares no body, but {} bytes came",
                observed.body.len()
            ),
        )]);
    };
    let content_type = observed.header("content-type").unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if !content.contains_key(&media) {
        return Ok(vec![Finding::error(
            FindingKind::UndocumentedContentType,
            "header:content-type",
            format!(
                "content type {content_type:?} is not documented ({})",
                content.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )]);
    }
    if media == "application/json" {
        let schema_at = pointer::join(
            &pointer::join(&pointer::join(at, "content"), &media),
            "schema",
        );
        let value: Value = match serde_json::from_slice(&observed.body) {
            Ok(value) => value,
            Err(error) => {
                return Ok(vec![Finding::error(
                    FindingKind::NotJson,
                    "",
                    format!("the body is not JSON: {error}"),
                )]);
            }
        };
        return match validators
            .validate(&schema_at, &value)
            .map_err(|error| anyhow!("{error:#}"))?
        {
            Ok(()) => Ok(Vec::new()),
            Err(violations) => Ok(Finding::from_violations(&violations)),
        };
    }
    if media.starts_with("text/") && std::str::from_utf8(&observed.body).is_err() {
        return Ok(vec![Finding::error(
            FindingKind::NotUtf8,
            "",
            "a text body that is not UTF-8",
        )]);
    }
    Ok(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Spec {
        Spec::from_value(json!({
            "paths": {"/jobs/{id}": {"get": {"operationId": "getJob", "responses": {
                "200": {
                    "description": "ok",
                    "headers": {"X-Page": {"required": true, "schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}
                },
                "204": {"description": "nothing"}
            }}}},
            "components": {"schemas": {"Job": {"type": "object", "required": ["id", "status"], "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string", "enum": ["success", "failed"]},
                "runner": {"type": "object", "nullable": true, "properties": {"id": {"type": "integer"}}}
            }}}}
        }))
    }

    fn observed(status: u16, headers: &[(&str, &str)], body: &str) -> Observed {
        Observed {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    fn summary(findings: &[Finding]) -> Vec<(Severity, &'static str, &str)> {
        findings
            .iter()
            .map(|f| (f.severity, f.kind.name(), f.pointer.as_str()))
            .collect()
    }

    #[test]
    fn a_conforming_response_has_no_findings() {
        let spec = spec();
        let validators = Validators::new(&spec).expect("converts");
        let ok = observed(
            200,
            &[("content-type", "application/json"), ("x-page", "1")],
            r#"{"id": 1, "status": "failed", "runner": null}"#,
        );
        assert_eq!(check(&validators, "getJob", &ok).expect("checks"), vec![]);
    }

    #[test]
    fn reports_each_kind_of_drift_at_its_pointer() {
        let spec = spec();
        let validators = Validators::new(&spec).expect("converts");
        let drifted = observed(
            200,
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("X-Page", "one"),
            ],
            r#"{"status": "exploded", "runner": {"id": "7"}, "colour": "red"}"#,
        );
        let findings = check(&validators, "getJob", &drifted).expect("checks");
        let mut got = summary(&findings);
        got.sort();
        assert_eq!(
            got,
            vec![
                (Severity::Warning, "undeclared_key", "/colour"),
                (Severity::Error, "malformed_header", "header:X-Page"),
                (Severity::Error, "missing_key", "/id"),
                (Severity::Error, "unknown_enum_value", "/status"),
                (Severity::Error, "wrong_type", "/runner/id"),
            ]
        );
    }

    #[test]
    fn status_content_type_and_body_presence() {
        let spec = spec();
        let validators = Validators::new(&spec).expect("converts");
        let teapot = observed(418, &[], "");
        assert_eq!(
            summary(&check(&validators, "getJob", &teapot).expect("checks")),
            vec![(Severity::Error, "undocumented_status", "")]
        );
        let html = observed(
            200,
            &[("content-type", "text/html"), ("x-page", "1")],
            "<p>",
        );
        assert_eq!(
            summary(&check(&validators, "getJob", &html).expect("checks")),
            vec![(
                Severity::Error,
                "undocumented_content_type",
                "header:content-type"
            )]
        );
        let body = observed(204, &[], "{}");
        assert_eq!(
            summary(&check(&validators, "getJob", &body).expect("checks")),
            vec![(Severity::Error, "unexpected_body", "")]
        );
        let missing = observed(200, &[("content-type", "application/json")], "{}");
        let findings = check(&validators, "getJob", &missing).expect("checks");
        assert_eq!(findings[0].kind, FindingKind::MissingHeader);
    }
}
