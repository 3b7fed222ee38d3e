//! Validation of instances against schemas of the document, with compiled validators cached
//! by the JSON pointer of the schema.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow};
use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::convert;
use crate::pointer;
use crate::spec::Spec;

/// Longest message kept from the validator: its messages quote the instance, which for a
/// failed `oneOf` is a whole job.
const MAX_MESSAGE: usize = 240;

/// One way in which an instance breaks its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// JSON pointer of the offending value inside the instance.
    pub instance_pointer: String,
    /// The JSON Schema keyword that failed (`type`, `enum`, `required`, ...).
    pub keyword: String,
    /// What the validator said, shortened.
    pub message: String,
    /// Where the keyword sits in the converted (draft 4) schema.
    pub schema_path: String,
    /// For `anyOf`/`oneOf`: the violations of each branch, in branch order.
    pub branches: Vec<Vec<Violation>>,
    /// For `required`: the missing key; for `additionalProperties`: the undeclared keys.
    pub keys: Vec<String>,
}

impl Violation {
    fn from_error(error: &ValidationError<'_>) -> Violation {
        let branches = match error.kind() {
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => context
                .iter()
                .map(|branch| branch.iter().map(Violation::from_error).collect())
                .collect(),
            _ => Vec::new(),
        };
        let keys = match error.kind() {
            ValidationErrorKind::Required { property } => {
                vec![
                    property
                        .as_str()
                        .map_or_else(|| property.to_string(), str::to_owned),
                ]
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => unexpected.clone(),
            _ => Vec::new(),
        };
        let mut message = error.to_string();
        if message.len() > MAX_MESSAGE {
            let cut = (0..=MAX_MESSAGE)
                .rev()
                .find(|i| message.is_char_boundary(*i))
                .unwrap_or(0);
            message.truncate(cut);
            message.push('…');
        }
        Violation {
            instance_pointer: error.instance_path().as_str().to_owned(),
            keyword: error.kind().keyword().to_owned(),
            message,
            schema_path: error.schema_path().as_str().to_owned(),
            branches,
            keys,
        }
    }

    /// The violations that explain a failure: a failed `anyOf`/`oneOf` is replaced by the
    /// leaves of its closest branch (the one with the fewest leaf violations; on a tie, the
    /// last one, which for a converted `nullable` is the non-null branch).
    pub fn leaves(violations: &[Violation]) -> Vec<&Violation> {
        let mut out = Vec::new();
        for violation in violations {
            let best = violation
                .branches
                .iter()
                .map(|branch| Violation::leaves(branch))
                .filter(|leaves| !leaves.is_empty())
                .reduce(|best, next| if next.len() <= best.len() { next } else { best });
            match best {
                Some(leaves) => out.extend(leaves),
                None => out.push(violation),
            }
        }
        out
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at `{}` [{}]: {}",
            pointer::display(&self.instance_pointer),
            self.keyword,
            self.message
        )
    }
}

/// Formats the leaf violations of a failed validation, one per line, indented.
pub fn describe(violations: &[Violation]) -> String {
    Violation::leaves(violations)
        .iter()
        .map(|violation| format!("    {violation}\n"))
        .collect()
}

/// Compiled validators for schemas of one document, keyed by the schema's JSON pointer.
pub struct Validators<'s> {
    spec: &'s Spec,
    cache: Mutex<HashMap<String, Arc<Validator>>>,
}

