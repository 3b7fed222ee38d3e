//! Project automation: `cargo xtask <command>`.
//!
//! The OpenAPI document `openapi/gitlab-jobs.yaml` is the single source of truth; this
//! tool turns it into the committed Rust crates and proves they are current.

mod bench;
mod codegen;
mod docs;
mod downstream;
mod files;
mod lint;
mod npm;
mod open_enums;
mod presence;
mod render;
mod server;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  generate   regenerate the types, client and server crates, the contract crate's copy of
             the document and the API documentation page from openapi/gitlab-jobs.yaml, and
             examples/downstream/Cargo.lock from the workspace's Cargo.lock
  check      fail (with a diff) when the committed generated files are stale
  docs       render the API documentation page (crates/gitlab-jobs-reference/assets/api-docs.html,
             served at / by the reference server) from the document and its errata
  lint       lint the OpenAPI document with Redocly CLI (installed into .tools/ on first use)
  bench      benchmark the reference server against a bare axum ceiling (Markdown report)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("generate") => generate(&root),
        Some("check") => check(&root),
        Some("docs") => docs::run(&root),
        Some("lint") => lint::run(&root),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprint!("error: unknown command `{other}`\n\n{USAGE}");
            return ExitCode::from(2);
        }
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn workspace_root() -> PathBuf {
    // xtask/Cargo.toml sits one level below the workspace root. `cargo run` sets the variable
    // at run time; prefer it to the compile-time value, so that a binary built from another
    // checkout sharing the target directory still works on this one.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The cargo that runs this xtask (`CARGO`, set by `cargo run`), so that child builds use the
/// same toolchain; plain `cargo` otherwise.
pub(crate) fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Every file generated from the document: the three crates and the documentation page.
fn generated_files(root: &Path) -> anyhow::Result<Vec<files::Output>> {
    let mut outputs = codegen::generate_all(root)?;
    outputs.push(docs::generate(root)?);
    Ok(outputs)
}

fn generate(root: &Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let outputs = generated_files(root)?;
    let written = files::write_all(root, &outputs)?;
    downstream::write_lock(root)?;
    println!(
        "generated {} files ({} changed) in {:.2?}",
        outputs.len(),
        written,
        started.elapsed()
    );
    Ok(())
}

fn check(root: &Path) -> anyhow::Result<()> {
    let outputs = generated_files(root)?;
    let stale = files::diff_all(root, &outputs)?;
    downstream::check_lock(root)?;
    if stale.is_empty() {
        println!("generated files are up to date ({} files)", outputs.len());
        return Ok(());
    }
    for diff in &stale {
        print!("{diff}");
    }
    anyhow::bail!(
        "{} generated file(s) are stale: run `cargo xtask generate` and commit the result",
        stale.len()
    )
}
