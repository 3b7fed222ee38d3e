//! The inputs given when a job is retried or played, checked against the job's input
//! definitions as GitLab checks them, and reduced to what is stored.
//!
//! Sources (commit 0286e4c of gitlabhq unless said otherwise):
//! app/services/ci/retry_job_service.rb `validate_inputs` (lines 100-126) and
//! `filter_inputs_with_defaults` (lines 128-140); lib/ci/inputs/builder.rb
//! (`validate_input_params!`), lib/ci/inputs/base_input.rb (`validate_param!`,
//! `run_validations`, `coerced_value`, `error`) and the four input types
//! (lib/ci/inputs/string_input.rb, number_input.rb, boolean_input.rb, array_input.rb).
//!
//! One difference is ours: requests' JSON objects are read into name-ordered maps, so where
//! GitLab lists several unknown inputs or several errors in the order the request or the
//! definition gave them, these are in name order.

use regex::Regex;
use serde_json::Value;

use crate::model::{InputSpec, InputSpecs, InputType, InputValues};

/// Checks `given` against `specs` and returns the values to store, or GitLab's message (the
/// API answers it as `400 Bad request - <message>`).
///
/// Nothing given: nothing to store. A job without definitions takes the values as given
/// (`return ServiceResponse.success unless inputs_spec.present?`). Otherwise every name must
/// be defined (`Unknown input: x` / `Unknown inputs: x, y`), then each given input is
/// validated, its default too (`validate_param!`), the errors joined with `, `. Values equal
/// to their input's default are not stored (`filter_inputs_with_defaults`).
pub fn resolve(specs: &InputSpecs, given: &InputValues) -> Result<InputValues, String> {
    if given.is_empty() {
        return Ok(InputValues::new());
    }
    if specs.is_empty() {
        return Ok(given.clone());
    }
    let unknown: Vec<&str> = given
        .keys()
        .filter(|name| !specs.contains_key(*name))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let plural = if unknown.len() > 1 { "s" } else { "" };
        return Err(format!("Unknown input{plural}: {}", unknown.join(", ")));
    }
    let errors: Vec<String> = specs
        .iter()
        .filter_map(|(name, spec)| given.get(name).map(|value| (name, spec, value)))
        .flat_map(|(name, spec, value)| {
            validate_param(spec, value)
                .into_iter()
                .map(move |message| format!("`{name}` input: {message}"))
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors.join(", "));
    }
    Ok(given
        .iter()
        .filter(|(name, value)| {
            let default = specs.get(*name).and_then(|spec| spec.default.as_ref());
            !default.is_some_and(|default| ruby_eq(value, default))
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect())
}

/// `BaseInput#validate_param!`: a required input (no default) needs a value (`null` is none);
/// otherwise the default is validated, then the value when there is one.
fn validate_param(spec: &InputSpec, value: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    match &spec.default {
        None if value.is_null() => {
            errors.push("required value has not been provided".to_owned());
            return errors;
        }
        None => {}
        Some(default) => run_validations(spec, default, Origin::Default, &mut errors),
    }
    if !value.is_null() {
        run_validations(spec, value, Origin::Provided, &mut errors);
    }
    errors
}

#[derive(Clone, Copy)]
enum Origin {
    Default,
    Provided,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::Provided => "provided",
        }
    }
}

