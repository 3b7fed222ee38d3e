//! Reading one request: path and query parameters, the body and the credentials, with
//! the validation errors Grape would answer (`lib/api/api.rb` renders them as
//! `{"error": "<param> is invalid, <param> is missing"}` with status 400).

use std::str::FromStr;

use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::response::Response;
use http::HeaderMap;
use serde::de::DeserializeOwned;

use super::{rack, respond};
use crate::context::{RequestContext, parse_query};
use crate::{Credentials, Security};

/// The largest request body read; larger bodies answer 413 (GitLab's nginx default for API
/// requests is far smaller, but artifacts are not uploaded through these routes).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Path parameters that the matched route spells out literally (see [`with_path_params`]).
#[derive(Debug, Clone, Copy)]
struct FixedPathParams(&'static [(&'static str, &'static str)]);

/// Hands `params` to the handler as if the route had captured them. The generated router
/// calls it where a static route also serves another route's method: axum matches the path
/// before the method, so `GET …/artifacts/keep` lands on the route of `POST …/artifacts/keep`,
/// while Grape matches per method and serves the archive file `keep` (`*artifact_path`).
pub fn with_path_params(
    mut request: Request,
    params: &'static [(&'static str, &'static str)],
) -> Request {
    request.extensions_mut().insert(FixedPathParams(params));
    request
}

/// Parsing of one textual parameter value (path segment or query value).
pub trait FromText: Sized {
    fn from_text(text: &str) -> Option<Self>;

    /// The coerced value as Ruby's `to_param` writes it into a query string.
    fn to_param(&self) -> String;
}

impl FromText for String {
    fn from_text(text: &str) -> Option<Self> {
        Some(text.to_string())
    }

    fn to_param(&self) -> String {
        self.clone()
    }
}

impl FromText for i64 {
    fn from_text(text: &str) -> Option<Self> {
        // Grape's Integer coercion takes an optional sign and digits only, of any size; Rails'
        // `find` then answers 404 for ids out of the column's range. Saturating keeps that
        // outcome: no record has id i64::MAX or i64::MIN.
        let text = text.trim();
        match text.parse() {
            Ok(value) => Some(value),
            Err(_) => {
                let (negative, digits) = match text.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, text.strip_prefix('+').unwrap_or(text)),
                };
                let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
                all_digits.then_some(if negative { i64::MIN } else { i64::MAX })
            }
        }
    }

    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl FromText for f64 {
    fn from_text(text: &str) -> Option<Self> {
        text.trim()
            .parse()
            .ok()
            .filter(|value: &f64| value.is_finite())
    }

    /// Ruby's `Float#to_s` keeps `.0` on whole numbers.
    fn to_param(&self) -> String {
        if self.fract() == 0.0 && self.abs() < 1e16 {
            format!("{self:.1}")
        } else {
            self.to_string()
        }
    }
}

impl FromText for bool {
    fn from_text(text: &str) -> Option<Self> {
        // Grape::API::Boolean accepts these spellings (dry-types `params.bool`).
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "1" | "yes" | "y" | "on" => Some(true),
            "false" | "f" | "0" | "no" | "n" | "off" => Some(false),
            _ => None,
        }
    }

    fn to_param(&self) -> String {
        self.to_string()
    }
}

impl FromText for chrono::DateTime<chrono::Utc> {
    fn from_text(text: &str) -> Option<Self> {
        chrono::DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|time| time.with_timezone(&chrono::Utc))
    }

    /// Ruby's `DateTime#to_s`: `2024-01-01T00:00:00+00:00`.
    fn to_param(&self) -> String {
        self.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }
}

/// One request being read by a generated handler. Reading methods record what is wrong and
/// return `None`; the handler then answers [`Input::reject`] with every problem at once.
pub struct Input {
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: bytes::Bytes,
    credentials: Credentials,
    context: RequestContext,
    errors: Vec<String>,
}

