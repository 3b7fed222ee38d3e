//! CI job inputs: a job's typed parameters (`inputs:` in its `.gitlab-ci.yml` definition,
//! kept in `job.options[:inputs]`) and the values given for them when the job is played or
//! retried (`Ci::JobInput` records, app/services/ci/clone_job_service.rb `new_job_inputs`).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The type of an input (`Ci::Inputs::Builder::TYPES`, lib/ci/inputs/builder.rb). A spec
/// without `type` is a string (`StringInput.matches?`, lib/ci/inputs/string_input.rb).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    Array,
    Boolean,
    Number,
    #[default]
    String,
}

/// One input's definition, as `.gitlab-ci.yml` writes it under a job's `inputs:`. Keys GitLab
/// also knows there (`rules`, which only resolve defaults and options under a feature flag)
/// are not modelled and refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    #[serde(default, rename = "type")]
    pub input_type: InputType,
    /// Without a default the input is required (`BaseInput#required?`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// The allowed values (string and number inputs; for an array input, of its elements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<Value>>,
    /// An RE2 pattern a string input's value must match (`Gitlab::UntrustedRegexp`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A job's input definitions by name; empty when the job declares none.
pub type InputSpecs = BTreeMap<String, InputSpec>;

/// Input values by name, as the API took them (JSON values of any type).
pub type InputValues = BTreeMap<String, Value>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_without_type_is_a_string_and_rules_are_refused() {
        let spec: InputSpec =
            serde_json::from_value(serde_json::json!({"default": "staging"})).expect("parses");
        assert_eq!(spec.input_type, InputType::String);
        assert_eq!(spec.default, Some(Value::from("staging")));
        let rules = serde_json::from_value::<InputSpec>(serde_json::json!({"rules": []}));
        assert!(
            rules
                .expect_err("refused")
                .to_string()
                .contains("unknown field `rules`")
        );
        let bad_type = serde_json::from_value::<InputSpec>(serde_json::json!({"type": "hash"}));
        assert!(bad_type.is_err());
    }
}
