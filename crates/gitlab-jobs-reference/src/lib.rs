//! A GitLab-faithful reference implementation of the REST Jobs API (v4).
//!
//! Layers, each usable on its own:
//! - [`model`]: domain types (users, projects, pipelines, builds and bridges, artifacts).
//! - [`rules`]: GitLab's job state machine and predicates as pure functions.
//! - [`store`]: persistence behind the [`Store`] trait, one transaction per use case;
//!   [`SqliteStore`] implements it on embedded SQLite, [`PostgresStore`] on a PostgreSQL
//!   database that several server instances share.
//! - [`auth`]: tokens to actors, project visibility and access levels.
//! - [`errors`]: [`ApiError`], GitLab's exact error bodies.
//! - [`present`]: the API entities as JSON.
//! - [`service`]: [`JobsService`], one method per API operation, in GitLab's order of checks.
//! - [`fixtures`]: the JSON fixture format (with its JSON Schema) and its validation.
//! - [`archive`]: artifacts zip archives. [`demo`]: deterministic demo data (its tokens in
//!   [`demo::tokens`]).
//! - [`api`]: [`Reference`], the generated `JobsApi` trait implemented by [`JobsService`].
//! - [`database`]: [`open_store`], the store a database URL names.
//! - [`server`]: the router with its request log, the API documentation (`/`,
//!   `/openapi.yaml`), faults on demand ([`server::faults`]), and graceful shutdown;
//!   [`serve`](mod@serve):
//!   the `serve` command ([`serve()`], [`ServeOptions`]); [`TestServer`]: a live server for
//!   tests.
//!
//! Where a rule comes from GitLab, the comment names the GitLab source file
//! (see `/work/shared/gitlab-behaviour.md`).

pub mod api;
pub mod archive;
pub mod auth;
pub mod database;
pub mod demo;
pub mod errors;
pub mod fixtures;
pub mod model;
pub mod present;
pub mod rules;
pub mod serve;
pub mod server;
pub mod service;
pub mod store;
mod test_server;

pub use api::Reference;
pub use database::open_store;
pub use errors::ApiError;
pub use fixtures::Fixtures;
pub use serve::{ServeOptions, serve};
pub use service::JobsService;
pub use store::{PostgresStore, SqliteStore, Store};
pub use test_server::TestServer;

#[cfg(test)]
mod test_support;
