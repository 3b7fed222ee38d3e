//! Finding the token of a request, in the forms GitLab accepts on each route.
//!
//! GitLab (`lib/gitlab/auth/auth_finders.rb`) reads a personal access token from the
//! `PRIVATE-TOKEN` header or `private_token` parameter, an OAuth or personal token from
//! `Authorization: Bearer`, and a CI job token from `JOB-TOKEN`, `job_token`, a Bearer header
//! or basic auth as `gitlab-ci-token`, the latter only on routes declared
//! `job_token_allowed`. A token in a form the route does not accept is ignored, so the
//! request counts as anonymous.

use base64::Engine as _;
use http::HeaderMap;

/// The credentials a request carried, in a form the operation accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No token (or only tokens in forms this operation ignores).
    Anonymous,
    /// A personal access token: `PRIVATE-TOKEN` header or `private_token` query parameter.
    PrivateToken(String),
    /// A CI job token: `JOB-TOKEN` header, `job_token` query parameter or basic auth as
    /// `gitlab-ci-token`.
    JobToken(String),
    /// `Authorization: Bearer`: an OAuth or personal token, or (where the operation
    /// accepts job tokens) a CI job token.
    Bearer(String),
}

impl Credentials {
    /// The token itself, whatever its form.
    pub fn token(&self) -> Option<&str> {
        match self {
            Credentials::Anonymous => None,
            Credentials::PrivateToken(token)
            | Credentials::JobToken(token)
            | Credentials::Bearer(token) => Some(token),
        }
    }
}

/// A form of credentials, as the document's security schemes name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    PrivateTokenHeader,
    PrivateTokenQuery,
    JobTokenHeader,
    JobTokenQuery,
    Bearer,
}

/// What an operation accepts: these forms, and whether anonymous requests may pass.
#[derive(Debug, Clone, Copy)]
pub struct Security {
    pub schemes: &'static [Scheme],
    pub anonymous: bool,
}

impl Security {
    fn accepts(&self, scheme: Scheme) -> bool {
        self.schemes.contains(&scheme)
    }

    /// Whether the operation takes CI job tokens (GitLab's `job_token_allowed` routes): a
    /// `Bearer` token may then be a job token too.
    pub fn accepts_job_tokens(&self) -> bool {
        self.accepts(Scheme::JobTokenHeader) || self.accepts(Scheme::JobTokenQuery)
    }

    /// The first accepted credentials, in GitLab's order of lookup: personal tokens, then
    /// Bearer, then job tokens.
    pub(crate) fn find(&self, headers: &HeaderMap, query: &[(String, String)]) -> Credentials {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_string)
        };
        let param = |name: &str| {
            query
                .iter()
                .rev()
                .find(|(key, value)| key == name && !value.is_empty())
                .map(|(_, value)| value.clone())
        };
        let authorization = header("authorization");
        let bearer = authorization.as_deref().and_then(|value| {
            let (kind, token) = value.split_once(' ')?;
            kind.eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_string())
                .filter(|token| !token.is_empty())
        });
        let basic_job_token = authorization.as_deref().and_then(basic_job_token);

        let candidates = [
            (
                Scheme::PrivateTokenHeader,
                header("private-token").map(Credentials::PrivateToken),
            ),
            (
                Scheme::PrivateTokenQuery,
                param("private_token").map(Credentials::PrivateToken),
            ),
            (Scheme::Bearer, bearer.map(Credentials::Bearer)),
            (
                Scheme::JobTokenHeader,
                header("job-token").map(Credentials::JobToken),
            ),
            (
                Scheme::JobTokenQuery,
                param("job_token").map(Credentials::JobToken),
            ),
            (
                Scheme::JobTokenHeader,
                basic_job_token.map(Credentials::JobToken),
            ),
        ];
        candidates
            .into_iter()
            .find_map(|(scheme, credentials)| credentials.filter(|_| self.accepts(scheme)))
            .unwrap_or(Credentials::Anonymous)
    }
}

/// `Authorization: Basic base64("gitlab-ci-token:<job token>")`, as runners send it.
fn basic_job_token(authorization: &str) -> Option<String> {
    let (kind, encoded) = authorization.split_once(' ')?;
    if !kind.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, token) = decoded.split_once(':')?;
    (user == "gitlab-ci-token" && !token.is_empty()).then(|| token.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: Security = Security {
        schemes: &[
            Scheme::PrivateTokenHeader,
            Scheme::PrivateTokenQuery,
            Scheme::JobTokenHeader,
            Scheme::JobTokenQuery,
            Scheme::Bearer,
        ],
        anonymous: false,
    };
    const PERSONAL: Security = Security {
        schemes: &[
            Scheme::PrivateTokenHeader,
            Scheme::PrivateTokenQuery,
            Scheme::Bearer,
        ],
        anonymous: false,
    };

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("header value"));
        }
        map
    }

    #[test]
    fn every_form_is_found_where_accepted() {
        let query = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(
            ALL.find(&headers(&[("private-token", "p")]), &[]),
            Credentials::PrivateToken("p".into())
        );
        assert_eq!(
            ALL.find(&HeaderMap::new(), &query("private_token", "q")),
            Credentials::PrivateToken("q".into())
        );
        assert_eq!(
            ALL.find(&headers(&[("job-token", "j")]), &[]),
            Credentials::JobToken("j".into())
        );
        assert_eq!(
            ALL.find(&HeaderMap::new(), &query("job_token", "k")),
            Credentials::JobToken("k".into())
        );
        assert_eq!(
            ALL.find(&headers(&[("authorization", "Bearer b")]), &[]),
            Credentials::Bearer("b".into())
        );
        // "gitlab-ci-token:secret"
        assert_eq!(
            ALL.find(
                &headers(&[("authorization", "Basic Z2l0bGFiLWNpLXRva2VuOnNlY3JldA==")]),
                &[]
            ),
            Credentials::JobToken("secret".into())
        );
    }

    #[test]
    fn job_tokens_are_ignored_where_not_accepted() {
        assert_eq!(
            PERSONAL.find(&headers(&[("job-token", "j")]), &[]),
            Credentials::Anonymous
        );
        assert_eq!(
            PERSONAL.find(&headers(&[("private-token", "  ")]), &[]),
            Credentials::Anonymous
        );
    }

    #[test]
    fn personal_tokens_come_first() {
        let found = ALL.find(&headers(&[("job-token", "j"), ("private-token", "p")]), &[]);
        assert_eq!(found, Credentials::PrivateToken("p".into()));
    }
}
