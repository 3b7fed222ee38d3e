//! The OpenAPI document (compiled in, or read from a file) and resolution of local `$ref`s.
//!
//! The document is kept as a plain `serde_json::Value`: `openapiv3` does not round-trip
//! (it drops unknown keys and normalises others), and contract checks must see what is written.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

use crate::pointer;

/// Path of the document, relative to the workspace root.
pub const DOCUMENT: &str = "openapi/gitlab-jobs.yaml";

/// The text of `openapi/gitlab-jobs.yaml`, compiled in. The crate holds its own copy (the one
/// file `cargo package` can ship); `cargo xtask generate` writes it and `cargo xtask check`
/// fails when it differs from the workspace's document.
pub const EMBEDDED_TEXT: &str = include_str!("../openapi/gitlab-jobs.yaml");

static EMBEDDED: LazyLock<Result<Spec, String>> = LazyLock::new(|| {
    Spec::parse(
        EMBEDDED_TEXT,
        Path::new("<compiled-in openapi/gitlab-jobs.yaml>"),
    )
    .map_err(|error| format!("{error:#}"))
});

/// `$ref` chains longer than this are treated as cycles.
const MAX_REF_HOPS: usize = 32;

/// The OpenAPI document as JSON.
#[derive(Debug, Clone)]
pub struct Spec {
    doc: Value,
    source: PathBuf,
}

impl Spec {
    /// The compiled-in `openapi/gitlab-jobs.yaml`, parsed once per process.
    pub fn embedded() -> Result<&'static Spec> {
        EMBEDDED.as_ref().map_err(|error| anyhow!("{error}"))
    }

    /// Reads a YAML (or JSON, a subset of YAML) OpenAPI document from `path`.
    pub fn load_from(path: &Path) -> Result<Spec> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Spec::parse(&text, path)
    }

    /// Parses the text of a YAML (or JSON) OpenAPI document; `source` names it in messages.
    pub fn parse(text: &str, source: &Path) -> Result<Spec> {
        let doc: Value = serde_yaml::from_str(text)
            .with_context(|| format!("parsing {} as YAML", source.display()))?;
        if !doc.is_object() {
            bail!("{} is not a YAML mapping", source.display());
        }
        Ok(Spec {
            doc,
            source: source.to_path_buf(),
        })
    }

    /// Wraps an in-memory document (fixtures in unit tests).
    pub fn from_value(doc: Value) -> Spec {
        Spec {
            doc,
            source: PathBuf::from("<memory>"),
        }
    }

    /// The whole document.
    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// Where the document was read from.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// The value at a JSON pointer (`""` is the whole document).
    pub fn get(&self, pointer: &str) -> Result<&Value> {
        self.doc.pointer(pointer).ok_or_else(|| {
            anyhow!(
                "{} has nothing at `{}`",
                self.source.display(),
                pointer::display(pointer)
            )
        })
    }

    /// Follows `$ref` from the object at `pointer` until a non-reference object is reached.
    ///
    /// Returns the pointer of the final object and the object itself. Siblings of `$ref`
    /// are ignored, as OpenAPI 3.0 requires.
    pub fn resolve(&self, pointer: &str) -> Result<(String, &Value)> {
        let mut at = pointer.to_owned();
        for _ in 0..MAX_REF_HOPS {
            let value = self.get(&at)?;
            match value.get("$ref") {
                None => return Ok((at, value)),
                Some(reference) => {
                    let target =
                        ref_target(reference).with_context(|| format!("`$ref` at `{at}`"))?;
                    at = target.to_owned();
                }
            }
        }
        bail!("`$ref` chain from `{pointer}` is longer than {MAX_REF_HOPS} hops (a cycle?)")
    }

    /// Every `$ref` in the document as (pointer of the object holding it, reference string).
    ///
    /// Example payloads are skipped: they are data, and a `$ref` key inside one is not a
    /// reference.
    pub fn refs(&self) -> Vec<(String, Value)> {
        let mut found = Vec::new();
        collect_refs(&self.doc, "", &mut found);
        found
    }
}

/// The JSON pointer a local `$ref` string points to (`#/a/b` → `/a/b`).
pub fn ref_target(reference: &Value) -> Result<&str> {
    let text = reference
        .as_str()
        .ok_or_else(|| anyhow!("`$ref` is not a string: {reference}"))?;
    let fragment = text.strip_prefix('#').ok_or_else(|| {
        anyhow!("`$ref: {text}` is not local (only `#/...` references are supported)")
    })?;
    if fragment.contains('%') {
        bail!("`$ref: {text}` is percent-encoded, which this checker does not decode");
    }
    Ok(fragment)
}

fn collect_refs(value: &Value, at: &str, found: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                found.push((at.to_owned(), reference.clone()));
            }
            let in_example = at.ends_with("/examples") || at.contains("/examples/");
            for (key, child) in map {
                let is_payload = key == "example" || (key == "value" && in_example);
                if !is_payload {
                    collect_refs(child, &pointer::join(at, key), found);
                }
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_refs(child, &pointer::join_index(at, index), found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resolves_chains_and_reports_dangling_refs() {
        let spec = Spec::from_value(json!({
            "components": {
                "responses": {"A": {"$ref": "#/components/responses/B"}, "B": {"description": "b"}},
                "schemas": {"C": {"$ref": "#/components/schemas/Missing"}}
            },
            "x": {"examples": {"e": {"value": {"$ref": "not a reference"}}}}
        }));
        let (at, value) = spec
            .resolve("/components/responses/A")
            .expect("chain resolves");
        assert_eq!(at, "/components/responses/B");
        assert_eq!(value["description"], "b");
        assert!(spec.resolve("/components/schemas/C").is_err());
        assert_eq!(
            spec.refs().len(),
            2,
            "the example payload's `$ref` key is data"
        );
    }
}
