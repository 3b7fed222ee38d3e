//! The tokens of the demo data set ([`demo_fixtures`](super::demo_fixtures)), so that tests
//! and curl sessions can authenticate without reading the fixture.
//!
//! Personal access tokens go in `PRIVATE-TOKEN` (or `Authorization: Bearer`); the job token in
//! `JOB-TOKEN`. The demo projects are `acme/backend` (id 1, private, every access level),
//! `acme/website` (2, public), `acme/docs` (3, internal), `acme/infra` (4, private) and
//! `demo/load` (5, private, filled by `--demo-jobs`).

/// `root`: owner of `acme/backend`, `acme/docs`, `acme/infra` and `demo/load`.
pub const OWNER: &str = "demo-root-token";
/// `alice`: maintainer of `acme/backend`, `acme/website`, `acme/infra` and `demo/load`.
pub const MAINTAINER: &str = "demo-alice-token";
/// `bob`: developer in `acme/backend`, `acme/website` and `demo/load`; triggered most jobs.
pub const DEVELOPER: &str = "demo-bob-token";
/// `carol`: reporter in `acme/backend` and `demo/load` (reads jobs, may not act on them).
pub const REPORTER: &str = "demo-carol-token";
/// `dave`: guest in `acme/backend` (may not read its jobs: 403).
pub const GUEST: &str = "demo-dave-token";
/// `erin`: a signed-in user who is a member of nothing (private projects answer 404).
pub const OUTSIDER: &str = "demo-erin-token";
/// `frank`: developer in `acme/docs` only.
pub const DOCS_DEVELOPER: &str = "demo-frank-token";
/// Bob's token that expired on 2024-01-01 (`401 invalid_token`, "Token is expired. You can either do re-authorization or token refresh.").
pub const EXPIRED: &str = "demo-expired-token";
/// Bob's revoked token (`401 invalid_token`).
pub const REVOKED: &str = "demo-revoked-token";
/// The CI job token of the running job 13 (`rspec` in `acme/backend`, triggered by bob).
pub const RUNNING_JOB: &str = "demo-running-job-token";

/// The instance runner `shared-runner-1` (id 1; tags `docker`, `linux`; runs untagged builds
/// too): its authentication token for `POST /jobs/request`.
pub const RUNNER: &str = "glrt-demo-shared-runner-token";
/// The project runner `backend-docker` (id 2) of `acme/backend` (tag `docker`).
pub const PROJECT_RUNNER: &str = "glrt-demo-backend-runner-token";
/// The group runner `acme-group-runner` (id 3) of the `acme` group (id 10).
pub const GROUP_RUNNER: &str = "glrt-demo-group-runner-token";
/// The paused instance runner `retired-arm64` (id 4): always answered 204.
pub const PAUSED_RUNNER: &str = "glrt-demo-paused-runner-token";
