//! Which operations each axum route serves.
//!
//! Grape (GitLab's API framework) matches a request against the routes of its method only, so
//! `GET …/artifacts/keep` is the archive file `keep` (`GET …/artifacts/*artifact_path`) even
//! though `POST …/artifacts/keep` exists. axum picks one route by path first (a static segment
//! beats a parameter) and only then looks at the method, so that request would answer 405. The
//! plan below gives such a static route the other route's methods as well, with the values its
//! path fixes (`artifact_path` = `keep`) handed to the handler as path parameters.

use std::collections::BTreeMap;

use anyhow::bail;

use super::model::{Api, OperationModel};

/// One axum route and the handlers of its methods.
pub struct RoutePlan<'a> {
    pub route: &'a str,
    pub handlers: Vec<Handler<'a>>,
}

pub struct Handler<'a> {
    pub operation: &'a OperationModel,
    /// Path parameters of `operation` that this route spells out literally, with their values.
    pub fixed: Vec<(String, String)>,
}

pub fn plan(api: &Api) -> anyhow::Result<Vec<RoutePlan<'_>>> {
    // Operations that share a path share one axum route, one method router each.
    let mut own: BTreeMap<&str, Vec<&OperationModel>> = BTreeMap::new();
    for operation in &api.operations {
        own.entry(&operation.route).or_default().push(operation);
    }
    let mut plans = Vec::new();
    for (route, operations) in &own {
        let mine = segments(route)?;
        let mut handlers: Vec<Handler<'_>> = operations
            .iter()
            .map(|operation| Handler {
                operation,
                fixed: Vec::new(),
            })
            .collect();
        for (other, others) in own.iter().filter(|(other, _)| *other != route) {
            let theirs = segments(other)?;
            match relation(&theirs, &mine) {
                Relation::Disjoint => {}
                Relation::Covers(fixed) => {
                    for operation in others {
                        if let Some(taken) = handlers
                            .iter()
                            .find(|handler| handler.operation.method == operation.method)
                        {
                            // Same method on both: the more specific route wins, in Grape
                            // (declared first in GitLab's files) as in axum.
                            if !taken.fixed.is_empty() {
                                bail!(
                                    "{} {route} would be served by two wider routes ({} and {})",
                                    operation.method.to_uppercase(),
                                    taken.operation.route,
                                    operation.route
                                );
                            }
                            continue;
                        }
                        handlers.push(Handler {
                            operation,
                            fixed: fixed.clone(),
                        });
                    }
                }
                // When this route is the wider one, the loop over the other route handles it.
                Relation::Partial if matches!(relation(&mine, &theirs), Relation::Covers(_)) => {}
                Relation::Partial => {
                    if methods(operations) != methods(others) {
                        bail!(
                            "routes {route} and {other} match some paths in common but serve \
                             different methods; axum would answer 405 on one of them for \
                             those paths, and the generator cannot route both"
                        );
                    }
                }
            }
        }
        plans.push(RoutePlan { route, handlers });
    }
    Ok(plans)
}

fn methods(operations: &[&OperationModel]) -> Vec<String> {
    let mut methods: Vec<String> = operations.iter().map(|op| op.method.clone()).collect();
    methods.sort();
    methods
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Static(String),
    Param(String),
    CatchAll(String),
}

fn segments(route: &str) -> anyhow::Result<Vec<Segment>> {
    route
        .trim_start_matches('/')
        .split('/')
        .map(|segment| {
            let inner = segment
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'));
            Ok(match inner {
                Some(name) if name.contains(['{', '}']) => bail!("route {route}: bad segment"),
                Some(name) => match name.strip_prefix('*') {
                    Some(name) => Segment::CatchAll(name.to_string()),
                    None => Segment::Param(name.to_string()),
                },
                None if segment.contains(['{', '}']) => {
                    // `{id}.json` and the like: the overlap analysis would need to
                    // understand partial segments, which no route of the document has.
                    bail!("route {route}: a parameter must be a whole path segment")
                }
                None => Segment::Static(segment.to_string()),
            })
        })
        .collect()
}

