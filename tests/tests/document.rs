//! Contract tests of `openapi/gitlab-jobs.yaml`: its structure, its examples, mutated copies of
//! its examples, and its errata. Every test collects all failures and reports them at once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use gitlab_jobs_contract_tests::examples::{self, SINGLE_EXAMPLE};
use gitlab_jobs_contract_tests::mutate::{self, Kind};
use gitlab_jobs_contract_tests::report::assert_none;
use gitlab_jobs_contract_tests::spec::ref_target;
use gitlab_jobs_contract_tests::validate::describe;
use gitlab_jobs_contract_tests::{Operation, Spec, Validators, Violation, errata, pointer};
use serde_json::Value;

const OPERATION_IDS: [&str; 21] = [
    "list_project_jobs",
    "list_pipeline_jobs",
    "list_pipeline_bridges",
    "list_pipeline_trigger_jobs",
    "get_current_job",
    "get_current_job_allowed_agents",
    "get_job",
    "get_job_trace",
    "cancel_job",
    "retry_job",
    "erase_job",
    "play_job",
    "get_job_artifacts",
    "download_artifacts_by_ref",
    "get_job_artifact_file",
    "keep_job_artifacts",
    "delete_job_artifacts",
    "get_artifact_file_by_ref",
    "request_runner_job",
    "update_runner_job",
    "append_runner_job_trace",
];
const LIST_OPERATIONS: [&str; 4] = [
    "list_project_jobs",
    "list_pipeline_jobs",
    "list_pipeline_bridges",
    "list_pipeline_trigger_jobs",
];
const PAGINATION_HEADERS: [&str; 5] =
    ["X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page", "Link"];
/// Sent only by counted lists: GitLab lists project jobs `without_count` (lib/api/ci/jobs.rb,
/// `paginate_with_strategies(builds, paginator_params: { without_count: true })`), so it never
/// sends these there, and the document rightly does not declare them.
const COUNT_HEADERS: [&str; 2] = ["X-Total", "X-Total-Pages"];
const COUNTED_LISTS: [&str; 3] = [
    "list_pipeline_jobs",
    "list_pipeline_bridges",
    "list_pipeline_trigger_jobs",
];
const SCHEMAS: [&str; 18] = [
    "Job",
    "Bridge",
    "JobOrBridge",
    "JobStatus",
    "FailureReason",
    "Commit",
    "PipelineBasic",
    "DownstreamPipeline",
    "User",
    "Runner",
    "RunnerManager",
    "ArtifactFile",
    "LegacyArtifactsFile",
    "JobProject",
    "PlayJobRequest",
    "JobVariableAttribute",
    "RetryJobRequest",
    "Error",
];
/// Edition prefixes of example names; `v15_zh_` before `v15_` so the longer one is reported.
const EDITIONS: [&str; 5] = ["v10_", "v13_", "v14_", "v15_zh_", "v15_"];
/// Statuses whose responses carry no body.
const BODYLESS: [&str; 2] = ["204", "302"];
/// Schema keywords that change validation; next to a `$ref` OpenAPI 3.0 ignores them.
const MEANINGFUL: [&str; 11] = [
    "nullable",
    "type",
    "properties",
    "required",
    "enum",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "format",
    "additionalProperties",
];

fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        gitlab_jobs_contract_tests::load_spec().expect("openapi/gitlab-jobs.yaml loads and parses")
    })
}

fn operations() -> Vec<Operation<'static>> {
    let operations = spec().operations().expect("the document has paths");
    assert!(!operations.is_empty(), "the document has no operations");
    operations
}

fn validators() -> Validators<'static> {
    Validators::new(spec()).expect("every component schema converts to JSON Schema")
}

fn string<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|text| !text.trim().is_empty())
}

