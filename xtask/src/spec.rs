//! Loading the OpenAPI document.

use std::path::Path;

use anyhow::Context;

/// Where the document lives, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/gitlab-jobs.yaml";

/// The document's text, as written.
pub fn read(root: &Path) -> anyhow::Result<String> {
    let path = root.join(SPEC_PATH);
    std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
}

pub fn load(root: &Path) -> anyhow::Result<openapiv3::OpenAPI> {
    serde_yaml::from_str(&read(root)?)
        .with_context(|| format!("parsing {} as OpenAPI 3.0", SPEC_PATH))
}
