//! The generated Rust types (`gitlab-jobs-types`) against the document's examples: every JSON
//! example deserialises into the type of its schema, and what the type serialises back still
//! validates against that schema.
//!
//! Serde ignores unknown fields, so a round trip can lose data while both ends look valid: the
//! test also compares the value that comes back with the example. Changes that keep the meaning
//! (a `null` or empty value dropped, a date-time re-written in UTC, `8` as `8.0`, a default
//! filled in) are counted and printed; any other change fails.

use std::collections::{BTreeMap, BTreeSet};

use chrono::DateTime;
use std::sync::OnceLock;

use gitlab_jobs_contract_tests::report::assert_none;
use gitlab_jobs_contract_tests::spec::ref_target;
use gitlab_jobs_contract_tests::validate::describe;
use gitlab_jobs_contract_tests::{Spec, Validators, examples, pointer};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

type RoundTrip = fn(&Value) -> Result<Value, String>;

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let typed: T =
        serde_json::from_value(value.clone()).map_err(|e| format!("deserialising: {e}"))?;
    serde_json::to_value(&typed).map_err(|e| format!("serialising: {e}"))
}

/// Component schema name → round trips through the generated type and through a `Vec` of it.
macro_rules! registry {
    ($($name:ident),* $(,)?) => {
        const REGISTERED: &[&str] = &[$(stringify!($name)),*];
        fn round_trips(name: &str) -> Option<(RoundTrip, RoundTrip)> {
            match name {
                $(stringify!($name) => Some((
                    round_trip::<gitlab_jobs_types::$name> as RoundTrip,
                    round_trip::<Vec<gitlab_jobs_types::$name>> as RoundTrip,
                )),)*
                _ => None,
            }
        }
    };
}

registry!(
    AllowedAgent,
    AllowedAgents,
    AllowedAgentsEnvironment,
    AllowedAgentsGroup,
    AllowedAgentsJob,
    AllowedAgentsPipeline,
    AllowedAgentsProject,
    AllowedAgentsProjectCompact,
    AllowedAgentsProjectIdentity,
    AllowedAgentsUser,
    AllowedAgentsUserBasic,
    AllowedAgentsUserCompact,
    ArtifactFile,
    Bridge,
    Commit,
    DownstreamPipeline,
    Error,
    FailureReason,
    Job,
    JobOrBridge,
    JobProject,
    JobStatus,
    JobVariableAttribute,
    LegacyArtifactsFile,
    PipelineBasic,
    PlayJobRequest,
    RetryJobRequest,
    Runner,
    RunnerGitInfo,
    RunnerInfo,
    RunnerJob,
    RunnerJobImage,
    RunnerJobInfo,
    RunnerJobRequest,
    RunnerJobStep,
    RunnerJobUpdate,
    RunnerManager,
    RunnerStatusCode,
    RunnerUpdateError,
    RunnerVariable,
    User,
);

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        gitlab_jobs_contract_tests::load_spec().expect("openapi/gitlab-jobs.yaml loads and parses")
    })
}

/// The component a media type's schema names: `$ref: X` → (X, false), `array of $ref X` →
/// (X, true). Anything else has no generated type of its own.
fn component_of(schema: &Value) -> Option<(String, bool)> {
    let name = |reference: &Value| {
        ref_target(reference)
            .ok()?
            .strip_prefix("/components/schemas/")
            .map(pointer::unescape)
    };
    if let Some(reference) = schema.get("$ref") {
        return name(reference).map(|n| (n, false));
    }
    if schema.get("type") == Some(&Value::from("array")) {
        return name(schema.pointer("/items/$ref")?).map(|n| (n, true));
    }
    None
}

#[test]
fn every_component_schema_has_a_registered_type() {
    let schemas = spec()
        .get("/components/schemas")
        .expect("components.schemas exists");
    let names: BTreeSet<&str> = schemas
        .as_object()
        .expect("a mapping")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(!names.is_empty(), "the document has no component schemas");
    let registered: BTreeSet<&str> = REGISTERED.iter().copied().collect();
    let missing: Vec<_> = names.difference(&registered).collect();
    let stale: Vec<_> = registered.difference(&names).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "register {missing:?} in generated_types.rs; {stale:?} are no schemas any more"
    );
}

