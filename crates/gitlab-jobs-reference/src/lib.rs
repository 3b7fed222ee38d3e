//! A GitLab-faithful reference implementation of the REST Jobs API (v4).
//!
//! The folders follow a request: [`http`] → [`service`] → {[`service::auth`], [`rules`],
//! [`store`], [`service::present`]}.
//! - [`http`]: the generated router with its request log and graceful shutdown, and
//!   [`Reference`] (`http::adapter`), the generated `JobsApi` trait answered by the service;
//!   beside the API, its documentation (`/`, `/openapi.yaml`: [`http::docs`]) and faults on
//!   demand ([`http::faults`]).
//! - [`service`]: [`JobsService`], one method per API operation, in GitLab's order of checks;
//!   beside it who is asking ([`service::auth`]), GitLab's error bodies
//!   ([`service::error_bodies`], [`ApiError`]) and the API entities
//!   ([`service::present`], `web_url`s included).
//! - [`rules`]: GitLab's job state machine and predicates as pure functions.
//! - [`model`]: domain types (users, projects, pipelines, builds and bridges, artifacts).
//! - [`store`]: persistence behind the [`Store`] trait, one transaction per use case;
//!   [`SqliteStore`] implements it on embedded SQLite, [`PostgresStore`] on a PostgreSQL
//!   database that several server instances share; [`open_store`] opens the one a database
//!   URL names.
//! - [`cli`]: the `serve` command ([`serve()`], [`ServeOptions`]), what it loads and the
//!   banner it prints.
//! - [`simulation`]: built-in runners that run pending jobs (`serve --simulate-runners N`).
//! - [`TestServer`]: a live server for downstream tests; [`TestRunner`] drives its runner
//!   endpoints step by step.
//! - [`fixtures`]: the JSON fixture format (with its JSON Schema) and its validation;
//!   [`demo`]: deterministic demo data (its tokens in [`demo::tokens`]); [`archive`]:
//!   artifacts zip archives.
//!
//! Where a rule comes from GitLab, the comment names the GitLab source file it follows
//! (`lib/api/ci/jobs.rb`, `app/models/ci/build.rb`, …, in GitLab's own repository).

pub mod archive;
pub mod cli;
pub mod demo;
pub mod fixtures;
pub mod http;
pub mod model;
pub mod rules;
pub mod service;
pub mod simulation;
pub mod store;
mod test_runner;
mod test_server;

pub use cli::{ServeOptions, serve};
pub use fixtures::Fixtures;
pub use http::adapter::Reference;
pub use service::{ApiError, JobsService};
pub use store::{PostgresStore, SqliteStore, Store, open_store};
pub use test_runner::{Outcome, RunningJob, TestRunner};
pub use test_server::{TestServer, TestServerBuilder};

#[cfg(test)]
mod test_support;
