//! Persistence behind a trait. Each use-case method is one transaction, so the store (and not
//! its caller) guarantees that concurrent requests see GitLab's state machine: fifty
//! simultaneous retries of one job create exactly one new job.
//!
//! Access control is not the store's business: the service checks who may do what
//! (`crate::service::auth`) before it calls these methods. [`open_store`] opens the store a
//! database URL names.

/// SQL (the same on both engines) for whether the pipeline row `$p` has its artifacts locked
/// (`Ci::Pipeline#artifacts_locked?`, the `locked` enum of app/models/ci/pipeline.rb).
///
/// GitLab creates pipelines `artifacts_locked` (the column's default) and unlocks them from
/// `after_transition any => UNLOCKABLE_STATUSES` (completed statuses + `manual`):
/// `Ci::Refs::UnlockPreviousPipelinesWorker` takes the ref's
/// `last_unlockable_ci_source_pipeline` (app/models/ci/ref.rb: its newest pipeline in such a
/// status) and `Ci::Refs::EnqueuePipelinesToUnlockService` unlocks every locked pipeline of the
/// ref before it, except that pipeline's own parent/child family. So a pipeline stays locked
/// until a newer pipeline of the same project and ref reaches an unlockable status; the latest
/// pipeline of each ref keeps its artifacts past their expiry. Derived here when a pipeline
/// is read rather than stored: fixtures and demo data then get the state GitLab's workers
/// would have left, with no extra write on a status change. Child pipelines
/// (`source = 'parent_pipeline'`) never unlock: they share their parent's ref and family.
/// Where this differs from GitLab: a newer pipeline that is retried back to running locks the
/// older ones again here, where GitLab never re-locks.
macro_rules! artifacts_locked_sql {
    ($p:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pipelines newer WHERE newer.project_id = ",
            $p,
            ".project_id AND newer.ref = ",
            $p,
            ".ref AND newer.status IN ('success', 'failed', 'canceled', 'skipped', 'manual') \
             AND newer.id > ",
            $p,
            ".id AND coalesce(newer.source, '') <> 'parent_pipeline')"
        )
    };
}
pub(crate) use artifacts_locked_sql;

/// How many of a ref's newest successful pipelines `search_recent_successful_pipelines`
/// searches: "up to 100 recent successful pipelines for the specified ref" (GitLab's
/// doc/api/job_artifacts.md, "Download job artifacts by reference name", GitLab 18.7+).
pub const RECENT_SUCCESSFUL_PIPELINES: i64 = 100;

/// Which build a by-ref artifacts route serves (lib/api/ci/job_artifacts.rb,
/// `':id/jobs/artifacts/:ref_name/download'` and `.../raw/*artifact_path`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefBuild {
    /// `Project#latest_successful_build_for_ref`: in the newest successful pipeline of the
    /// ref (and its same-project child pipelines), the latest build with this name whose
    /// archive can be downloaded at `now`.
    LatestSuccessful,
    /// `Ci::Build.latest_with_artifacts_for_ref` (`search_recent_successful_pipelines=true`):
    /// the latest build with this name whose archive still exists in the
    /// [`RECENT_SUCCESSFUL_PIPELINES`] newest successful pipelines of the ref, newest pipeline
    /// first.
    LatestWithArtifacts,
}

mod backend;
mod error;
mod hydrate;
pub mod open;
mod page;
mod pool;
pub mod postgres;
pub mod probe;
mod record;
mod runner_use_cases;
pub mod sqlite;
mod use_cases;
mod version;

use chrono::{DateTime, Utc};

pub use self::open::open_store;
pub use self::postgres::PostgresStore;
pub use error::StoreError;
pub(crate) use page::IdWindow;
pub use page::{Cursor, MAX_COUNT, MAX_PER_PAGE, Page, PageInfo, Pagination};
pub use probe::VersionProbe;
pub use record::{ImportSummary, PersonalAccessToken, Record, RegisteredRunner};
pub use runner_use_cases::{JobRequest, QUEUE_WINDOW, RunnerUpdate, StartedJob, TraceAppend};
pub use sqlite::SqliteStore;
pub use version::{Changed, DataVersion};

