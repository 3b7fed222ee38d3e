//! End-to-end tests of the `gitlab-jobs` binary against the reference server: each test runs
//! the built program as a user would and checks its output and exit code.

mod act;
mod artifacts;
mod list;
mod record;
mod show;
mod support;
mod terminal;
mod trace;
mod verify;