impl<'s> Validators<'s> {
    /// Validators for `spec`. Converts every component schema once, so that a schema the
    /// converter rejects is reported here rather than at the first validation.
    pub fn new(spec: &'s Spec) -> Result<Validators<'s>> {
        convert::definitions(spec, &Default::default())?;
        Ok(Validators {
            spec,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The document these validators belong to.
    pub fn spec(&self) -> &'s Spec {
        self.spec
    }

    /// The compiled validator of the schema at `schema_pointer` (a pointer into the document,
    /// e.g. `/components/schemas/Job` or `.../content/application~1json/schema`).
    pub fn validator(&self, schema_pointer: &str) -> Result<Arc<Validator>> {
        let mut cache = self
            .cache
            .lock()
            .map_err(|_| anyhow!("validator cache poisoned"))?;
        if let Some(validator) = cache.get(schema_pointer) {
            return Ok(Arc::clone(validator));
        }
        let schema = convert::json_schema(self.spec, schema_pointer)?;
        let validator = jsonschema::draft4::options()
            // Draft 4 leaves `format` to the implementation: switch it on explicitly.
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|error| anyhow!("{error}"))
            .with_context(|| format!("compiling the schema at `{schema_pointer}`"))?;
        let validator = Arc::new(validator);
        cache.insert(schema_pointer.to_owned(), Arc::clone(&validator));
        Ok(validator)
    }

    /// Validates `instance` against the schema at `schema_pointer`.
    ///
    /// The outer `Result` fails when the schema itself cannot be converted or compiled; the
    /// inner one carries every violation of the instance.
    pub fn validate(
        &self,
        schema_pointer: &str,
        instance: &Value,
    ) -> Result<Result<(), Vec<Violation>>> {
        let validator = self.validator(schema_pointer)?;
        let violations: Vec<Violation> = validator
            .iter_errors(instance)
            .map(|e| Violation::from_error(&e))
            .collect();
        Ok(if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        })
    }

    /// Whether `instance` is valid against the schema at `schema_pointer`.
    pub fn is_valid(&self, schema_pointer: &str, instance: &Value) -> Result<bool> {
        Ok(self.validator(schema_pointer)?.is_valid(instance))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixture() -> Spec {
        Spec::from_value(json!({
            "components": {"schemas": {
                "Job": {"type": "object", "required": ["id", "status"], "properties": {
                    "id": {"type": "integer"},
                    "status": {"type": "string", "enum": ["success", "failed"]},
                    "created_at": {"type": "string", "format": "date-time"},
                    "runner": {"allOf": [{"$ref": "#/components/schemas/Runner"}], "nullable": true}
                }},
                "Runner": {"type": "object", "properties": {"id": {"type": "integer"}}},
                "Jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}
            }}
        }))
    }

    #[test]
    fn date_time_format_is_checked() {
        let spec = fixture();
        let validators = Validators::new(&spec).expect("fixture converts");
        let good = json!({"id": 1, "status": "success", "created_at": "2015-12-24T15:51:21.880Z"});
        let bad = json!({"id": 1, "status": "success", "created_at": "yesterday"});
        assert!(
            validators
                .is_valid("/components/schemas/Job", &good)
                .expect("compiles")
        );
        let violations = validators
            .validate("/components/schemas/Job", &bad)
            .expect("compiles")
            .unwrap_err();
        assert_eq!(violations[0].keyword, "format");
        assert_eq!(violations[0].instance_pointer, "/created_at");
    }

    #[test]
    fn reports_pointer_and_keyword_through_nullable_wrappers() {
        let spec = fixture();
        let validators = Validators::new(&spec).expect("fixture converts");
        let ok = json!([{"id": 1, "status": "failed", "runner": null}, {"id": 2, "status": "failed", "runner": {"id": 3}}]);
        assert!(
            validators
                .is_valid("/components/schemas/Jobs", &ok)
                .expect("compiles")
        );
        let bad = json!([{"id": 1, "status": "failed", "runner": {"id": "x"}}, {"id": 2, "status": "nope"}]);
        let violations = validators
            .validate("/components/schemas/Jobs", &bad)
            .expect("compiles")
            .unwrap_err();
        let leaves: Vec<(&str, &str)> = Violation::leaves(&violations)
            .iter()
            .map(|v| (v.instance_pointer.as_str(), v.keyword.as_str()))
            .collect();
        assert_eq!(
            leaves,
            vec![("/0/runner/id", "type"), ("/1/status", "enum")]
        );
        let unknown = json!({"id": 1, "status": "failed", "colour": "red"});
        let violations = validators
            .validate("/components/schemas/Job", &unknown)
            .expect("compiles")
            .unwrap_err();
        assert_eq!(violations[0].keyword, "additionalProperties");
    }
}
