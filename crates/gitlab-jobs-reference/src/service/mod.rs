//! The operations of the Jobs API, one method each (named after the OpenAPI operationIds),
//! doing what GitLab's endpoint does in GitLab's order: authenticate, find the project,
//! authorize, find the job, check the state, act, present. The `JobsApi` adapter only
//! translates requests into these calls and results into response variants.
//!
//! The methods are synchronous (the store is); an async caller runs them with
//! `tokio::task::spawn_blocking`.

mod artifacts;
pub mod auth;
pub mod cache;
pub mod error_bodies;
mod jobs;
mod lists;
pub mod present;
mod runner;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use self::auth::{Ability, Actor, Credentials, ProjectAccess, Route};
use self::cache::{Cache, Reads};
pub use self::error_bodies::ApiError;
use self::present::Presenter;
use crate::model::{Id, Job, JobDetails, JobKind, JobStatus};
use crate::store::{DataVersion, Store};

pub use artifacts::Download;
pub use jobs::Trace;
pub use lists::PipelineJobsQuery;
pub use runner::RunnerJobAnswer;

/// Where "now" comes from: the system clock, or a fixed time in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The service of one server instance; clones share its store and its cache.
#[derive(Clone)]
pub struct JobsService {
    store: Arc<dyn Store>,
    cache: Arc<Cache>,
    base_url: String,
    clock: Clock,
}

impl JobsService {
    /// `base_url` is the instance URL that `web_url`s start with (`https://gitlab.example.com`).
    pub fn new(store: Arc<dyn Store>, base_url: &str) -> JobsService {
        JobsService::with_clock(store, base_url, Arc::new(Utc::now))
    }

    pub fn with_clock(store: Arc<dyn Store>, base_url: &str, clock: Clock) -> JobsService {
        JobsService {
            store,
            cache: Arc::new(Cache::new()),
            base_url: base_url.trim_end_matches('/').to_owned(),
            clock,
        }
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    fn presenter(&self) -> Presenter {
        Presenter {
            base_url: self.base_url.clone(),
            now: self.now(),
        }
    }

    /// Runs a use case's reads at data version `version`, which the caller has just read
    /// (with the store's [`VersionProbe`](crate::store::VersionProbe)); `None`: read it now.
    pub fn at<T>(
        &self,
        version: Option<DataVersion>,
        use_case: impl FnOnce(&Reads<'_>) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        match version {
            Some(version) => use_case(&self.cache.reads_at(self.store(), version)),
            None => use_case(&self.reads()?),
        }
    }

    /// [`JobsService::at`] from memory alone, without a call to the store (so on an async
    /// thread): `None` when the cache does not hold everything the answer needs; the caller
    /// then runs the use case with [`JobsService::at`], at the same version.
    pub fn in_memory<T>(
        &self,
        version: DataVersion,
        use_case: impl FnOnce(&Reads<'_>) -> Result<T, ApiError>,
    ) -> Option<Result<T, ApiError>> {
        let reads = self.cache.in_memory(version);
        let answer = use_case(&reads);
        (!reads.missed()).then_some(answer)
    }

    /// A request's reads, through the cache (`cache.rs`): begins with reading the data version.
    fn reads(&self) -> Result<Reads<'_>, ApiError> {
        Ok(self.cache.reads(self.store())?)
    }

    fn authenticate(&self, credentials: &Credentials, route: Route) -> Result<Actor, ApiError> {
        auth::authenticate(&self.reads()?, credentials, route, self.now())
    }

    /// Authenticates for `route` and finds the project the path names.
    fn project_access(
        &self,
        credentials: &Credentials,
        route: Route,
        project: &str,
    ) -> Result<ProjectAccess, ApiError> {
        self.project_access_in(&self.reads()?, credentials, route, project)
    }

    /// [`JobsService::project_access`] with reads the caller goes on with.
    fn project_access_in(
        &self,
        reads: &Reads<'_>,
        credentials: &Credentials,
        route: Route,
        project: &str,
    ) -> Result<ProjectAccess, ApiError> {
        let actor = auth::authenticate(reads, credentials, route, self.now())?;
        auth::find_project(reads, &actor, project)
    }

    /// `find_build!` (`kind` = build) or `find_job!` (`None`: builds and bridges):
    /// `404 Not found` when the project has no such job.
    fn find_job(
        &self,
        access: &ProjectAccess,
        job_id: Id,
        kind: Option<JobKind>,
    ) -> Result<JobDetails, ApiError> {
        found(self.store().job_of(&access.project, job_id)?, kind)
    }

    /// The acting user's id; the routes that change jobs always have one.
    fn actor_id(access: &ProjectAccess) -> Result<Id, ApiError> {
        access.actor.user_id().ok_or_else(ApiError::unauthorized)
    }

    /// The build a route of `lib/api/ci/jobs.rb` or `job_artifacts.rb` works on, in GitLab's
    /// order: authenticate for `route`, find the project, `authorize!(ability, project)`, then
    /// `find_build!`.
    fn authorized_build(
        &self,
        credentials: &Credentials,
        route: Route,
        project: &str,
        ability: Ability,
        job_id: Id,
    ) -> Result<(ProjectAccess, JobDetails), ApiError> {
        let access = self.project_access(credentials, route, project)?;
        access.authorize(ability, None)?;
        let details = self.find_job(&access, job_id, Some(JobKind::Build))?;
        Ok((access, details))
    }

    /// A change by the acting user to a job the caller can see (`kind`: builds only, or
    /// `None` for builds and bridges): `ability` on the job, then `change` with the store, the
    /// job as found (for the checks GitLab makes of it before changing anything), the actor's
    /// id and the time.
    fn act_on_job(
        &self,
        access: &ProjectAccess,
        job_id: Id,
        kind: Option<JobKind>,
        ability: Ability,
        change: impl FnOnce(&dyn Store, &Job, Id, DateTime<Utc>) -> Result<JobDetails, ApiError>,
    ) -> Result<JobDetails, ApiError> {
        let details = self.find_job(access, job_id, kind)?;
        access.authorize(ability, Some(&details.job))?;
        let actor = Self::actor_id(access)?;
        change(self.store(), &details.job, actor, self.now())
    }
}

/// The job found, if it is of `kind` (`None`: any); else `404 Not found`.
fn found(details: Option<JobDetails>, kind: Option<JobKind>) -> Result<JobDetails, ApiError> {
    details
        .filter(|details| kind.is_none_or(|kind| details.job.kind == kind))
        .ok_or_else(ApiError::record_not_found)
}

/// Parses `scope` values, refusing unknown ones as Grape's `values:` check does.
pub fn parse_scope<S: AsRef<str>>(values: &[S]) -> Result<Vec<JobStatus>, ApiError> {
    values
        .iter()
        .map(|value| {
            value
                .as_ref()
                .parse()
                .map_err(|_| ApiError::invalid_scope())
        })
        .collect()
}

#[cfg(test)]
mod tests;