impl Input {
    /// Takes the request apart; answers 401 when the operation needs credentials and none
    /// of an accepted form are present (GitLab authenticates before it validates).
    pub async fn read(request: Request, security: &Security) -> Result<Input, Response> {
        let (mut parts, body) = request.into_parts();
        let mut path: Vec<(String, String)> =
            match RawPathParams::from_request_parts(&mut parts, &()).await {
                Ok(params) => params
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect(),
                Err(_) => return Err(respond::not_found_route()),
            };
        if let Some(FixedPathParams(fixed)) = parts.extensions.get::<FixedPathParams>() {
            path.extend(
                fixed
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string())),
            );
        }
        let query = parse_query(parts.uri.query());
        let credentials = security.find(&parts.headers, &query);
        if credentials == Credentials::Anonymous && !security.anonymous {
            return Err(respond::json(
                401,
                &respond::message_body("401 Unauthorized"),
            ));
        }
        let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return Err(respond::json(
                    413,
                    &respond::message_body("413 Request Entity Too Large"),
                ));
            }
        };
        // Grape parses a JSON body before any endpoint runs, declared parameters or not, so a
        // malformed one is refused even where the operation reads no body.
        let mut errors = Vec::new();
        if is_json(&parts.headers) && !is_blank(&body) && !parses_as_json(&body) {
            errors.push(INVALID_BODY.to_string());
        }
        Ok(Input {
            path,
            query,
            body,
            credentials,
            context: RequestContext::new(
                parts.method,
                parts
                    .extensions
                    .get::<respond::FullUri>()
                    .map_or(parts.uri, |full| full.0.clone()),
                parts.headers,
            ),
            errors,
        })
    }

    /// A path parameter; the router guarantees it is there, so only its form can be wrong.
    pub fn path<T: FromText>(&mut self, name: &str) -> Option<T> {
        let raw = self
            .path
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str());
        let parsed = raw.and_then(T::from_text);
        match (&parsed, raw) {
            (Some(_), Some(raw)) => self.context.params.set(name, raw.to_string()),
            _ => self.errors.push(format!("{name} is invalid")),
        }
        parsed
    }

    /// An optional scalar query parameter (the last one wins, as in Rack).
    pub fn query<T: FromText>(&mut self, name: &str) -> Option<T> {
        let raw = self.last(name)?;
        let parsed = T::from_text(&raw);
        if parsed.is_none() {
            self.errors.push(format!("{name} is invalid"));
            return None;
        }
        // GitLab's shared pagination params declare `per_page` with `except_values: [0]`,
        // checked after coercion, so `00` and `-0` are zero too.
        if name == "per_page" && i64::from_text(&raw) == Some(0) {
            self.errors.push(format!("{name} has a value not allowed"));
            return None;
        }
        if let Some(value) = &parsed {
            self.context.params.set(name, value.to_param());
        }
        parsed
    }

    /// The declared default of a query parameter, which Grape puts into `params` when the
    /// parameter was not sent (pagination links repeat it).
    pub fn default_param(&mut self, name: &str, value: &str) {
        self.context.params.set_default(name, value);
    }

    /// An optional request header (the last one sent); a value that does not parse is
    /// recorded like a query parameter's.
    pub fn header<T: FromText>(&mut self, name: &str) -> Option<T> {
        let raw = self.context.headers.get_all(name).iter().next_back()?;
        let parsed = raw.to_str().ok().and_then(T::from_text);
        if parsed.is_none() {
            self.errors.push(format!("{name} is invalid"));
        }
        parsed
    }

    /// The request body as sent, for operations whose body is data and not parameters.
    pub fn raw_body(&self) -> bytes::Bytes {
        self.body.clone()
    }

    /// An optional query parameter restricted to the values of an enum. The generated enums'
    /// `FromStr` accepts only the values the document lists, even where their `Deserialize`
    /// keeps unknown values of a response.
    pub fn query_enum<T: FromStr>(&mut self, name: &str) -> Option<T> {
        let raw = self.last(name)?;
        let parsed = raw.parse::<T>().ok();
        if parsed.is_none() {
            self.errors
                .push(format!("{name} does not have a valid value"));
        }
        parsed
    }

    /// An array query parameter: `name[]=a&name[]=b`, `name[0]=a`, or a single `name=a`
    /// (Grape coerces a string to a one-element array). Empty when absent. Items are read with
    /// `FromStr`, strict as [`Input::query_enum`] (every array parameter of the document is
    /// an array of an enum).
    pub fn query_array<T: FromStr>(&mut self, name: &str) -> Vec<T> {
        let bracketed = format!("{name}[");
        let raw: Vec<String> = self
            .query
            .iter()
            .filter(|(key, _)| key == name || (key.starts_with(&bracketed) && key.ends_with(']')))
            .map(|(_, value)| value.clone())
            .collect();
        let parsed: Option<Vec<T>> = raw.iter().map(|value| value.parse().ok()).collect();
        if parsed.is_some() && !raw.is_empty() {
            // `coerce_with` makes a single `name=a` an array: it is `name[]=a` in `params`.
            self.context.params.set_many(name, raw);
        }
        match parsed {
            Some(values) => values,
            None => {
                self.errors
                    .push(format!("{name} does not have a valid value"));
                Vec::new()
            }
        }
    }

    /// Marks a query parameter as required: `<name> is missing` when it was not sent.
    pub fn require<T>(&mut self, name: &str, value: Option<T>) -> Option<T> {
        if value.is_none() && self.last(name).is_none() {
            self.errors.push(format!("{name} is missing"));
        }
        value
    }

    /// The parameters an operation declares in its request body (`declared`: the body schema's
    /// top-level properties), wherever the client put them: `None` when there are none.
    ///
    /// Grape validates declared parameters from Rack's `params`, the query string merged with
    /// the body (`Rack::Request#params` is `GET.merge(POST)`: the body wins). Grape parses a
    /// JSON body into `POST` itself (`Grape::Middleware::Formatter#read_rack_input`, also
    /// when there is no content type), and leaves `application/x-www-form-urlencoded` to Rack
    /// (`read_body_input?`), whose nested form (`a[][key]=K`) the `rack` module reads. So
    /// `?job_variables_attributes=x` is as invalid as the same in a body.
    pub fn body<T: DeserializeOwned>(&mut self, declared: &[&str]) -> Option<T> {
        let keep = |name: &str| declared.contains(&name);
        let query = self.context.uri.query().unwrap_or_default();
        let mut params = match rack::parse_nested(query, keep) {
            Ok(params) => params,
            Err(error) => {
                self.errors.push(error.0);
                return None;
            }
        };
        // A name without `=` is nil to Rack; Grape lets an optional nil through and GitLab
        // then acts as if it were absent, so it is dropped. (JSON `null`s stay as they are.)
        params.retain(|_, value| !value.is_null());
        let body = if is_blank(&self.body) {
            None
        } else if is_form(&self.context.headers) {
            match rack::parse_nested(&String::from_utf8_lossy(&self.body), keep) {
                Ok(mut form) => {
                    form.retain(|_, value| !value.is_null());
                    Some(serde_json::Value::Object(form))
                }
                Err(error) => {
                    self.errors.push(error.0);
                    return None;
                }
            }
        } else {
            match serde_json::from_slice(&self.body) {
                Ok(value) => Some(value),
                Err(_) => {
                    if !self.errors.iter().any(|error| error == INVALID_BODY) {
                        self.errors.push(INVALID_BODY.to_string());
                    }
                    return None;
                }
            }
        };
        let value = match body {
            Some(serde_json::Value::Object(body)) => {
                params.extend(body);
                serde_json::Value::Object(params)
            }
            // A JSON body that is no object is read alone, and refused by the body's type.
            Some(other) => other,
            None if params.is_empty() => return None,
            None => serde_json::Value::Object(params),
        };
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(body) => Some(body),
            Err(error) => {
                self.errors.push(grape_body_error(&error));
                None
            }
        }
    }

    /// The same for a required body.
    pub fn required_body<T: DeserializeOwned>(&mut self, declared: &[&str]) -> Option<T> {
        let body = self.body(declared);
        if body.is_none() && self.errors.is_empty() {
            self.errors.push("body is missing".to_string());
        }
        body
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// 400 with every recorded problem, joined as Grape joins them.
    pub fn reject(&self) -> Response {
        let message = if self.errors.is_empty() {
            "400 Bad request".to_string()
        } else {
            self.errors.join(", ")
        };
        respond::json(400, &respond::error_body(&message))
    }

    pub fn into_parts(self) -> (Credentials, RequestContext) {
        (self.credentials, self.context)
    }

    fn last(&self, name: &str) -> Option<String> {
        self.query
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

/// Grape::Exceptions::InvalidMessageBody.
const INVALID_BODY: &str = "message body does not match declared format";

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|media| {
            let media = media.trim().to_ascii_lowercase();
            media == "application/json" || media.ends_with("+json")
        })
        .unwrap_or(false)
}

