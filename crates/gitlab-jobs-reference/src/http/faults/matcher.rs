//! Which requests a rule picks: path globs, and the operation a request is (from the OpenAPI
//! document the server embeds, so that operations are named as the document names them).
//!
//! The glob is ours (a dozen lines over path segments): `globset` would bring a regex engine
//! into the server for `*` and `**`.

use axum::http::Method;
use serde::Deserialize;

use crate::http::docs::OPENAPI_YAML;

/// A path pattern: segments separated by `/`; `*` matches one segment, `**` any number of
/// them (also none), anything else itself. Paths are matched as sent (percent-encoding kept:
/// `acme%2Fbackend` is one segment), without the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathGlob {
    segments: Vec<String>,
}

impl PathGlob {
    pub fn parse(glob: &str) -> Result<PathGlob, String> {
        let Some(rest) = glob.strip_prefix('/') else {
            return Err(format!(
                "path `{glob}` must start with `/` (e.g. `/api/v4/projects/*/jobs`)"
            ));
        };
        let segments: Vec<String> = rest.split('/').map(str::to_owned).collect();
        if let Some(bad) = segments
            .iter()
            .find(|s| s.contains('*') && s.as_str() != "*" && s.as_str() != "**")
        {
            return Err(format!(
                "path segment `{bad}`: `*` and `**` stand for whole segments only"
            ));
        }
        Ok(PathGlob { segments })
    }

    /// Whether `path` (as sent, without the query) matches.
    pub fn matches(&self, path: &str) -> bool {
        let path: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let glob: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        matches_segments(&glob, &path)
    }
}

impl std::fmt::Display for PathGlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "/{}", self.segments.join("/"))
    }
}

fn matches_segments(glob: &[&str], path: &[&str]) -> bool {
    match glob.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| matches_segments(rest, &path[skip..])),
        Some((first, rest)) => match path.split_first() {
            Some((segment, path_rest)) => {
                ((*first == "*" && !segment.is_empty()) || first == segment)
                    && matches_segments(rest, path_rest)
            }
            None => false,
        },
    }
}

/// The document's operations as routes: method, path template, `operationId`.
pub struct Operations {
    base: String,
    routes: Vec<Route>,
}

struct Route {
    method: Method,
    segments: Vec<Segment>,
    operation_id: String,
}

enum Segment {
    Literal(String),
    /// `{name}`: one segment.
    Parameter,
    /// `{name}` with `x-catch-all: true`: the rest of the path.
    CatchAll,
}

#[derive(Deserialize)]
struct Document {
    servers: Vec<Server>,
    paths:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, serde_yaml::Value>>,
    components: Components,
}

#[derive(Deserialize)]
struct Server {
    url: String,
}

#[derive(Deserialize)]
struct Components {
    parameters: std::collections::BTreeMap<String, serde_yaml::Value>,
}

impl Operations {
    /// The operations of the embedded document.
    pub fn from_document() -> anyhow::Result<Operations> {
        let document: Document = serde_yaml::from_str(OPENAPI_YAML)?;
        let url = document
            .servers
            .first()
            .map(|s| s.url.as_str())
            .unwrap_or("");
        let host_and_path = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
        let base = host_and_path
            .find('/')
            .map(|slash| host_and_path[slash..].trim_end_matches('/').to_owned())
            .unwrap_or_default();
        let mut routes = Vec::new();
        for (template, methods) in &document.paths {
            for (method, operation) in methods {
                let Some(operation_id) = operation.get("operationId").and_then(|v| v.as_str())
                else {
                    continue;
                };
                let catch_all = catch_all_parameters(operation, &document.components);
                let segments = template
                    .trim_start_matches('/')
                    .split('/')
                    .map(|segment| {
                        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) if catch_all.iter().any(|c| c == name) => Segment::CatchAll,
                            Some(_) => Segment::Parameter,
                            None => Segment::Literal(segment.to_owned()),
                        }
                    })
                    .collect();
                routes.push(Route {
                    method: Method::from_bytes(method.to_ascii_uppercase().as_bytes())?,
                    segments,
                    operation_id: operation_id.to_owned(),
                });
            }
        }
        Ok(Operations { base, routes })
    }

    pub fn contains(&self, operation_id: &str) -> bool {
        self.routes.iter().any(|r| r.operation_id == operation_id)
    }

    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .routes
            .iter()
            .map(|r| r.operation_id.as_str())
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The operation `method path` is, as the server routes it: of the routes with this
    /// method that match, the one with the most literal segments (so
    /// `GET …/artifacts/keep` is `get_job_artifact_file`, `POST …/artifacts/keep` is
    /// `keep_job_artifacts`).
    pub fn find(&self, method: &Method, path: &str) -> Option<&str> {
        let rest = path.strip_prefix(self.base.as_str())?;
        let segments: Vec<&str> = rest.strip_prefix('/')?.split('/').collect();
        self.routes
            .iter()
            .filter(|route| route.method == *method)
            .filter_map(|route| route_score(&route.segments, &segments).map(|score| (score, route)))
            .max_by_key(|(score, _)| *score)
            .map(|(_, route)| route.operation_id.as_str())
    }
}

