//! The reference server through the generated client, against `TestServer::demo()`: every
//! operation, state changes, pagination, the auth matrix, the server's life cycle and the
//! `serve` binary. One test binary (modules), so the crate links once.

mod actions;
mod artifacts;
mod auth;
mod binary;
mod docs;
mod faults;
mod fidelity;
mod gitlab_source;
mod lifecycle;
mod pagination;
mod permissions;
mod reads;
mod runner;
mod simulation;
mod support;
