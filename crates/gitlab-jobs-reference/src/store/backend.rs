//! What a database must answer for the store to work on it ([`Backend`] and [`Queries`]: how
//! a transaction is run, and the SQL with its row conversion), and the [`Store`] written once
//! over it. `sqlite/` and `postgres/` implement the two traits; the use cases themselves are
//! in `use_cases.rs` and the reads of whole jobs in `hydrate.rs`, once for both.
//!
//! A new use case is one function in `use_cases.rs`, a method of [`Store`] here, and the
//! statements it needs added to [`Queries`] (one implementation per backend).
//!
//! # The data version: the hook every write goes through
//!
//! Every change runs through [`Backend::write`] (and imports through [`Store::import`]),
//! which bumps the database's data version ([`Queries::bump_data_version`]) in the change's
//! own transaction. Whatever reads [`Store::data_version`] and finds the number it saw before
//! knows that nothing was written in between, by this instance or by any other on the same
//! database: the service's cache (`crate::service::cache`) keys what it keeps on it. A change
//! of tokens, users, projects or members goes through [`Backend::write_identities`] instead,
//! which also bumps a second number that only such changes move: the cache keeps what
//! authentication reads as long as that one stays, across the jobs' changes. A new write (a
//! new use case, a new column) is covered by being a `self.write(...)` like the others (or a
//! `self.write_identities(...)` if it changes identities); nothing else needs to know the
//! cache exists. Rows changed behind the server's back (by hand in
//! SQL) are not seen until the next write through a server bumps the version.

use std::cell::RefCell;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::hydrate::{self, BatchRead};
use super::probe::VersionProbe;
use super::{runner_use_cases, use_cases};
use crate::fixtures::{self, Fixtures, KnownRecords};
use crate::model::{
    AgentAuthorization, Id, InputValues, Job, JobDetails, JobScript, JobStatus, JobVariable,
    Pipeline, Project, User,
};
use crate::store::{
    Changed, DataVersion, ImportSummary, JobFilter, JobRequest, LoadingLock, Page, Pagination,
    PersonalAccessToken, ProjectKey, Record, RefBuild, RegisteredRunner, RunnerUpdate, Store,
    StoreError, StoredFile, TraceAppend,
};

/// How a backend runs a store method: in a transaction of its own, on a connection of its pool.
pub(crate) trait Backend: Send + Sync {
    /// One open transaction (or, for [`Backend::read_one`], one statement).
    type Tx<'t>: Queries;