fn is_snake_case(name: &str) -> bool {
    let mut words = name.split('_');
    words
        .clone()
        .next()
        .is_some_and(|first| first.starts_with(|c: char| c.is_ascii_lowercase()))
        && words.all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

// ---------------------------------------------------------------------------------------------
// 1. Structure

#[test]
fn document_is_openapi_3_0() {
    let doc = spec().doc();
    let version = doc
        .get("openapi")
        .and_then(Value::as_str)
        .expect("`openapi` is a string");
    assert!(
        version.starts_with("3.0."),
        "openapi is {version}, expected 3.0.x (progenitor rejects 3.1)"
    );
    assert!(
        string(&doc["info"], "title").is_some(),
        "info.title is missing"
    );
    assert!(
        string(&doc["info"], "version").is_some(),
        "info.version is missing"
    );
}

#[test]
fn every_ref_resolves_and_has_no_ignored_siblings() {
    let spec = spec();
    let refs = spec.refs();
    assert!(!refs.is_empty(), "the document has no `$ref` at all");
    let mut failures = Vec::new();
    for (holder, reference) in &refs {
        match ref_target(reference).and_then(|target| spec.get(target)) {
            Ok(_) => {}
            Err(error) => failures.push(format!("`$ref` at `{holder}`: {error:#}")),
        }
        let ignored: Vec<&String> = spec
            .get(holder)
            .ok()
            .and_then(Value::as_object)
            .map(|object| {
                object
                    .keys()
                    .filter(|k| MEANINGFUL.contains(&k.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        if !ignored.is_empty() {
            failures.push(format!(
                "`$ref` at `{holder}` has siblings {ignored:?}, which OpenAPI 3.0 ignores"
            ));
        }
    }
    eprintln!("{} `$ref`s resolved", refs.len());
    assert_none("unresolved or misleading `$ref`s", &failures);
}

#[test]
fn every_operation_has_id_tag_summary_description_and_responses() {
    let mut failures = Vec::new();
    let mut seen = BTreeMap::new();
    for op in operations() {
        let label = op.label();
        match op.operation_id {
            None => failures.push(format!("{label}: no operationId")),
            Some(id) if !is_snake_case(id) => {
                failures.push(format!("{label}: operationId is not snake_case"))
            }
            Some(id) => {
                if let Some(other) = seen.insert(id, format!("{} {}", op.method, op.path)) {
                    failures.push(format!("{label}: operationId also used by {other}"));
                }
            }
        }
        match op.value.get("tags").and_then(Value::as_array) {
            Some(tags) if tags.len() == 1 && tags[0].is_string() => {}
            other => failures.push(format!(
                "{label}: expected exactly one tag, found {other:?}"
            )),
        }
        for key in ["summary", "description"] {
            if string(op.value, key).is_none() {
                failures.push(format!("{label}: no {key}"));
            }
        }
        if op
            .value
            .get("responses")
            .and_then(Value::as_object)
            .is_none_or(|r| r.is_empty())
        {
            failures.push(format!("{label}: no responses"));
        }
    }
    assert_none("incomplete operations", &failures);
}

#[test]
fn the_twenty_one_operations_are_present() {
    let found: BTreeSet<&str> = operations()
        .iter()
        .filter_map(|op| op.operation_id)
        .collect();
    let expected: BTreeSet<&str> = OPERATION_IDS.into_iter().collect();
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing {missing:?}, unexpected {unexpected:?}"
    );
}

#[test]
fn actions_answer_gitlabs_status_codes() {
    let expected = [
        ("cancel_job", "post", "201"),
        ("retry_job", "post", "201"),
        ("erase_job", "post", "201"),
        ("play_job", "post", "200"),
        ("keep_job_artifacts", "post", "200"),
        ("delete_job_artifacts", "delete", "204"),
    ];
    let mut failures = Vec::new();
    for (id, method, status) in expected {
        let op = spec().operation(id).expect("the operation exists");
        if op.method != method {
            failures.push(format!("{id}: method is {}, expected {method}", op.method));
        }
        let success: Vec<&str> = op
            .responses(spec())
            .expect("responses resolve")
            .into_iter()
            .map(|r| r.status)
            .filter(|s| s.starts_with('2'))
            .collect();
        if success != [status] {
            failures.push(format!(
                "{id}: success statuses are {success:?}, expected [{status}]"
            ));
        }
    }
    assert_none("wrong success statuses", &failures);
}

#[test]
fn every_response_with_a_body_has_a_schema_and_an_example() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for op in operations() {
        for response in op.responses(spec()).expect("responses resolve") {
            let at = format!("{} {}", op.label(), response.status);
            if string(response.value, "description").is_none() {
                failures.push(format!("{at}: no description"));
            }
            if BODYLESS.contains(&response.status) {
                continue;
            }
            checked += 1;
            let Some(content) = response
                .value
                .get("content")
                .and_then(Value::as_object)
                .filter(|c| !c.is_empty())
            else {
                failures.push(format!("{at}: no content"));
                continue;
            };
            for (media_type, media) in content {
                if media.get("schema").is_none() {
                    failures.push(format!("{at} {media_type}: no schema"));
                }
                let named = media
                    .get("examples")
                    .and_then(Value::as_object)
                    .map_or(0, |e| e.len());
                if named == 0 && media.get("example").is_none() {
                    failures.push(format!("{at} {media_type}: no example"));
                }
            }
        }
    }
    assert!(checked > 0, "no response with a body was found");
    assert_none("responses without schema or example", &failures);
}

#[test]
fn path_parameters_match_the_template() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for op in operations() {
        let template: BTreeSet<&str> = op
            .path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        let parameters = op.parameters(spec()).expect("parameters resolve");
        for parameter in &parameters {
            if parameter.value.get("schema").is_none() && parameter.value.get("content").is_none() {
                failures.push(format!(
                    "{}: parameter `{}` has no schema",
                    op.label(),
                    parameter.name()
                ));
            }
        }
        let declared: BTreeMap<&str, &Value> = parameters
            .iter()
            .filter(|p| p.location() == "path")
            .map(|p| (p.name(), p.value))
            .collect();
        for name in &template {
            checked += 1;
            match declared.get(name) {
                None => failures.push(format!("{}: `{{{name}}}` is not declared", op.label())),
                Some(p) if p.get("required") != Some(&Value::Bool(true)) => failures.push(format!(
                    "{}: path parameter `{name}` is not required",
                    op.label()
                )),
                Some(_) => {}
            }
        }
        // The project `id` holds a number or a URL-encoded full path (`group%2Fproject`); the
        // runner routes' `id` is a job's (`requires :id, type: Integer`).
        if let Some(id) = declared.get("id")
            && op.path.starts_with("/projects/")
            && id.pointer("/schema/type").and_then(Value::as_str) != Some("string")
        {
            failures.push(format!(
                "{}: path parameter `id` is not a string",
                op.label()
            ));
        }
        for name in declared.keys().filter(|name| !template.contains(*name)) {
            failures.push(format!(
                "{}: path parameter `{name}` is not in {}",
                op.label(),
                op.path
            ));
        }
    }
    assert!(checked > 0, "no path template has a parameter");
    assert_none("path parameters", &failures);
}

#[test]
fn list_operations_declare_pagination_headers() {
    let mut failures = Vec::new();
    for id in LIST_OPERATIONS {
        let op = spec().operation(id).expect("list operation exists");
        let responses = op.responses(spec()).expect("responses resolve");
        let Some(ok) = responses.iter().find(|r| r.status == "200") else {
            failures.push(format!("{id}: no 200 response"));
            continue;
        };
        let headers = ok.value.get("headers").and_then(Value::as_object);
        let counted: &[&str] = if COUNTED_LISTS.contains(&id) {
            &COUNT_HEADERS
        } else {
            &[]
        };
        for name in PAGINATION_HEADERS.iter().chain(counted.iter()) {
            let found =
                headers.and_then(|h| h.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)));
            match found {
                None => failures.push(format!("{id} 200: header {name} is not declared")),
                Some((key, _)) => {
                    let at = pointer::join(&pointer::join(&ok.pointer, "headers"), key);
                    let schema = spec()
                        .resolve(&at)
                        .map(|(_, header)| header.get("schema").is_some());
                    if !matches!(schema, Ok(true)) {
                        failures.push(format!("{id} 200: header {name} has no schema"));
                    }
                }
            }
        }
    }
    assert_none("pagination headers", &failures);
}

