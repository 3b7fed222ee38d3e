//! Contract tests support: the OpenAPI document of the GitLab Jobs API, its examples, and ways
//! to break them. Loading the document, converting its schemas to JSON Schema and checking
//! responses are the `gitlab-jobs-contract` crate's (re-exported here as `spec`, `convert`,
//! `validate`, `operations`, `pointer` and `conformance`).
//!
//! ```no_run
//! use gitlab_jobs_contract_tests::{Spec, Validators, examples};
//! let spec = gitlab_jobs_contract_tests::load_spec()?;
//! let validators = Validators::new(&spec)?;
//! for example in examples::all(&spec)? {
//!     let schema = example.schema_pointer.as_deref().expect("every example has a schema");
//!     validators.validate(schema, example.value)?.expect("the example is valid");
//! }
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod errata;
pub mod examples;
pub mod mutate;
pub mod report;
pub mod shape;
pub mod wire;

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

pub use examples::Example;
pub use gitlab_jobs_contract::{
    Operation, Parameter, Response, Spec, Validators, Violation, conformance, convert, operations,
    pointer, spec, validate,
};

/// The root of this workspace: the parent of this crate's manifest directory.
pub fn workspace_root() -> Result<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| anyhow!("CARGO_MANIFEST_DIR has no parent"))
}

/// Reads `openapi/gitlab-jobs.yaml` of this workspace: the source of truth, which the tests
/// check (the contract crate compiles in a copy that `cargo xtask check` keeps identical).
pub fn load_spec() -> Result<Spec> {
    Spec::load_from(&workspace_root()?.join(spec::DOCUMENT))
}
