//! The errata index: examples of GitLab's documentation that contradict GitLab's real schema,
//! kept verbatim under `openapi/errata/` while the document carries a corrected copy.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use serde_json::Value;

use crate::workspace_root;

/// The errata folder, relative to the workspace root.
pub const DIRECTORY: &str = "openapi/errata";
/// The index file inside it.
pub const INDEX: &str = "errata.yaml";

/// One erratum.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Erratum {
    /// File name of the verbatim original, inside the errata folder.
    pub file: String,
    /// Operation whose example it is.
    pub operation_id: String,
    /// Response status, or `request` for a request body example.
    #[serde(deserialize_with = "status_text")]
    pub status: String,
    /// Documentation edition the original comes from.
    #[serde(default)]
    pub edition: Option<String>,
    /// Name of the corrected example in the document; defaults to the part of `file` after
    /// `<operation_id>__`, without `.json`.
    #[serde(default)]
    pub example: Option<String>,
    /// JSON pointer, inside the original, of the offending value.
    pub pointer: String,
    /// The JSON Schema keyword that the offending value breaks.
    pub keyword: String,
    /// Why the original is wrong.
    pub reason: String,
}

impl Erratum {
    /// Name of the corrected example in the document.
    pub fn example_name(&self) -> Result<String> {
        if let Some(name) = &self.example {
            return Ok(name.clone());
        }
        self.file
            .strip_prefix(&format!("{}__", self.operation_id))
            .and_then(|rest| rest.strip_suffix(".json"))
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("cannot derive the example name from `{}`", self.file))
    }

    /// Path of the verbatim original.
    pub fn path(&self, directory: &Path) -> PathBuf {
        directory.join(&self.file)
    }

    /// Reads the verbatim original as JSON.
    pub fn original(&self, directory: &Path) -> Result<Value> {
        let path = self.path(directory);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {} as JSON", path.display()))
    }
}

/// The errata folder of this workspace.
pub fn directory() -> Result<PathBuf> {
    Ok(workspace_root()?.join(DIRECTORY))
}

/// Reads the index of `directory`. It is a YAML list of errata, or a mapping with the list
/// under `errata`.
pub fn load(directory: &Path) -> Result<Vec<Erratum>> {
    let path = directory.join(INDEX);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let index: Value =
        serde_yaml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let list = match index {
        Value::Array(_) => index,
        Value::Object(mut map) => map
            .remove("errata")
            .ok_or_else(|| anyhow!("{} has no `errata` list", path.display()))?,
        _ => bail!("{} is neither a list nor a mapping", path.display()),
    };
    serde_json::from_value(list)
        .with_context(|| format!("reading the entries of {}", path.display()))
}

fn status_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(text),
        Value::Number(number) => Ok(number.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "status {other} is neither a string nor a number"
        ))),
    }
}
