//! Loading the OpenAPI document.

use std::path::Path;

use anyhow::Context;
use serde_yaml::Value;

/// Where the document lives, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/gitlab-jobs.yaml";

/// The document's text, as written.
pub fn read(root: &Path) -> anyhow::Result<String> {
    let path = root.join(SPEC_PATH);
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

pub fn load(root: &Path) -> anyhow::Result<openapiv3::OpenAPI> {
    let mut document: Value = serde_yaml::from_str(&read(root)?)
        .with_context(|| format!("parsing {} as YAML", SPEC_PATH))?;
    drop_parameter_exclusions(&mut document);
    serde_yaml::from_value(document)
        .with_context(|| format!("parsing {} as OpenAPI 3.0", SPEC_PATH))
}

/// Removes `not` from the schemas of the shared parameters (`per_page`'s `not: {enum: [0]}`,
/// Grape's `except_values: [0]`). It only excludes values: no Rust type carries it, and
/// `openapiv3` would read a schema with `not` as a bare `not`, losing its `type`. Clients and
/// validators of the document see it; the server runtime enforces it by hand
/// (`gitlab-jobs-server`'s `support::input`).
fn drop_parameter_exclusions(document: &mut Value) {
    let Some(parameters) = document
        .get_mut("components")
        .and_then(|components| components.get_mut("parameters"))
        .and_then(Value::as_mapping_mut)
    else {
        return;
    };
    for parameter in parameters.values_mut() {
        if let Some(schema) = parameter.get_mut("schema").and_then(Value::as_mapping_mut) {
            schema.remove("not");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_exclusions_are_dropped_and_the_type_kept() {
        let mut document: Value = serde_yaml::from_str(
            "components:\n  parameters:\n    PerPage:\n      name: per_page\n      in: query\n      schema:\n        type: integer\n        not:\n          enum: [0]\n",
        )
        .expect("YAML");
        drop_parameter_exclusions(&mut document);
        let schema = &document["components"]["parameters"]["PerPage"]["schema"];
        assert_eq!(schema.get("not"), None);
        assert_eq!(schema["type"], Value::from("integer"));
    }

    #[test]
    fn the_real_per_page_excludes_zero_for_validators() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(root.join(SPEC_PATH)).expect("the document");
        let document: Value = serde_yaml::from_str(&text).expect("YAML");
        let not = &document["components"]["parameters"]["PerPage"]["schema"]["not"];
        assert_eq!(not["enum"][0], Value::from(0));
        load(&root).expect("the document loads for the generators");
    }
}