use std::sync::Arc;

use crate::fixtures::Fixtures;
use crate::model::{
    AgentAuthorization, Id, InputValues, Job, JobDetails, JobKind, JobScript, JobStatus,
    JobVariable, Pipeline, Project, User,
};

/// How a request names a project: `find_project` (`lib/api/helpers.rb`) reads a number as an
/// id and anything with a `/` as a full path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectKey<'a> {
    Id(Id),
    Path(&'a str),
}

impl<'a> ProjectKey<'a> {
    /// `None` for values GitLab never finds (neither a number nor a path): those are 404.
    pub fn parse(raw: &'a str) -> Option<ProjectKey<'a>> {
        if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
            return raw.parse().ok().map(ProjectKey::Id);
        }
        raw.contains('/').then_some(ProjectKey::Path(raw))
    }
}

/// Which jobs a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct JobFilter {
    pub project_id: Id,
    /// Only the jobs of this pipeline.
    pub pipeline_id: Option<Id>,
    /// Builds for the jobs lists, bridges for the bridges list.
    pub kind: JobKind,
    /// `scope`: only these statuses; empty means all.
    pub statuses: Vec<JobStatus>,
    /// The pipeline lists hide retried jobs unless `include_retried` (`Ci::JobsFinder`
    /// applies `.latest`); the project list shows them.
    pub include_retried: bool,
}

impl JobFilter {
    /// GET /projects/:id/jobs: every build of the project, retried ones included.
    pub fn project_builds(project_id: Id) -> JobFilter {
        JobFilter {
            project_id,
            pipeline_id: None,
            kind: JobKind::Build,
            statuses: Vec::new(),
            include_retried: true,
        }
    }

    /// GET /projects/:id/pipelines/:pipeline_id/jobs (or /bridges with `JobKind::Bridge`).
    pub fn pipeline(project_id: Id, pipeline_id: Id, kind: JobKind) -> JobFilter {
        JobFilter {
            project_id,
            pipeline_id: Some(pipeline_id),
            kind,
            statuses: Vec::new(),
            include_retried: false,
        }
    }

    pub fn with_statuses(self, statuses: Vec<JobStatus>) -> JobFilter {
        JobFilter { statuses, ..self }
    }
}

/// One file served from storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub filename: String,
    pub content: Vec<u8>,
}

/// What [`Store::lock_for_loading`] returns: the lock is released when this is dropped.
#[must_use = "the lock is released as soon as this is dropped"]
pub struct LoadingLock {
    /// Only ever dropped: that releases the lock.
    _held: Option<Box<dyn Send>>,
}

impl LoadingLock {
    /// No lock: nobody else loads into this store.
    pub fn none() -> LoadingLock {
        LoadingLock { _held: None }
    }

    /// A lock that `held` keeps until it is dropped.
    pub fn held(held: impl Send + 'static) -> LoadingLock {
        LoadingLock {
            _held: Some(Box::new(held)),
        }
    }
}

/// The persistence of the reference server. Implementations are shared between request
/// handlers (`Send + Sync`) and are synchronous: an async caller runs them on a blocking thread.
pub trait Store: Send + Sync {
    // --- identities -----------------------------------------------------------------------

    /// A personal access token, with its user.
    fn personal_access_token(&self, token: &str)
    -> Result<Option<PersonalAccessToken>, StoreError>;

    /// The job a CI job token belongs to, whatever its status.
    fn job_by_token(&self, token: &str) -> Result<Option<Job>, StoreError>;

    fn user(&self, id: Id) -> Result<Option<User>, StoreError>;

    /// The data version: a number that every change of the data bumps, in the change's own
    /// transaction, whichever instance on the database made it. Caches key on it
    /// (`store::backend` says how every write bumps it).
    fn data_version(&self) -> Result<DataVersion, StoreError>;

