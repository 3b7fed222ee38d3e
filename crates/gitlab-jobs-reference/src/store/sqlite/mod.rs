//! The SQLite store: WAL, a busy timeout, migrations at open, and `BEGIN IMMEDIATE` for every
//! use case that writes, so that concurrent writers queue instead of deciding on stale reads.

mod batch;
mod codec;
mod import;
mod pool;
mod read;
mod schema;
mod write;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

pub use pool::Location;
pub use schema::CURRENT_VERSION as SCHEMA_VERSION;

use self::pool::Pool;
use crate::fixtures::{self, Fixtures, KnownRecords};
use crate::model::{AgentAuthorization, Id, Job, JobDetails, JobVariable, Pipeline, Project, User};
use crate::store::{
    ImportSummary, JobFilter, Page, Pagination, PersonalAccessToken, ProjectKey, Record, Store,
    StoreError, StoredFile,
};

/// Connections a file database opens at most. Writers take turns anyway; the rest read.
const DEFAULT_MAX_CONNECTIONS: usize = 4;

pub struct SqliteStore {
    pool: Pool,
}

impl SqliteStore {
    /// Opens (creating and migrating) a database: `sqlite::memory:` / `:memory:` for a private
    /// in-memory one, or a file path (optionally prefixed `sqlite://`).
    pub fn open(target: &str) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(Location::parse(target), DEFAULT_MAX_CONNECTIONS)
    }

    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(Location::Memory, 1)
    }

    pub fn open_with(
        location: Location,
        max_connections: usize,
    ) -> Result<SqliteStore, StoreError> {
        let pool = pool::open(location, max_connections)?;
        let mut connection = pool.get()?;
        schema::migrate(&mut connection)?;
        drop(connection);
        Ok(SqliteStore { pool })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.read(|connection| {
            Ok(connection.query_row("SELECT version FROM schema_version", [], |row| row.get(0))?)
        })
    }

    /// Runs `query` in a deferred transaction: one consistent snapshot for all its reads.
    fn read<T>(
        &self,
        query: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.pool.get()?;
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let result = query(&transaction)?;
        transaction.finish()?;
        Ok(result)
    }

    /// Runs `change` in an immediate transaction: the write lock is taken before the first
    /// read, so a use case's checks and its writes see the same state. Rolled back on error.
    fn write<T>(
        &self,
        change: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.pool.get()?;
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let result = change(&transaction)?;
        transaction.commit()?;
        Ok(result)
    }

    /// Refreshes the query planner's statistics (`ANALYZE`); worth it after a bulk import.
    pub fn analyze(&self) -> Result<(), StoreError> {
        let connection = self.pool.get()?;
        connection.execute_batch("ANALYZE")?;
        Ok(())
    }
}

/// Lets fixture validation ask the database about ids the fixture itself does not define.
struct DatabaseRecords<'c>(&'c Connection);

impl DatabaseRecords<'_> {
    fn exists(&self, sql: &str, id: Id) -> Result<bool, StoreError> {
        Ok(self
            .0
            .prepare_cached(sql)?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

impl KnownRecords for DatabaseRecords<'_> {
    fn user_exists(&self, id: Id) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM users WHERE id = ?1", id)
    }

    fn project_exists(&self, id: Id) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM projects WHERE id = ?1", id)
    }

    fn pipeline(&self, id: Id) -> Result<Option<Pipeline>, StoreError> {
        read::pipeline(self.0, id)
    }

    fn job_exists(&self, id: Id) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM jobs WHERE id = ?1", id)
    }
}

impl Store for SqliteStore {
    fn personal_access_token(
        &self,
        token: &str,
    ) -> Result<Option<PersonalAccessToken>, StoreError> {
        self.read(|connection| read::personal_access_token(connection, token))
    }

    fn job_by_token(&self, token: &str) -> Result<Option<Job>, StoreError> {
        self.read(|connection| read::job_by_token(connection, token))
    }

    fn user(&self, id: Id) -> Result<Option<User>, StoreError> {
        self.read(|connection| read::user(connection, id))
    }

    fn project(&self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError> {
        self.read(|connection| read::project(connection, key))
    }

    fn agent_authorizations(
        &self,
        project_id: Id,
    ) -> Result<Vec<(AgentAuthorization, Project)>, StoreError> {
        self.read(|connection| read::agent_authorizations(connection, project_id))
    }

    fn pipeline(&self, project_id: Id, pipeline_id: Id) -> Result<Option<Pipeline>, StoreError> {
        self.read(|connection| {
            Ok(read::pipeline(connection, pipeline_id)?
                .filter(|pipeline| pipeline.project_id == project_id))
        })
    }

    fn job(&self, project_id: Id, job_id: Id) -> Result<Option<JobDetails>, StoreError> {
        self.read(|connection| read::job_details(connection, project_id, job_id))
    }

    fn list_jobs(
        &self,
        filter: &JobFilter,
        pagination: &Pagination,
    ) -> Result<Page<JobDetails>, StoreError> {
        self.read(|connection| read::list_jobs(connection, filter, pagination))
    }

    fn trace(&self, job_id: Id) -> Result<Option<String>, StoreError> {
        self.read(|connection| read::trace(connection, job_id))
    }

    fn artifacts_archive(&self, job_id: Id) -> Result<Option<StoredFile>, StoreError> {
        self.read(|connection| read::artifacts_archive(connection, job_id))
    }

    fn latest_successful_build_for_ref(
        &self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<JobDetails>, StoreError> {
        self.read(|connection| {
            read::latest_successful_build_for_ref(connection, project_id, ref_name, job_name, now)
        })
    }

    fn cancel_job(
        &self,
        project_id: Id,
        job_id: Id,
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|connection| write::cancel(connection, project_id, job_id, force, now))
    }

    fn retry_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|connection| write::retry(connection, project_id, job_id, actor, now))
    }

    fn play_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        variables: &[JobVariable],
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|connection| write::play(connection, project_id, job_id, actor, variables, now))
    }

    fn erase_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|connection| write::erase(connection, project_id, job_id, actor, now))
    }

    fn keep_artifacts(
        &self,
        project_id: Id,
        job_id: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|connection| write::keep_artifacts(connection, project_id, job_id, now))
    }

    fn delete_artifacts(&self, project_id: Id, job_id: Id) -> Result<(), StoreError> {
        self.write(|connection| write::delete_artifacts(connection, project_id, job_id))
    }

    fn is_empty(&self) -> Result<bool, StoreError> {
        self.read(|connection| {
            let any: bool =
                connection.query_row("SELECT EXISTS (SELECT 1 FROM projects)", [], |row| {
                    row.get(0)
                })?;
            Ok(!any)
        })
    }

    fn load_fixtures(&self, fixtures: &Fixtures) -> Result<ImportSummary, StoreError> {
        let now = Utc::now();
        self.write(|connection| {
            let records = fixtures::prepare(fixtures, &DatabaseRecords(connection), now)?;
            let mut summary = ImportSummary::default();
            for record in &records {
                import::insert(connection, record)?;
                summary.count(record);
            }
            Ok(summary)
        })
    }

    fn import(
        &self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError> {
        self.write(|connection| {
            let mut summary = ImportSummary::default();
            for record in records {
                import::insert(connection, &record)?;
                summary.count(&record);
            }
            Ok(summary)
        })
    }
}