    /// Runs `query` in a read transaction: one consistent snapshot for all its reads.
    fn read<T: Send>(
        &self,
        query: impl FnOnce(&mut Self::Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError>;

    /// Runs a read of exactly one statement; a backend may leave out the transaction (one
    /// statement sees one snapshot anyway).
    fn read_one<T: Send>(
        &self,
        query: impl FnOnce(&mut Self::Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        self.read(query)
    }

    /// The data version ([`Queries::data_version`], one statement), which the service reads
    /// at the start of every request: a backend may read it the cheapest way it has.
    fn read_data_version(&self) -> Result<DataVersion, StoreError> {
        self.read_one(|tx| tx.data_version())
    }

    /// Runs `change` in a write transaction, committed when it succeeds and rolled back when
    /// it fails. A backend may run it again after a failure that rolled back everything (a
    /// deadlock, say), hence `FnMut`. Leaves the data version alone: only for what is not a
    /// change of the data (migrations); changes go through [`Backend::write`].
    fn write_transaction<T: Send>(
        &self,
        change: impl FnMut(&mut Self::Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError>;

    /// Runs `change` as [`Backend::write_transaction`] does and bumps the data version in the
    /// same transaction (see the module docs): every change of the data comes through here.
    fn write<T: Send>(
        &self,
        change: impl FnMut(&mut Self::Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        self.write_as(Changed::Jobs, change)
    }

    /// [`Backend::write`] for a change of tokens, users, projects or members: it bumps the
    /// identities' number too.
    fn write_identities<T: Send>(
        &self,
        change: impl FnMut(&mut Self::Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        self.write_as(Changed::Identities, change)
    }

    fn write_as<T: Send>(
        &self,
        changed: Changed,
        mut change: impl FnMut(&mut Self::Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        self.write_transaction(|tx| {
            let value = change(tx)?;
            tx.bump_data_version(changed)?;
            Ok(value)
        })
    }

    /// See [`Store::connections`].
    fn pool_size(&self) -> usize;

    /// See [`Store::data_version_probe`].
    fn version_probe(&self) -> Option<Arc<dyn VersionProbe>> {
        None
    }

    /// See [`Store::lock_for_loading`].
    fn loading_lock(&self) -> Result<LoadingLock, StoreError> {
        Ok(LoadingLock::none())
    }

    /// See [`Store::import`]: one transaction, run once (the records are consumed).
    fn import_records(
        &self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError>;
}

/// Which of a build's artifacts a deletion removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArtifactsToDelete {
    /// Everything, the log's entry included (an erase).
    All,
    /// What `Ci::JobArtifacts::DeleteService` destroys: all but the log
    /// (`Ci::JobArtifact::NON_ERASABLE_FILE_TYPES`).
    Erasable,
}

/// The statements of the store, in one backend's SQL. Each runs in the transaction the
/// [`Backend`] opened; the batched reads of whole jobs come from [`BatchRead`].
pub(crate) trait Queries: BatchRead {
    // --- identities -----------------------------------------------------------------------

    fn personal_access_token(
        &mut self,
        token: &str,
    ) -> Result<Option<PersonalAccessToken>, StoreError>;

    /// The id of the job a CI job token belongs to.
    fn job_id_by_token(&mut self, token: &str) -> Result<Option<Id>, StoreError>;

    fn user(&mut self, id: Id) -> Result<Option<User>, StoreError>;

    fn project(&mut self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError>;

    fn agent_authorizations(
        &mut self,
        project_id: Id,
    ) -> Result<Vec<(AgentAuthorization, Project)>, StoreError>;

    // --- reads ------------------------------------------------------------------------------

    fn pipeline(&mut self, id: Id) -> Result<Option<Pipeline>, StoreError>;

    fn list_jobs(
        &mut self,
        filter: &JobFilter,
        pagination: &Pagination,
    ) -> Result<Page<JobDetails>, StoreError>;

    fn trace(&mut self, job_id: Id) -> Result<Option<String>, StoreError>;

    fn artifacts_archive(&mut self, job_id: Id) -> Result<Option<StoredFile>, StoreError>;

    /// The id of the job [`Store::build_for_ref`] answers for [`RefBuild::LatestSuccessful`].
    fn latest_successful_build_id_for_ref(
        &mut self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Id>, StoreError>;

    /// The id of the job [`Store::build_for_ref`] answers for [`RefBuild::LatestWithArtifacts`].
    fn latest_build_id_with_artifacts_for_ref(
        &mut self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Id>, StoreError>;

    /// The ids of every job of a pipeline, retried ones included (pipeline processing).
    fn pipeline_job_ids(&mut self, pipeline_id: Id) -> Result<Vec<Id>, StoreError>;

    fn has_projects(&mut self) -> Result<bool, StoreError>;

    /// The data version: numbers changes bump (see the module docs).
    fn data_version(&mut self) -> Result<DataVersion, StoreError>;

    /// Whether a row of `users`, `projects` or `jobs` has this id (fixture validation).
    fn exists(&mut self, table: Table, id: Id) -> Result<bool, StoreError>;

    // --- runners ----------------------------------------------------------------------------

    /// The registered runner with this authentication token.
    fn runner_by_token(&mut self, token: &str) -> Result<Option<RegisteredRunner>, StoreError>;

    /// Pending builds, oldest first, at most `limit`; only the project's when one is given.
    fn pending_build_ids(
        &mut self,
        project_id: Option<Id>,
        limit: i64,
    ) -> Result<Vec<Id>, StoreError>;

    /// Per project, how many of its builds run on instance runners now (fair scheduling).
    fn running_on_instance_runners(&mut self) -> Result<Vec<(Id, i64)>, StoreError>;

    fn job_script(&mut self, job_id: Id) -> Result<Option<JobScript>, StoreError>;

    /// Sets a build's script (replacing one it had).
    fn insert_job_script(&mut self, job_id: Id, script: &JobScript) -> Result<(), StoreError>;

    /// Appends `patch` to the job's log, creating the log if it has none.
    fn append_trace(&mut self, job_id: Id, patch: &str) -> Result<(), StoreError>;

    /// A project's pipelines of one `source`, newest first, with their statuses.
    fn pipelines_by_source(
        &mut self,
        project_id: Id,
        source: &str,
    ) -> Result<Vec<(Id, JobStatus)>, StoreError>;

    /// Inserts a pipeline (its id and iid are the next ones); returns the id.
    fn insert_pipeline(&mut self, pipeline: &Pipeline) -> Result<Id, StoreError>;

    /// Deletes a pipeline, its jobs and what they own (logs, artifacts, variables, scripts).
    fn delete_pipeline(&mut self, pipeline_id: Id) -> Result<(), StoreError>;

    // --- writes -----------------------------------------------------------------------------

    /// Bumps the data version for a change of this kind; [`Backend::write`] and
    /// [`Backend::write_identities`] do it for every change.
    fn bump_data_version(&mut self, changed: Changed) -> Result<(), StoreError>;

    /// Marks a personal access token revoked; `false` when there is no such token.
    fn revoke_personal_access_token(&mut self, token: &str) -> Result<bool, StoreError>;

    /// Removes a user's membership of a project; `false` when there was none.
    fn delete_member(&mut self, project_id: Id, user_id: Id) -> Result<bool, StoreError>;

    /// Makes the job (if it is in the project) and its pipeline the transaction's to change,
    /// before the use case reads them: PostgreSQL locks their rows, SQLite's `BEGIN IMMEDIATE`
    /// holds the whole database already.
    fn lock_job(&mut self, project_id: Id, job_id: Id) -> Result<(), StoreError>;

    /// Inserts a job and its variables; a job with id 0 gets the next id. Returns the id.
    fn insert_job(&mut self, job: &Job) -> Result<Id, StoreError>;

    /// Writes back what a transition may change: state, timestamps, user, flags, variables,
    /// the failure reason, the runner and the job token.
    fn update_job(&mut self, job: &Job) -> Result<(), StoreError>;

    /// Sets a pipeline's status; `updated_at` moves only when the status does.
    fn set_pipeline_status(
        &mut self,
        pipeline_id: Id,
        status: JobStatus,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    fn delete_artifacts(&mut self, job_id: Id, which: ArtifactsToDelete) -> Result<(), StoreError>;

    fn delete_trace(&mut self, job_id: Id) -> Result<(), StoreError>;

    /// Before loading fixtures: keeps other writers out of the tables that validation reads
    /// until the transaction ends (a no-op where the transaction holds the database already).
    fn lock_for_import(&mut self) -> Result<(), StoreError>;

    /// Inserts already valid records, in the order given.
    fn insert_records(
        &mut self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError>;
}

/// The tables [`Queries::exists`] looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Users,
    Projects,
    Jobs,
}

impl Table {
    pub fn name(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::Projects => "projects",
            Table::Jobs => "jobs",
        }
    }
}

/// Lets fixture validation ask the database about ids the fixture itself does not define.
struct DatabaseRecords<'t, Q>(RefCell<&'t mut Q>);

impl<Q: Queries> KnownRecords for DatabaseRecords<'_, Q> {
    fn user_exists(&self, id: Id) -> Result<bool, StoreError> {
        self.0.borrow_mut().exists(Table::Users, id)
    }

    fn project_exists(&self, id: Id) -> Result<bool, StoreError> {
        self.0.borrow_mut().exists(Table::Projects, id)
    }

    fn pipeline(&self, id: Id) -> Result<Option<Pipeline>, StoreError> {
        self.0.borrow_mut().pipeline(id)
    }

    fn job_exists(&self, id: Id) -> Result<bool, StoreError> {
        self.0.borrow_mut().exists(Table::Jobs, id)
    }
}

impl<B: Backend> Store for B {
    fn personal_access_token(
        &self,
        token: &str,
    ) -> Result<Option<PersonalAccessToken>, StoreError> {
        self.read_one(|tx| tx.personal_access_token(token))
    }

    fn job_by_token(&self, token: &str) -> Result<Option<Job>, StoreError> {
        self.read(|tx| match tx.job_id_by_token(token)? {
            Some(id) => hydrate::job_by_id(tx, id),
            None => Ok(None),
        })
    }

    fn user(&self, id: Id) -> Result<Option<User>, StoreError> {
        self.read_one(|tx| tx.user(id))
    }

    fn data_version(&self) -> Result<DataVersion, StoreError> {
        self.read_data_version()
    }

    fn connections(&self) -> usize {
        self.pool_size()
    }

    fn data_version_probe(&self) -> Option<Arc<dyn VersionProbe>> {
        self.version_probe()
    }

    fn project(&self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError> {
        self.read_one(|tx| tx.project(key))
    }

    fn agent_authorizations(
        &self,
        project_id: Id,
    ) -> Result<Vec<(AgentAuthorization, Project)>, StoreError> {
        self.read(|tx| tx.agent_authorizations(project_id))
    }

    fn pipeline(&self, project_id: Id, pipeline_id: Id) -> Result<Option<Pipeline>, StoreError> {
        self.read_one(|tx| {
            Ok(tx
                .pipeline(pipeline_id)?
                .filter(|pipeline| pipeline.project_id == project_id))
        })
    }

    fn job(&self, project_id: Id, job_id: Id) -> Result<Option<JobDetails>, StoreError> {
        self.read(|tx| hydrate::job_details(tx, project_id, job_id))
    }

    fn job_of(&self, project: &Project, job_id: Id) -> Result<Option<JobDetails>, StoreError> {
        self.read(|tx| hydrate::job_details_of(tx, project, job_id))
    }

    fn list_jobs(
        &self,
        filter: &JobFilter,
        pagination: &Pagination,
    ) -> Result<Page<JobDetails>, StoreError> {
        self.read(|tx| tx.list_jobs(filter, pagination))
    }

    fn trace(&self, job_id: Id) -> Result<Option<String>, StoreError> {
        self.read_one(|tx| tx.trace(job_id))
    }

    fn artifacts_archive(&self, job_id: Id) -> Result<Option<StoredFile>, StoreError> {
        self.read_one(|tx| tx.artifacts_archive(job_id))
    }

    fn build_for_ref(
        &self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        which: RefBuild,
        now: DateTime<Utc>,
    ) -> Result<Option<JobDetails>, StoreError> {
        self.read(|tx| {
            let job_id = match which {
                RefBuild::LatestSuccessful => {
                    tx.latest_successful_build_id_for_ref(project_id, ref_name, job_name, now)?
                }
                RefBuild::LatestWithArtifacts => {
                    tx.latest_build_id_with_artifacts_for_ref(project_id, ref_name, job_name, now)?
                }
            };
            match job_id {
                Some(job_id) => hydrate::job_details(tx, project_id, job_id),
                None => Ok(None),
            }
        })
    }

    fn cancel_job(
        &self,
        project_id: Id,
        job_id: Id,
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| use_cases::cancel(tx, project_id, job_id, force, now))
    }

    fn retry_job_with_inputs(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        inputs: &InputValues,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| use_cases::retry(tx, project_id, job_id, actor, inputs, now))
    }

    fn play_job_with_inputs(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        variables: &[JobVariable],
        inputs: &InputValues,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| use_cases::play(tx, project_id, job_id, actor, variables, inputs, now))
    }

    fn erase_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| use_cases::erase(tx, project_id, job_id, actor, now))
    }

    fn keep_artifacts(
        &self,
        project_id: Id,
        job_id: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| use_cases::keep_artifacts(tx, project_id, job_id, now))
    }

    fn delete_artifacts(&self, project_id: Id, job_id: Id) -> Result<(), StoreError> {
        self.write(|tx| use_cases::delete_artifacts(tx, project_id, job_id))
    }

    fn registered_runner(&self, token: &str) -> Result<Option<RegisteredRunner>, StoreError> {
        self.read_one(|tx| tx.runner_by_token(token))
    }

    fn request_runner_job(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<JobRequest, StoreError> {
        if let Some(answer) = self.read(|tx| runner_use_cases::answer_without_change(tx, token))? {
            return Ok(answer);
        }
        self.write(|tx| runner_use_cases::request_job(tx, token, now))
    }

    fn append_runner_trace(
        &self,
        job_id: Id,
        token: &str,
        start: Option<i64>,
        patch: &str,
        now: DateTime<Utc>,
    ) -> Result<TraceAppend, StoreError> {
        self.write(|tx| runner_use_cases::append_trace(tx, job_id, token, start, patch, now))
    }

    fn update_runner_job(
        &self,
        job_id: Id,
        token: &str,
        state: Option<&str>,
        failure_reason: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<RunnerUpdate, StoreError> {
        self.write(|tx| {
            runner_use_cases::update_job_state(tx, job_id, token, state, failure_reason, now)
        })
    }

    fn job_script(&self, job_id: Id) -> Result<Option<JobScript>, StoreError> {
        self.read_one(|tx| tx.job_script(job_id))
    }

    fn pipelines_by_source(
        &self,
        project_id: Id,
        source: &str,
    ) -> Result<Vec<(Id, JobStatus)>, StoreError> {
        self.read_one(|tx| tx.pipelines_by_source(project_id, source))
    }

    fn create_pipeline(
        &self,
        pipeline: &Pipeline,
        jobs: &[(Job, JobScript)],
        now: DateTime<Utc>,
    ) -> Result<Id, StoreError> {
        self.write(|tx| runner_use_cases::create_pipeline(tx, pipeline, jobs, now))
    }

    fn prune_pipelines(
        &self,
        project_id: Id,
        source: &str,
        keep: usize,
    ) -> Result<usize, StoreError> {
        self.write(|tx| runner_use_cases::prune_pipelines(tx, project_id, source, keep))
    }

    fn revoke_personal_access_token(&self, token: &str) -> Result<(), StoreError> {
        self.write_identities(|tx| {
            tx.revoke_personal_access_token(token)?
                .then_some(())
                .ok_or(StoreError::NotFound("personal access token"))
        })
    }

    fn remove_member(&self, project_id: Id, user_id: Id) -> Result<(), StoreError> {
        self.write_identities(|tx| {
            tx.delete_member(project_id, user_id)?
                .then_some(())
                .ok_or(StoreError::NotFound("member"))
        })
    }

    fn lock_for_loading(&self) -> Result<LoadingLock, StoreError> {
        self.loading_lock()
    }

    fn is_empty(&self) -> Result<bool, StoreError> {
        self.read_one(|tx| Ok(!tx.has_projects()?))
    }

    fn load_fixtures(&self, fixtures: &Fixtures) -> Result<ImportSummary, StoreError> {
        let now = Utc::now();
        self.write_identities(|tx| {
            // Locked before validating, so that what validation read is still true when the
            // records are inserted.
            tx.lock_for_import()?;
            let records =
                fixtures::prepare(fixtures, &DatabaseRecords(RefCell::new(&mut *tx)), now)?;
            tx.insert_records(&mut records.into_iter())
        })
    }

    /// The import is one transaction of its own (`Backend::import_records`); the data
    /// version is bumped once it is committed.
    fn import(
        &self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError> {
        let summary = self.import_records(records)?;
        self.write_identities(|_| Ok(()))?;
        Ok(summary)
    }
}