#[test]
fn scope_is_a_form_exploded_array_of_job_status() {
    let mut failures = Vec::new();
    for id in LIST_OPERATIONS {
        let op = spec().operation(id).expect("list operation exists");
        let parameters = op.parameters(spec()).expect("parameters resolve");
        let Some(scope) = parameters.iter().find(|p| p.name() == "scope[]") else {
            failures.push(format!("{id}: no `scope[]` parameter"));
            continue;
        };
        let p = scope.value;
        if scope.location() != "query" {
            failures.push(format!(
                "{id}: scope[] is in `{}`, not query",
                scope.location()
            ));
        }
        if p.get("style").is_some_and(|s| s != "form")
            || p.get("explode").is_some_and(|e| e != &Value::Bool(true))
        {
            failures.push(format!("{id}: scope[] is not style form + explode true"));
        }
        let schema = spec()
            .resolve(&pointer::join(&scope.pointer, "schema"))
            .map(|(_, schema)| schema.clone())
            .unwrap_or(Value::Null);
        if schema.get("type").and_then(Value::as_str) != Some("array") {
            failures.push(format!("{id}: scope[] schema is not an array: {schema}"));
        }
        if schema.pointer("/items/$ref").and_then(Value::as_str)
            != Some("#/components/schemas/JobStatus")
        {
            failures.push(format!(
                "{id}: scope[] items are not JobStatus: {}",
                schema["items"]
            ));
        }
    }
    let status = spec()
        .get("/components/schemas/JobStatus")
        .expect("JobStatus exists");
    let values: BTreeSet<&str> = status
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "created", "pending", "running", "failed", "success", "canceled", "skipped", "manual",
    ] {
        if !values.contains(expected) {
            failures.push(format!("JobStatus has no `{expected}`"));
        }
    }
    assert_none("scope[]", &failures);
}