/// Rack parses these bodies itself; Grape's formatter leaves them alone (multipart bodies,
/// the other form type, are not supported here).
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| {
            media
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

fn parses_as_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

/// Grape names a nested parameter `outer[0][inner]`; serde's path reads `outer[0].inner`.
fn grape_body_error(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let mut name = String::new();
    for segment in error.path().iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => name.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => push_key(&mut name, key),
            serde_path_to_error::Segment::Enum { variant } => push_key(&mut name, variant),
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let inner = error.inner().to_string();
    if let Some(field) = inner
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        push_key(&mut name, field);
        return format!("{name} is missing");
    }
    if name.is_empty() {
        "message body does not match declared format".to_string()
    } else {
        format!("{name} is invalid")
    }
}

fn push_key(name: &mut String, key: &str) {
    if name.is_empty() {
        name.push_str(key);
    } else {
        name.push_str(&format!("[{key}]"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grape_spellings_of_booleans() {
        assert_eq!(bool::from_text("True"), Some(true));
        assert_eq!(bool::from_text("0"), Some(false));
        assert_eq!(bool::from_text("maybe"), None);
    }

    #[test]
    fn integers_beyond_the_range_saturate() {
        assert_eq!(i64::from_text("99999999999999999999"), Some(i64::MAX));
        assert_eq!(i64::from_text("-99999999999999999999"), Some(i64::MIN));
        assert_eq!(i64::from_text("9999999999999999999x"), None);
    }

    #[test]
    fn integers_reject_garbage() {
        assert_eq!(i64::from_text("42"), Some(42));
        assert_eq!(i64::from_text("4x"), None);
        assert_eq!(i64::from_text(""), None);
    }

    #[test]
    fn nested_body_errors_read_like_grape() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Variable {
            key: String,
            value: String,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Body {
            job_variables_attributes: Vec<Variable>,
        }
        let value = serde_json::json!({"job_variables_attributes": [{"value": "v"}]});
        let error = serde_path_to_error::deserialize::<_, Body>(value).expect_err("missing key");
        assert_eq!(
            grape_body_error(&error),
            "job_variables_attributes[0][key] is missing"
        );
    }
}