/// `BaseInput#run_validations`: type, options, then regex, on the coerced value.
fn run_validations(spec: &InputSpec, value: &Value, origin: Origin, errors: &mut Vec<String>) {
    let value = coerced(spec.input_type, value);
    let origin_name = origin.as_str();
    let type_error = match spec.input_type {
        // `StringInput#validate_type`: a coerced value is always a string.
        InputType::String => None,
        InputType::Number => (!value.is_number()).then_some("number"),
        InputType::Boolean => (!value.is_boolean()).then_some("boolean"),
        InputType::Array => (!value.is_array()).then_some("array"),
    };
    if let Some(expected) = type_error {
        let article = if expected == "array" { "an" } else { "a" };
        errors.push(format!("{origin_name} value is not {article} {expected}"));
    }
    if let Some(options) = &spec.options {
        match spec.input_type {
            InputType::String => {
                let text = ruby_to_s(&value);
                if !options.iter().any(|option| ruby_to_s(option) == text) {
                    errors.push(format!(
                        "`{text}` cannot be used because it is not in the list of allowed options"
                    ));
                }
            }
            InputType::Number => {
                if !options.iter().any(|option| ruby_eq(option, &value)) {
                    errors.push(format!(
                        "`{}` cannot be used because it is not in the list of the allowed options",
                        ruby_to_s(&value)
                    ));
                }
            }
            InputType::Array => {
                if let Value::Array(items) = &value {
                    // `value - allowed_options`: Ruby's `Array#-` compares with `eql?`.
                    let invalid: Vec<&Value> = items
                        .iter()
                        .filter(|item| !options.contains(item))
                        .collect();
                    if !invalid.is_empty() {
                        errors.push(format!(
                            "{} cannot be used because it is not in the list of allowed options",
                            ruby_join(&invalid)
                        ));
                    }
                }
            }
            InputType::Boolean => {
                errors.push("Options can only be used with string and number inputs".to_owned());
            }
        }
    }
    if let Some(pattern) = &spec.regex {
        match spec.input_type {
            // `StringInput#validate_regex` with `Gitlab::UntrustedRegexp` (RE2; Rust's regex
            // crate has RE2's syntax and guarantees).
            InputType::String => match Regex::new(pattern) {
                Ok(regex) if regex.is_match(&ruby_to_s(&value)) => {}
                Ok(_) => errors.push(format!(
                    "{origin_name} value does not match required RegEx pattern"
                )),
                Err(_) => errors.push("invalid regular expression".to_owned()),
            },
            _ => errors.push("RegEx validation can only be used with string inputs".to_owned()),
        }
    }
}

/// `coerced_value`: a string input takes `value.to_s`; the others parse a string as JSON when
/// it is JSON (`"3"` is 3, `"true"` is true) and keep any other value as it is.
fn coerced(input_type: InputType, value: &Value) -> Value {
    match (input_type, value) {
        (InputType::String, _) => Value::String(ruby_to_s(value)),
        (_, Value::String(text)) => serde_json::from_str(text).unwrap_or_else(|_| value.clone()),
        _ => value.clone(),
    }
}

/// Ruby's `==` on the JSON values: numbers by value (`1 == 1.0`), the rest structurally.
fn ruby_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(xs), Value::Array(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| ruby_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, value)| y.get(key).is_some_and(|other| ruby_eq(value, other)))
        }
        _ => a == b,
    }
}

/// Ruby's `to_s` of the value Grape hands over: strings as they are, `nil` empty, arrays and
/// hashes as `inspect` writes them.
fn ruby_to_s(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => ruby_inspect(other),
    }
}

/// Ruby's `inspect` (Ruby 3.3's hash syntax, `{"a"=>1}`).
fn ruby_inspect(value: &Value) -> String {
    match value {
        Value::Null => "nil".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.to_string(),
        Value::String(text) => format!("{text:?}"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(ruby_inspect).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let pairs: Vec<String> = map
                .iter()
                .map(|(key, value)| format!("{key:?}=>{}", ruby_inspect(value)))
                .collect();
            format!("{{{}}}", pairs.join(", "))
        }
    }
}