#[derive(Debug, PartialEq, Eq)]
enum Relation {
    /// No path matches both routes.
    Disjoint,
    /// Every path of the narrower route matches the wider one, whose parameters then have
    /// these values (each a static part of the narrower route).
    Covers(Vec<(String, String)>),
    /// Some paths match both, but not all of the narrower route's.
    Partial,
}

/// How `wide` relates to `narrow`.
fn relation(wide: &[Segment], narrow: &[Segment]) -> Relation {
    if !intersect(wide, narrow) {
        return Relation::Disjoint;
    }
    let mut fixed = Vec::new();
    for (index, segment) in wide.iter().enumerate() {
        let Some(theirs) = narrow.get(index) else {
            return Relation::Partial;
        };
        match (segment, theirs) {
            (Segment::CatchAll(name), _) => {
                let mut rest = Vec::new();
                for segment in &narrow[index..] {
                    match segment {
                        Segment::Static(text) => rest.push(text.as_str()),
                        // The value would depend on the request; no route needs that yet.
                        _ => return Relation::Partial,
                    }
                }
                fixed.push((name.clone(), rest.join("/")));
                return Relation::Covers(fixed);
            }
            (Segment::Static(a), Segment::Static(b)) if a == b => {}
            (Segment::Param(name), Segment::Static(text)) => {
                fixed.push((name.clone(), text.clone()));
            }
            (Segment::Param(a), Segment::Param(b)) if a == b => {}
            _ => return Relation::Partial,
        }
    }
    if wide.len() == narrow.len() {
        Relation::Covers(fixed)
    } else {
        Relation::Partial
    }
}

/// Whether some path matches both routes (a catch-all takes one segment or more).
fn intersect(a: &[Segment], b: &[Segment]) -> bool {
    match (a.first(), b.first()) {
        (None, None) => true,
        (Some(Segment::CatchAll(_)), Some(_)) | (Some(_), Some(Segment::CatchAll(_))) => true,
        (Some(Segment::Static(x)), Some(Segment::Static(y))) if x != y => false,
        (Some(_), Some(_)) => intersect(&a[1..], &b[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(route: &str) -> Vec<Segment> {
        segments(route).expect("a route")
    }

    fn fixed(pairs: &[(&str, &str)]) -> Relation {
        Relation::Covers(
            pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        )
    }

    #[test]
    fn a_catch_all_covers_a_static_route_below_it() {
        let wide = parsed("/projects/{id}/jobs/{job_id}/artifacts/{*artifact_path}");
        assert_eq!(
            relation(
                &wide,
                &parsed("/projects/{id}/jobs/{job_id}/artifacts/keep")
            ),
            fixed(&[("artifact_path", "keep")])
        );
        assert_eq!(
            relation(&wide, &parsed("/projects/{id}/jobs/{job_id}/artifacts/a/b")),
            fixed(&[("artifact_path", "a/b")])
        );
        // `…/artifacts` alone has no file path: the catch-all needs one segment at least.
        assert_eq!(
            relation(&wide, &parsed("/projects/{id}/jobs/{job_id}/artifacts")),
            Relation::Disjoint
        );
    }

    #[test]
    fn a_parameter_covers_a_static_segment() {
        assert_eq!(
            relation(&parsed("/jobs/{job_id}"), &parsed("/jobs/latest")),
            fixed(&[("job_id", "latest")])
        );
        assert_eq!(
            relation(&parsed("/jobs/latest"), &parsed("/jobs/{job_id}")),
            Relation::Partial
        );
    }

    #[test]
    fn routes_of_the_document_that_meet_only_on_some_paths() {
        // `…/jobs/artifacts/artifacts/download` matches both.
        assert_eq!(
            relation(
                &parsed("/projects/{id}/jobs/{job_id}/artifacts/{*artifact_path}"),
                &parsed("/projects/{id}/jobs/artifacts/{ref_name}/download")
            ),
            Relation::Partial
        );
        assert_eq!(
            relation(
                &parsed("/projects/{id}/jobs/artifacts/{ref_name}/raw/{*artifact_path}"),
                &parsed("/projects/{id}/jobs/{job_id}/artifacts/keep")
            ),
            Relation::Disjoint
        );
    }

    #[test]
    fn partial_segments_are_refused() {
        assert!(segments("/jobs/{id}.json").is_err());
    }
}
