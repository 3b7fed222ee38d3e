//! The request as an implementation sees it besides its parsed fields: method, URI, headers
//! and Grape's `params`.

use http::{HeaderMap, Method, Uri};

use crate::params::Params;

/// The request as it arrived, for implementations that need more than the parsed fields
/// (pagination links repeat Grape's `params`, as GitLab's do).
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    /// Grape's `params`: the query, then the path parameters, coerced declared parameters and
    /// declared defaults as the generated handler reads them.
    pub params: Params,
}

impl RequestContext {
    /// A request whose `params` are its query parameters (a handler adds the rest).
    pub fn new(method: Method, uri: Uri, headers: HeaderMap) -> RequestContext {
        let params = Params::from_query(&parse_query(uri.query()));
        RequestContext {
            method,
            uri,
            headers,
            params,
        }
    }

    /// `scheme://host[:port]` the client used, from `X-Forwarded-Proto` and `Host`.
    pub fn origin(&self) -> String {
        let header = |name: &str| {
            self.headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .filter(|value| !value.is_empty())
        };
        let scheme = header("x-forwarded-proto").unwrap_or("http");
        let host = header("host")
            .map(str::to_string)
            .or_else(|| self.uri.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| "localhost".to_string());
        format!("{scheme}://{host}")
    }

    /// The query parameters, decoded, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(self.uri.query())
    }
}

/// The decoded pairs of a query string, in order. serde_urlencoded is lenient: bad escapes
/// are kept as text, never an error.
pub(crate) fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .and_then(|query| serde_urlencoded::from_str(query).ok())
        .unwrap_or_default()
}