/// Ruby's `Array#join(', ')`, which joins nested arrays' elements too.
fn ruby_join(items: &[&Value]) -> String {
    fn flatten<'a>(value: &'a Value, into: &mut Vec<&'a Value>) {
        match value {
            Value::Array(items) => items.iter().for_each(|item| flatten(item, into)),
            other => into.push(other),
        }
    }
    let mut flat = Vec::new();
    items.iter().for_each(|item| flatten(item, &mut flat));
    flat.into_iter()
        .map(ruby_to_s)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn specs(definitions: Value) -> InputSpecs {
        serde_json::from_value(definitions).expect("input definitions")
    }

    fn values(given: Value) -> InputValues {
        serde_json::from_value(given).expect("input values")
    }

    fn deploy_specs() -> InputSpecs {
        specs(json!({
            "target_env": {"default": "staging", "options": ["staging", "production"]},
            "replicas": {"type": "number", "default": 3, "options": [1, 3, 5]},
            "debug": {"type": "boolean", "default": false},
            "regions": {"type": "array", "default": ["eu"], "options": ["eu", "us", "ap"]},
            "version": {"regex": "^v\\d+\\.\\d+$", "default": "v1.0"},
            "ticket": {}
        }))
    }

    #[test]
    fn nothing_given_stores_nothing_and_undefined_jobs_take_anything() {
        assert_eq!(
            resolve(&deploy_specs(), &InputValues::new()),
            Ok(InputValues::new())
        );
        let anything = values(json!({"x": 1, "y": "two"}));
        assert_eq!(resolve(&InputSpecs::new(), &anything), Ok(anything.clone()));
    }

    #[test]
    fn unknown_names_are_refused_first() {
        let specs = deploy_specs();
        assert_eq!(
            resolve(&specs, &values(json!({"nope": 1, "replicas": "x"}))),
            Err("Unknown input: nope".to_owned())
        );
        assert_eq!(
            resolve(&specs, &values(json!({"b": 1, "a": 2}))),
            Err("Unknown inputs: a, b".to_owned())
        );
    }

    #[test]
    fn valid_values_are_stored_except_those_equal_to_their_default() {
        let given = values(json!({
            "target_env": "production",
            "replicas": 3.0,
            "debug": true,
            "regions": ["eu", "us"],
            "version": "v2.1",
            "ticket": "OPS-1"
        }));
        let stored = resolve(&deploy_specs(), &given).expect("valid");
        assert_eq!(
            stored,
            values(json!({
                "target_env": "production",
                "debug": true,
                "regions": ["eu", "us"],
                "version": "v2.1",
                "ticket": "OPS-1"
            })),
            "replicas 3.0 == the default 3"
        );
    }

    #[test]
    fn strings_are_parsed_for_typed_inputs_and_anything_is_a_string() {
        let given =
            values(json!({"replicas": "5", "debug": "true", "regions": "[\"ap\"]", "ticket": 42}));
        assert_eq!(resolve(&deploy_specs(), &given), Ok(given.clone()));
    }

    #[test]
    fn every_type_error_is_gitlabs() {
        let given = values(json!({"replicas": "many", "debug": "yes", "regions": "eu"}));
        assert_eq!(
            resolve(&deploy_specs(), &given),
            Err("`debug` input: provided value is not a boolean, \
                 `regions` input: provided value is not an array, \
                 `replicas` input: provided value is not a number, \
                 `replicas` input: `many` cannot be used because it is not in the list of the allowed options"
                .to_owned())
        );
    }

    #[test]
    fn options_and_regex_are_checked() {
        let specs = deploy_specs();
        assert_eq!(
            resolve(&specs, &values(json!({"target_env": "qa"}))),
            Err("`target_env` input: `qa` cannot be used because it is not in the list of allowed options".to_owned())
        );
        assert_eq!(
            resolve(&specs, &values(json!({"replicas": 2}))),
            Err("`replicas` input: `2` cannot be used because it is not in the list of the allowed options".to_owned())
        );
        assert_eq!(
            resolve(&specs, &values(json!({"regions": ["eu", "mars", ["moon"]]}))),
            Err("`regions` input: mars, moon cannot be used because it is not in the list of allowed options".to_owned())
        );
        assert_eq!(
            resolve(&specs, &values(json!({"version": "2.1"}))),
            Err("`version` input: provided value does not match required RegEx pattern".to_owned())
        );
    }

    #[test]
    fn required_inputs_need_a_value_and_defaults_are_validated_too() {
        assert_eq!(
            resolve(&deploy_specs(), &values(json!({"ticket": null}))),
            Err("`ticket` input: required value has not been provided".to_owned())
        );
        let bad_default = specs(json!({
            "count": {"type": "number", "default": "lots"},
            "flag": {"type": "boolean", "default": true, "options": [true]},
            "name": {"type": "number", "default": 1, "regex": "^a$"},
            "broken": {"default": "a", "regex": "("}
        }));
        assert_eq!(
            resolve(
                &bad_default,
                &values(json!({"count": 2, "flag": false, "name": 1, "broken": "a"}))
            ),
            Err("`broken` input: invalid regular expression, \
                 `broken` input: invalid regular expression, \
                 `count` input: default value is not a number, \
                 `flag` input: Options can only be used with string and number inputs, \
                 `flag` input: Options can only be used with string and number inputs, \
                 `name` input: RegEx validation can only be used with string inputs, \
                 `name` input: RegEx validation can only be used with string inputs"
                .to_owned())
        );
    }

    #[test]
    fn ruby_renders_values_as_gitlab_shows_them() {
        assert_eq!(ruby_to_s(&json!(["a", 1, null])), r#"["a", 1, nil]"#);
        assert_eq!(ruby_to_s(&json!({"k": true})), r#"{"k"=>true}"#);
        assert_eq!(ruby_to_s(&json!(1.5)), "1.5");
        assert!(ruby_eq(&json!(1), &json!(1.0)));
        assert!(!ruby_eq(&json!("1"), &json!(1)));
    }
}