    /// How many calls the store serves at once (its connections); more wait for one.
    fn connections(&self) -> usize;

    /// Reads [`Store::data_version`] from async code without a blocking thread, where the
    /// store has a way to (`None`: an in-memory SQLite database, whose one connection is
    /// taken in turns).
    fn data_version_probe(&self) -> Option<Arc<dyn VersionProbe>>;

    /// A project with its members.
    fn project(&self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError>;

    /// The Kubernetes agents authorized for a project's CI jobs, with their config projects.
    fn agent_authorizations(
        &self,
        project_id: Id,
    ) -> Result<Vec<(AgentAuthorization, Project)>, StoreError>;

    // --- reads ------------------------------------------------------------------------------

    fn pipeline(&self, project_id: Id, pipeline_id: Id) -> Result<Option<Pipeline>, StoreError>;

    /// A job of either kind in a project, with everything its entity shows.
    fn job(&self, project_id: Id, job_id: Id) -> Result<Option<JobDetails>, StoreError>;

    /// [`Store::job`] in a project the caller has read already (authorizing the request): the
    /// project is not read again.
    fn job_of(&self, project: &Project, job_id: Id) -> Result<Option<JobDetails>, StoreError>;

    /// Jobs ordered by `id DESC`, one page of them.
    fn list_jobs(
        &self,
        filter: &JobFilter,
        pagination: &Pagination,
    ) -> Result<Page<JobDetails>, StoreError>;

    /// The job's log; `None` when it has none.
    fn trace(&self, job_id: Id) -> Result<Option<String>, StoreError>;

    /// The bytes of the job's artifacts archive and its file name, whether or not it expired
    /// (the caller decides with `rules::artifacts`).
    fn artifacts_archive(&self, job_id: Id) -> Result<Option<StoredFile>, StoreError>;

    /// The build [`RefBuild`] names: this job name on this ref, as of `now`.
    fn build_for_ref(
        &self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        which: RefBuild,
        now: DateTime<Utc>,
    ) -> Result<Option<JobDetails>, StoreError>;

    // --- use cases, one transaction each ----------------------------------------------------

    /// The `cancel` event on a build (`force_cancel` with `force`); a build the event does not
    /// apply to, a finished one for example, is returned unchanged.
    fn cancel_job(
        &self,
        project_id: Id,
        job_id: Id,
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError>;

    /// Retries a build or bridge; returns the new job. `StoreError::NotRetryable` when the job
    /// is not `retryable?` (anymore: a concurrent retry wins).
    fn retry_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.retry_job_with_inputs(project_id, job_id, actor, &InputValues::new(), now)
    }

    /// [`Store::retry_job`], the new job taking `inputs` (checked by `rules::inputs::resolve`)
    /// over the input values it copies from the old one.
    fn retry_job_with_inputs(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        inputs: &InputValues,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError>;

    /// Plays a manual job (or retries a finished one); returns the played job as it is now.
    fn play_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        variables: &[JobVariable],
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.play_job_with_inputs(
            project_id,
            job_id,
            actor,
            variables,
            &InputValues::new(),
            now,
        )
    }

    /// [`Store::play_job`] with input values (checked by `rules::inputs::resolve`) for the
    /// played job, or for its new job when playing retries it.
    fn play_job_with_inputs(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        variables: &[JobVariable],
        inputs: &InputValues,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError>;

    /// Removes a build's log and artifacts and records who erased it and when.
    fn erase_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError>;

    /// Clears `artifacts_expire_at`; `StoreError::NoArtifacts` without a downloadable archive.
    fn keep_artifacts(
        &self,
        project_id: Id,
        job_id: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError>;

    /// Deletes a build's artifacts except its log (`Ci::JobArtifacts::DeleteService`).
    fn delete_artifacts(&self, project_id: Id, job_id: Id) -> Result<(), StoreError>;

    // --- the runner side ---------------------------------------------------------------------

    /// The registered runner with this authentication token.
    fn registered_runner(&self, token: &str) -> Result<Option<RegisteredRunner>, StoreError>;

    /// `POST /jobs/request`: the runner with this authentication token takes the first build
    /// of its queue, which becomes running with the runner and a fresh job token.
    fn request_runner_job(&self, token: &str, now: DateTime<Utc>)
    -> Result<JobRequest, StoreError>;

    /// `PATCH /jobs/:id/trace`: appends `patch` at `start` (the `Content-Range` start).
    fn append_runner_trace(
        &self,
        job_id: Id,
        token: &str,
        start: Option<i64>,
        patch: &str,
        now: DateTime<Utc>,
    ) -> Result<TraceAppend, StoreError>;

    /// `PUT /jobs/:id`: a keep-alive, or the runner finishes the job.
    fn update_runner_job(
        &self,
        job_id: Id,
        token: &str,
        state: Option<&str>,
        failure_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RunnerUpdate, StoreError>;

    /// A build's script and simulated outcome, when its fixture (or creator) gave one.
    fn job_script(&self, job_id: Id) -> Result<Option<JobScript>, StoreError>;

    /// A project's pipelines of one `source`, newest first, with their statuses.
    fn pipelines_by_source(
        &self,
        project_id: Id,
        source: &str,
    ) -> Result<Vec<(Id, JobStatus)>, StoreError>;

    /// Creates a pipeline of `jobs` with their scripts and starts it (the first stage's jobs
    /// become pending); the pipeline's and jobs' ids are the next ones. Returns its id.
    fn create_pipeline(
        &self,
        pipeline: &Pipeline,
        jobs: &[(Job, JobScript)],
        now: DateTime<Utc>,
    ) -> Result<Id, StoreError>;

    /// Deletes the finished pipelines of `source` in the project beyond the newest `keep`,
    /// with their jobs, logs and artifacts; returns how many went.
    fn prune_pipelines(
        &self,
        project_id: Id,
        source: &str,
        keep: usize,
    ) -> Result<usize, StoreError>;

    /// Revokes a personal access token (GitLab's `PersonalAccessTokens::RevokeService`): from
    /// now on it is answered `invalid_token`. `StoreError::NotFound` for an unknown token.
    fn revoke_personal_access_token(&self, token: &str) -> Result<(), StoreError>;

    /// Removes a user from a project's members (`Members::DestroyService`): from now on the
    /// user has no access level there. `StoreError::NotFound` when the user is no member.
    fn remove_member(&self, project_id: Id, user_id: Id) -> Result<(), StoreError>;

    // --- loading ----------------------------------------------------------------------------

    /// Waits until no other instance sharing the database is loading into it, and keeps the
    /// others waiting until the returned lock is dropped. `serve` holds it from "is the
    /// database new?" to the end of its loading, so that of several instances started at once
    /// on a new database exactly one fills it and the others find it filled. The default, which
    /// SQLite keeps, waits for nothing: a SQLite database is meant for one `serve` process.
    fn lock_for_loading(&self) -> Result<LoadingLock, StoreError> {
        Ok(LoadingLock::none())
    }

    /// Whether the database holds no project yet: a new database, which `serve` fills with
    /// the demo data set unless fixtures are given.
    fn is_empty(&self) -> Result<bool, StoreError>;

    /// Validates a fixture (references to unknown users, projects and pipelines are errors
    /// naming the item) and loads it, all in one transaction.
    fn load_fixtures(&self, fixtures: &Fixtures) -> Result<ImportSummary, StoreError>;

    /// Inserts already valid records in one transaction, in the order given (a record must
    /// follow what it refers to). For bulk data such as `demo::demo_jobs`.
    fn import(
        &self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError>;
}

#[cfg(test)]
mod multi_instance_tests;
#[cfg(test)]
mod runner_tests;
#[cfg(test)]
mod tests;
