//! npm-packaged tools the xtasks run (Redocly for `lint`, Prism for `bench`): each installed on
//! first use into `<root>/.tools/<dir>` (git-ignored), pinned to one version, never globally.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// One pinned npm package and the executable it provides.
pub struct Tool {
    /// The folder under `.tools/`.
    pub dir: &'static str,
    pub package: &'static str,
    pub version: &'static str,
    pub bin: &'static str,
    /// The xtask that needs it, for the error message.
    pub needed_by: &'static str,
}

impl Tool {
    /// The path of the tool's executable, installing the package first if it is missing.
    pub fn ensure(&self, root: &Path) -> Result<PathBuf> {
        let Tool {
            dir,
            package,
            version,
            bin,
            needed_by,
        } = self;
        let prefix = root.join(".tools").join(dir);
        let executable = prefix
            .join("node_modules")
            .join(".bin")
            .join(if cfg!(windows) {
                format!("{bin}.cmd")
            } else {
                (*bin).to_owned()
            });
        if executable.is_file() {
            return Ok(executable);
        }
        let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
        let npm_found = Command::new(npm)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !npm_found {
            bail!(
                "`npm` was not found on PATH; it is needed once to install {package}@{version} into {} \
                 (install Node.js >= 20.19 with npm, then rerun `{needed_by}`)",
                prefix.display()
            );
        }
        std::fs::create_dir_all(&prefix)
            .with_context(|| format!("failed to create {}", prefix.display()))?;
        println!("installing {package}@{version} into {}", prefix.display());
        let status = Command::new(npm)
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .arg("--no-audit")
            .arg("--no-fund")
            .arg(format!("{package}@{version}"))
            .current_dir(root)
            .status()
            .context("failed to run `npm install`")?;
        if !status.success() {
            bail!(
                "`npm install --prefix {} {package}@{version}` failed ({status})",
                prefix.display()
            );
        }
        if !executable.is_file() {
            bail!("npm finished but {} does not exist", executable.display());
        }
        Ok(executable)
    }
}