#[test]
fn every_json_example_round_trips_through_its_generated_type() {
    let spec = spec();
    let validators = Validators::new(spec).expect("every component schema converts");
    let all = examples::all(spec).expect("examples enumerate");
    let mut failures = Vec::new();
    let (mut checked, mut unchanged, mut not_json) = (0, 0, 0);
    let mut changes = Changes::default();
    for example in &all {
        if !example.media_type.ends_with("json") {
            not_json += 1; // traces and archives are bytes, not a generated type
            continue;
        }
        let Some(schema_pointer) = &example.schema_pointer else {
            failures.push(format!("{}: no schema", example.label()));
            continue;
        };
        let schema = spec.get(schema_pointer).expect("the schema pointer exists");
        let Some((name, is_list)) = component_of(schema) else {
            failures.push(format!(
                "{}: schema {schema} names no component, so no generated type",
                example.label()
            ));
            continue;
        };
        let Some((single, list)) = round_trips(&name) else {
            failures.push(format!(
                "{}: no generated type registered for `{name}`",
                example.label()
            ));
            continue;
        };
        let round_trip = if is_list { list } else { single };
        let type_name = if is_list {
            format!("Vec<{name}>")
        } else {
            name.clone()
        };
        checked += 1;
        let back = match round_trip(example.value) {
            Ok(back) => back,
            Err(error) => {
                failures.push(format!("{} as {type_name}: {error}", example.label()));
                continue;
            }
        };
        match validators.validate(schema_pointer, &back) {
            Ok(Ok(())) => {}
            Ok(Err(violations)) => failures.push(format!(
                "{} as {type_name}: the re-serialised value is invalid:\n{}",
                example.label(),
                describe(&violations)
            )),
            Err(error) => failures.push(format!("{}: {error:#}", example.label())),
        }
        if &back == example.value {
            unchanged += 1;
        }
        changes.compare(example.value, &back, "");
        for loss in std::mem::take(&mut changes.lossy) {
            failures.push(format!(
                "{} as {type_name}: the round trip lost data: {loss}",
                example.label()
            ));
        }
    }
    eprintln!(
        "{checked} JSON examples round-tripped ({unchanged} unchanged), {not_json} non-JSON examples skipped"
    );
    for (kind, count) in &changes.harmless {
        eprintln!("  {count} × {kind}");
    }
    assert!(checked > 0, "no JSON example was found");
    assert_none("examples that the generated types cannot carry", &failures);
}

/// How a round trip changed an example.
#[derive(Default)]
struct Changes {
    /// Kinds of harmless change (`null` or empty value dropped, same instant re-written, ...)
    /// → how often.
    harmless: BTreeMap<String, usize>,
    /// Changes that lose or alter data, with their pointers.
    lossy: Vec<String>,
}

impl Changes {
    fn compare(&mut self, before: &Value, after: &Value, at: &str) {
        match (before, after) {
            (Value::Object(a), Value::Object(b)) => {
                for key in a.keys().chain(b.keys().filter(|k| !a.contains_key(*k))) {
                    let here = pointer::join(at, key);
                    match (a.get(key), b.get(key)) {
                        (Some(x), Some(y)) => self.compare(x, y, &here),
                        (Some(x), None) if is_empty(x) => {
                            self.harmless(format!("`{key}: {x}` dropped"))
                        }
                        (Some(x), None) => self.lossy.push(format!("`{here}` ({x}) dropped")),
                        (None, Some(y)) => self.harmless(format!("`{key}: {y}` added (a default)")),
                        (None, None) => {}
                    }
                }
            }
            (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
                for (index, (x, y)) in a.iter().zip(b).enumerate() {
                    self.compare(x, y, &pointer::join_index(at, index));
                }
            }
            (x, y) if x == y => {}
            (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => {
                self.harmless("number re-written (8 → 8.0)".to_owned())
            }
            (Value::String(x), Value::String(y)) if same_instant(x, y) => {
                self.harmless("date-time re-written in UTC".to_owned())
            }
            (x, y) => self
                .lossy
                .push(format!("`{}` {x} → {y}", pointer::display(at))),
        }
    }

    fn harmless(&mut self, kind: String) {
        *self.harmless.entry(kind).or_default() += 1;
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn same_instant(a: &str, b: &str) -> bool {
    match (
        DateTime::parse_from_rfc3339(a),
        DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