#[test]
fn named_schemas_exist() {
    let schemas = spec()
        .get("/components/schemas")
        .expect("components.schemas exists");
    let schemas = schemas
        .as_object()
        .expect("components.schemas is a mapping");
    let mut failures: Vec<String> = SCHEMAS
        .iter()
        .filter(|name| !schemas.contains_key(**name))
        .map(|name| format!("no schema {name}"))
        .collect();
    if !schemas.keys().any(|name| name.starts_with("AllowedAgents")) {
        failures.push("no AllowedAgents* schema".to_owned());
    }
    let closed = spec()
        .doc()
        .to_string()
        .matches(r#""additionalProperties":false"#)
        .count();
    if closed > 0 {
        failures.push(format!(
            "{closed} schema(s) say `additionalProperties: false`; the convention is never to"
        ));
    }
    assert_none("schemas", &failures);
}

/// Examples taken from the documentation are named after their edition; every edition
/// contributes. Other examples (error bodies, current GitLab behaviour) have plain names, but a
/// name that looks like an edition (`v16_...`) must be a known one.
#[test]
fn every_edition_has_examples_and_example_names_are_known() {
    let all = examples::all(spec()).expect("examples enumerate");
    assert!(!all.is_empty(), "the document has no examples");
    let mut per_edition: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for example in &all {
        match EDITIONS
            .iter()
            .find(|prefix| example.name.starts_with(**prefix))
        {
            Some(prefix) => *per_edition.entry(prefix).or_default() += 1,
            None if example.name == SINGLE_EXAMPLE => failures.push(format!(
                "{}: unnamed `example`; use named `examples`",
                example.label()
            )),
            None if looks_like_edition(&example.name) => failures.push(format!(
                "{}: unknown edition, expected one of {EDITIONS:?}",
                example.label()
            )),
            None => *per_edition.entry("(no edition)").or_default() += 1,
        }
    }
    for prefix in EDITIONS
        .iter()
        .filter(|prefix| !per_edition.contains_key(**prefix))
    {
        failures.push(format!("no example of edition `{prefix}`"));
    }
    eprintln!("examples per edition: {per_edition:?}");
    assert_none("example names", &failures);
}

fn looks_like_edition(name: &str) -> bool {
    name.strip_prefix('v')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

// ---------------------------------------------------------------------------------------------
// 2. Examples

#[test]
fn every_example_validates_against_its_schema() {
    let validators = validators();
    let all = examples::all(spec()).expect("examples enumerate");
    assert!(!all.is_empty(), "the document has no examples");
    let mut failures = Vec::new();
    let mut valid = 0;
    for example in &all {
        let Some(schema) = &example.schema_pointer else {
            failures.push(format!("{}: its media type has no schema", example.label()));
            continue;
        };
        match validators.validate(schema, example.value) {
            Ok(Ok(())) => valid += 1,
            Ok(Err(violations)) => failures.push(format!(
                "{} (at `{}`):\n{}",
                example.label(),
                example.pointer,
                describe(&violations)
            )),
            Err(error) => {
                failures.push(format!("{}: schema `{schema}`: {error:#}", example.label()))
            }
        }
    }
    eprintln!("{valid} of {} examples validated", all.len());
    assert_none("invalid examples", &failures);
}

// ---------------------------------------------------------------------------------------------
// 3. Mutations

#[test]
fn mutated_examples_are_rejected() {
    let validators = validators();
    let all = examples::all(spec()).expect("examples enumerate");
    let mut failures = Vec::new();
    let mut rejected: BTreeMap<Kind, usize> = BTreeMap::new();
    let (mut mutated_examples, mut skipped_invalid, mut undecided, mut any_type) = (0, 0, 0, 0);
    for example in &all {
        let Some(schema) = &example.schema_pointer else {
            continue;
        };
        // Mutating an invalid example proves nothing: every mutation would be "rejected".
        if !validators.is_valid(schema, example.value).unwrap_or(false) {
            skipped_invalid += 1;
            continue;
        }
        let found = match mutate::mutations(&validators, schema, example.value) {
            Ok(found) => found,
            Err(error) => {
                failures.push(format!(
                    "{}: cannot derive mutations: {error:#}",
                    example.label()
                ));
                continue;
            }
        };
        mutated_examples += 1;
        undecided += found.undecided.len();
        any_type += found.any_type;
        for mutation in &found.mutations {
            match validators.is_valid(schema, &mutation.value) {
                Ok(false) => *rejected.entry(mutation.kind).or_default() += 1,
                Ok(true) => failures.push(format!(
                    "{}: {} at `{}` ({}) was accepted",
                    example.label(),
                    mutation.kind,
                    mutation.instance_pointer,
                    mutation.description
                )),
                Err(error) => failures.push(format!("{}: {error:#}", example.label())),
            }
        }
    }
    let total: usize = rejected.values().sum();
    eprintln!("{total} mutations of {mutated_examples} examples rejected:");
    for (kind, count) in &rejected {
        eprintln!("  {kind}: {count}");
    }
    eprintln!(
        "skipped: {skipped_invalid} invalid examples, {undecided} values of undecided oneOf/anyOf, \
         {any_type} values whose schema accepts any type"
    );
    assert!(total > 0, "no mutation was generated");
    for kind in [
        Kind::DropRequired,
        Kind::WrongType,
        Kind::BadEnum,
        Kind::UnknownProperty,
        Kind::BadDateTime,
    ] {
        assert!(
            rejected.contains_key(&kind),
            "no `{kind}` mutation was generated"
        );
    }
    assert_none("mutations that the schema accepts", &failures);
}

// ---------------------------------------------------------------------------------------------
// 4. Errata

#[test]
fn errata_originals_break_exactly_the_recorded_rules() {
    let directory = errata::directory().expect("workspace root");
    let index = errata::load(&directory).expect("openapi/errata/errata.yaml loads");
    assert!(!index.is_empty(), "the errata index is empty");
    // An original with several defects has one entry per defect: check each file once, against
    // the set of its entries.
    let mut by_file: BTreeMap<&str, Vec<&errata::Erratum>> = BTreeMap::new();
    for erratum in &index {
        by_file
            .entry(erratum.file.as_str())
            .or_default()
            .push(erratum);
    }
    let validators = validators();
    let mut failures = Vec::new();
    for (file, entries) in &by_file {
        let first = entries[0];
        let at = format!("{file} ({} {})", first.operation_id, first.status);
        if let Err(error) = check_erratum(&validators, &directory, entries) {
            failures.push(format!("{at}: {error}"));
        }
    }
    eprintln!(
        "{} errata entries in {} original files checked",
        index.len(),
        by_file.len()
    );
    assert_none("errata", &failures);
}

/// Checks the entries of one original file; the error says what is wrong.
fn check_erratum(
    validators: &Validators<'_>,
    directory: &std::path::Path,
    entries: &[&errata::Erratum],
) -> Result<(), String> {
    let first = entries[0];
    for other in &entries[1..] {
        if (&other.operation_id, &other.status, &other.example)
            != (&first.operation_id, &first.status, &first.example)
        {
            return Err(
                "entries of one file name different operations, statuses or examples".to_owned(),
            );
        }
    }
    let original = first
        .original(directory)
        .map_err(|error| format!("{error:#}"))?;
    let name = first.example_name().map_err(|error| format!("{error:#}"))?;
    if let Some(edition) = &first.edition
        && !name.starts_with(&format!("{edition}_"))
    {
        return Err(format!("example `{name}` is not of edition `{edition}`"));
    }
    let found = examples::find(spec(), &first.operation_id, &first.status, &name)
        .map_err(|e| format!("{e:#}"))?;
    let [corrected] = found.as_slice() else {
        return Err(format!(
            "expected one example `{name}` in the document, found {}",
            found.len()
        ));
    };
    let schema = corrected
        .schema_pointer
        .as_deref()
        .ok_or(format!("example `{name}` has no schema"))?;
    let violations = match validators
        .validate(schema, &original)
        .map_err(|e| format!("{e:#}"))?
    {
        Ok(()) => return Err("the original validates: it is no erratum".to_owned()),
        Err(violations) => violations,
    };
    let actual: BTreeSet<(&str, &str)> = Violation::leaves(&violations)
        .into_iter()
        .map(|v| (v.instance_pointer.as_str(), v.keyword.as_str()))
        .collect();
    let recorded: BTreeSet<(&str, &str)> = entries
        .iter()
        .map(|e| (e.pointer.as_str(), e.keyword.as_str()))
        .collect();
    if actual != recorded {
        return Err(format!(
            "recorded (pointer, keyword) {recorded:?}, but the original breaks {actual:?}:\n{}",
            describe(&violations)
        ));
    }
    if let Err(violations) = validators
        .validate(schema, corrected.value)
        .map_err(|e| format!("{e:#}"))?
    {
        return Err(format!(
            "the corrected example `{name}` is invalid:\n{}",
            describe(&violations)
        ));
    }
    if &original == corrected.value {
        return Err(format!(
            "the corrected example `{name}` equals the original"
        ));
    }
    Ok(())
}

#[test]
fn every_errata_file_is_indexed() {
    let directory = errata::directory().expect("workspace root");
    let index = errata::load(&directory).expect("openapi/errata/errata.yaml loads");
    let mut listed = BTreeSet::new();
    let mut failures = Vec::new();
    let mut entries = BTreeSet::new();
    for erratum in &index {
        listed.insert(erratum.file.as_str());
        if !entries.insert((&erratum.file, &erratum.pointer, &erratum.keyword)) {
            failures.push(format!(
                "{} lists [{}] at `{}` twice",
                erratum.file, erratum.keyword, erratum.pointer
            ));
        }
        if !erratum.path(&directory).is_file() {
            failures.push(format!("{} is listed but does not exist", erratum.file));
        }
    }
    let files = std::fs::read_dir(&directory).expect("openapi/errata is a directory");
    let mut seen = 0;
    for entry in files {
        let name = entry
            .expect("directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        seen += 1;
        if name != errata::INDEX && !listed.contains(name.as_str()) {
            failures.push(format!("openapi/errata/{name} is not in the index"));
        }
    }
    assert!(
        seen > 1,
        "openapi/errata holds no original besides the index"
    );
    assert_none("errata folder", &failures);
}

/// `gitlab-jobs verify` checks against the copy compiled into the contract crate: it must be
/// the document these tests check (`cargo xtask generate` writes it).
#[test]
fn the_compiled_in_document_is_the_workspace_document() {
    let embedded = Spec::embedded().expect("the compiled-in document parses");
    assert!(
        embedded.doc() == spec().doc(),
        "crates/gitlab-jobs-contract/openapi/gitlab-jobs.yaml differs from openapi/gitlab-jobs.yaml: run `cargo xtask generate`"
    );
}
