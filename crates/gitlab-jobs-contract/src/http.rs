//! Raw GETs against a GitLab API: bytes, status and headers as they came.
//!
//! reqwest directly rather than the generated client: a response that drifts from the
//! document is exactly what the typed client would refuse to decode, and both the checker and
//! the recorder have to see it whole (the recorder keeps keys the document does not know).

use std::time::Duration;

use anyhow::{Context, Result, bail};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderValue, LOCATION};
use reqwest::redirect::Policy;

use crate::conformance::Observed;

/// Characters kept as they are in a path segment (RFC 3986 unreserved); GitLab wants
/// `group/project` as `group%2Fproject`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Every request gets at most this long (artifacts archives can be large).
const TIMEOUT: Duration = Duration::from_secs(300);

/// One credential, sent the way GitLab documents it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// A personal, project or group access token (`PRIVATE-TOKEN`).
    PrivateToken(String),
    /// A CI job token (`JOB-TOKEN`), e.g. `$CI_JOB_TOKEN`.
    JobToken(String),
    /// An OAuth 2 access token (`Authorization: Bearer`).
    OAuthToken(String),
    /// No credential: what a public project shows anyone.
    Anonymous,
}

impl Credential {
    fn headers(&self) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        let (name, value) = match self {
            Credential::PrivateToken(token) => ("private-token", token.clone()),
            Credential::JobToken(token) => ("job-token", token.clone()),
            Credential::OAuthToken(token) => ("authorization", format!("Bearer {token}")),
            Credential::Anonymous => return Ok(headers),
        };
        let mut value = HeaderValue::from_str(&value)
            .context("the token holds characters an HTTP header cannot carry")?;
        value.set_sensitive(true);
        headers.insert(name, value);
        Ok(headers)
    }

    /// `PRIVATE-TOKEN`, `JOB-TOKEN`, `OAuth` or `anonymous`, for reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::PrivateToken(_) => "PRIVATE-TOKEN",
            Credential::JobToken(_) => "JOB-TOKEN",
            Credential::OAuthToken(_) => "OAuth",
            Credential::Anonymous => "anonymous",
        }
    }
}

/// `group/project` → `group%2Fproject` (an id stays as it is).
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// A client for one API (`https://gitlab.example.com/api/v4`) and one credential.
#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    /// Fetches what a redirect points to, without the credential (a pre-signed object
    /// storage URL must not receive the GitLab token).
    bare: reqwest::Client,
    base: String,
}

impl Api {
    /// A client for `api_url` (no trailing slash needed) sending `credential`.
    pub fn new(api_url: &str, credential: &Credential) -> Result<Api> {
        let base = api_url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("{api_url:?} is not an http:// or https:// URL");
        }
        let user_agent = concat!("gitlab-jobs-contract/", env!("CARGO_PKG_VERSION"));
        let client = reqwest::Client::builder()
            .default_headers(credential.headers()?)
            // Redirects are answers to check (302 to object storage), not to follow blindly.
            .redirect(Policy::none())
            .timeout(TIMEOUT)
            .user_agent(user_agent)
            .build()
            .context("building the HTTP client")?;
        let bare = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .user_agent(user_agent)
            .build()
            .context("building the HTTP client")?;
        Ok(Api { client, bare, base })
    }

    /// The API's base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET {base}{path_and_query}`: the response whole, redirects not followed.
    pub async fn get(&self, path_and_query: &str) -> Result<Observed> {
        let url = format!("{}{path_and_query}", self.base);
        observe(self.client.get(&url).send().await, &url).await
    }

    /// The bytes behind a redirect's `Location` (fetched without the credential).
    pub async fn follow(&self, redirect: &Observed) -> Result<Observed> {
        let location = redirect
            .header(LOCATION.as_str())
            .context("a redirect without a Location header")?;
        observe(self.bare.get(location).send().await, location).await
    }
}

async fn observe(sent: reqwest::Result<reqwest::Response>, url: &str) -> Result<Observed> {
    let response = sent.with_context(|| format!("GET {url}"))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response
        .bytes()
        .await
        .with_context(|| format!("reading the body of GET {url}"))?
        .to_vec();
    Ok(Observed {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_paths_are_one_segment() {
        assert_eq!(encode_segment("acme/back-end.rs"), "acme%2Fback-end.rs");
        assert_eq!(encode_segment("42"), "42");
        assert_eq!(encode_segment("src/a b.txt"), "src%2Fa%20b.txt");
    }

    #[test]
    fn tokens_go_in_gitlabs_headers() {
        let headers = Credential::OAuthToken("t".into()).headers().expect("valid");
        assert_eq!(headers["authorization"], "Bearer t");
        let headers = Credential::JobToken("j".into()).headers().expect("valid");
        assert_eq!(headers["job-token"], "j");
        assert!(Credential::Anonymous.headers().expect("valid").is_empty());
        assert!(Credential::PrivateToken("a\nb".into()).headers().is_err());
    }
}
