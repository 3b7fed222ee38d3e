//! The lock file of `examples/downstream`, the crate outside the workspace that uses the
//! published crates as a user's crate would. It has its own `Cargo.lock` (CI builds it with
//! `--locked`), which goes stale whenever the workspace gains or updates a dependency; it is
//! derived from the workspace's lock file, so that both build with the same versions.

use std::path::Path;
use std::process::Stdio;

use anyhow::{Context, bail};

const MANIFEST: &str = "examples/downstream/Cargo.toml";
const LOCK: &str = "examples/downstream/Cargo.lock";

/// `generate`: the workspace's lock file, pruned by cargo to what the example needs.
pub fn write_lock(root: &Path) -> anyhow::Result<()> {
    std::fs::copy(root.join("Cargo.lock"), root.join(LOCK))
        .with_context(|| format!("copying Cargo.lock to {LOCK}"))?;
    metadata(root, false).with_context(|| format!("pruning {LOCK}"))
}

/// `check`: fails when cargo would have to change the example's lock file.
pub fn check_lock(root: &Path) -> anyhow::Result<()> {
    if metadata(root, true).is_err() {
        bail!(
            "{LOCK} is stale: the workspace's dependencies changed since it was written \
             (CI builds the example with --locked). Run `cargo xtask generate` and commit the result"
        );
    }
    Ok(())
}

fn metadata(root: &Path, locked: bool) -> anyhow::Result<()> {
    let mut command = crate::cargo();
    command.args([
        "metadata",
        "--format-version",
        "1",
        "--manifest-path",
        MANIFEST,
    ]);
    if locked {
        command.arg("--locked");
    }
    let output = command
        .current_dir(root)
        .stdout(Stdio::null())
        .output()
        .context("running cargo metadata")?;
    if !output.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}