/// `Some(number of literal segments)` when the route matches.
fn route_score(route: &[Segment], path: &[&str]) -> Option<usize> {
    let mut literals = 0;
    for (index, segment) in route.iter().enumerate() {
        match segment {
            Segment::CatchAll => {
                return (path.len() > index && path[index..].iter().all(|s| !s.is_empty()))
                    .then_some(literals);
            }
            Segment::Parameter => {
                if path.get(index).is_none_or(|s| s.is_empty()) {
                    return None;
                }
            }
            Segment::Literal(literal) => {
                if path.get(index) != Some(&literal.as_str()) {
                    return None;
                }
                literals += 1;
            }
        }
    }
    (path.len() == route.len()).then_some(literals)
}

/// The names of the operation's path parameters marked `x-catch-all: true` (inline or through
/// a `$ref` to `components/parameters`).
fn catch_all_parameters(operation: &serde_yaml::Value, components: &Components) -> Vec<String> {
    let Some(parameters) = operation.get("parameters").and_then(|p| p.as_sequence()) else {
        return Vec::new();
    };
    parameters
        .iter()
        .filter_map(
            |parameter| match parameter.get("$ref").and_then(|r| r.as_str()) {
                Some(reference) => components
                    .parameters
                    .get(reference.rsplit('/').next().unwrap_or(reference)),
                None => Some(parameter),
            },
        )
        .filter(|parameter| parameter.get("x-catch-all").and_then(|c| c.as_bool()) == Some(true))
        .filter_map(|parameter| {
            parameter
                .get("name")
                .and_then(|n| n.as_str())
                .map(str::to_owned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_segments() {
        let glob = PathGlob::parse("/api/v4/projects/*/jobs").expect("glob");
        assert!(glob.matches("/api/v4/projects/acme%2Fbackend/jobs"));
        assert!(glob.matches("/api/v4/projects/1/jobs"));
        assert!(!glob.matches("/api/v4/projects/1/jobs/8"));
        assert!(!glob.matches("/api/v4/projects//jobs"));
        let deep = PathGlob::parse("/api/v4/**/trace").expect("glob");
        assert!(deep.matches("/api/v4/projects/1/jobs/8/trace"));
        assert!(!deep.matches("/api/v4/projects/1/jobs/8"));
        let all = PathGlob::parse("/api/v4/**").expect("glob");
        assert!(
            all.matches("/api/v4/job") && all.matches("/api/v4") && !all.matches("/openapi.yaml")
        );
        assert!(PathGlob::parse("/api/v4/pro*").is_err());
    }

    #[test]
    fn requests_are_named_as_the_document_names_them() {
        let operations = Operations::from_document().expect("the embedded document");
        let find = |method: Method, path: &str| operations.find(&method, path);
        assert_eq!(
            find(Method::GET, "/api/v4/projects/acme%2Fbackend/jobs"),
            Some("list_project_jobs")
        );
        assert_eq!(
            find(Method::GET, "/api/v4/projects/1/jobs/8"),
            Some("get_job")
        );
        assert_eq!(
            find(Method::POST, "/api/v4/projects/1/jobs/8/retry"),
            Some("retry_job")
        );
        assert_eq!(find(Method::GET, "/api/v4/projects/1/jobs/8/retry"), None);
        assert_eq!(
            find(Method::POST, "/api/v4/projects/1/jobs/8/artifacts/keep"),
            Some("keep_job_artifacts")
        );
        assert_eq!(
            find(Method::GET, "/api/v4/projects/1/jobs/8/artifacts/keep"),
            Some("get_job_artifact_file")
        );
        assert_eq!(
            find(Method::GET, "/api/v4/projects/1/jobs/8/artifacts/a/b/c.txt"),
            Some("get_job_artifact_file")
        );
        assert_eq!(find(Method::GET, "/api/v4/job"), Some("get_current_job"));
        assert_eq!(find(Method::GET, "/openapi.yaml"), None);
        assert!(operations.contains("list_pipeline_bridges") && !operations.contains("nope"));
    }
}
