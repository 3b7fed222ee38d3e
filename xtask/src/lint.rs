//! `cargo xtask lint`: lint `openapi/gitlab-jobs.yaml` with Redocly CLI.
//!
//! Redocly is installed on first use into `<root>/.tools/redocly` (git-ignored) with npm, pinned to
//! [`REDOCLY_VERSION`], and run as
//! `redocly lint openapi/gitlab-jobs.yaml --config redocly.yaml` from the workspace root.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::npm::Tool;

/// The pinned `@redocly/cli` version.
pub const REDOCLY_VERSION: &str = "2.77.0";

/// The OpenAPI document, relative to the workspace root.
pub const SPEC: &str = "openapi/gitlab-jobs.yaml";

/// The Redocly configuration, relative to the workspace root.
pub const CONFIG: &str = "redocly.yaml";

/// Installs Redocly if needed and lints the OpenAPI document; fails when Redocly reports errors.
pub fn run(root: &Path) -> Result<()> {
    let redocly = ensure_redocly(root)?;
    println!(
        "running {} lint {SPEC} --config {CONFIG}",
        redocly.display()
    );
    let status = Command::new(&redocly)
        .args(["lint", SPEC, "--config", CONFIG])
        .current_dir(root)
        .status()
        .with_context(|| format!("failed to run {}", redocly.display()))?;
    if !status.success() {
        bail!(
            "redocly lint failed ({status}): fix {SPEC} or, for a warning, disable the rule with a reason in {CONFIG}"
        );
    }
    Ok(())
}

/// Redocly CLI, pinned.
pub const REDOCLY: Tool = Tool {
    dir: "redocly",
    package: "@redocly/cli",
    version: REDOCLY_VERSION,
    bin: "redocly",
    needed_by: "cargo xtask lint",
};

/// Returns the path of the `redocly` executable under `<root>/.tools/redocly`, installing it first if missing.
pub fn ensure_redocly(root: &Path) -> Result<PathBuf> {
    REDOCLY.ensure(root)
}
