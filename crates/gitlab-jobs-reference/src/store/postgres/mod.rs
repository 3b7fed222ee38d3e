//! The PostgreSQL store: the SQLite store's behaviour on a database that several server
//! instances share. Migrations run at open (one instance at a time); reads take one snapshot
//! each; use cases lock the rows they change (`write.rs`) and are run again when the server
//! reports a deadlock or a serialization failure; ids come from identity sequences, unique
//! across instances. Logs and archives are `bytea` columns, in the same transactions as the
//! jobs they belong to.

mod batch;
mod blocking;
mod codec;
mod import;
mod loading;
mod pool;
mod read;
mod schema;
mod tx;
mod write;

pub mod testing;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::str::FromStr;

use chrono::{DateTime, Utc};

pub use schema::CURRENT_VERSION as SCHEMA_VERSION;

use self::blocking::off_runtime;
use self::pool::Pool;
use self::tx::{Mode, Tx};
use crate::fixtures::{self, Fixtures, KnownRecords};
use crate::model::{AgentAuthorization, Id, Job, JobDetails, JobVariable, Pipeline, Project, User};
use crate::store::{
    ImportSummary, JobFilter, LoadingLock, Page, Pagination, PersonalAccessToken, ProjectKey,
    Record, Store, StoreError, StoredFile,
};

/// Connections one store opens at most (each request holds one for its transaction).
pub const DEFAULT_MAX_CONNECTIONS: usize = 8;

/// How many times a use case runs when the server keeps reporting a deadlock or a
/// serialization failure (rare: the row locks make the use cases on one job take turns).
const ATTEMPTS: usize = 5;

pub struct PostgresStore {
    pool: Pool,
}

impl From<::postgres::Error> for StoreError {
    fn from(error: ::postgres::Error) -> StoreError {
        // `Display` of a server error is only "db error"; the source has the message.
        let message = match error.as_db_error() {
            Some(db) => format!("{}: {}", db.code().code(), db.message()),
            None => error.to_string(),
        };
        StoreError::Database(message)
    }
}

impl PostgresStore {
    /// Connects to `postgres://user[:password]@host[:port]/database` (or `postgresql://`, or a
    /// `key=value` connection string) and migrates the database.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(url, DEFAULT_MAX_CONNECTIONS)
    }

    pub fn open_with(url: &str, max_connections: usize) -> Result<PostgresStore, StoreError> {
        let config = ::postgres::Config::from_str(url)
            .map_err(|error| StoreError::Database(format!("bad PostgreSQL URL: {error}")))?;
        let store = PostgresStore {
            pool: off_runtime(|| pool::open(config, max_connections))?,
        };
        store.write(schema::migrate)?;
        Ok(store)
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.read_single(|tx| {
            Ok(tx
                .query_one("SELECT version FROM schema_version", &[])?
                .try_get(0)?)
        })
    }

    /// Refreshes the planner's statistics (`ANALYZE`); worth it after a bulk import.
    pub fn analyze(&self) -> Result<(), StoreError> {
        off_runtime(|| {
            let mut connection = self.pool.get()?;
            Ok(connection.client.batch_execute("ANALYZE")?)
        })
    }

    /// Runs `query` in a read-only REPEATABLE READ transaction: one snapshot for all its
    /// reads, so a page and its count agree even while other instances write.
    fn read<T: Send>(
        &self,
        query: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| {
            let mut connection = self.pool.get()?;
            let mut tx = Tx::begin(&mut connection, Mode::Read)?;
            let result = query(&mut tx)?;
            tx.commit()?;
            Ok(result)
        })
    }

    /// Runs a read of exactly one statement outside a transaction (`Mode::Single`): one
    /// statement sees one snapshot anyway, and leaving out `START TRANSACTION` and `COMMIT`
    /// saves two of its three round trips. A second statement is refused.
    fn read_single<T: Send>(
        &self,
        query: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| {
            let mut connection = self.pool.get()?;
            query(&mut Tx::begin(&mut connection, Mode::Single)?)
        })
    }

    /// Runs `change` in a transaction, committed when it succeeds and rolled back when it
    /// fails; run again (up to `ATTEMPTS` times) when it failed on a deadlock or a
    /// serialization failure, which rolled back everything it did.
    fn write<T: Send>(
        &self,
        change: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| self.transaction(ATTEMPTS, change))
    }

    fn transaction<T>(
        &self,
        attempts: usize,
        mut change: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.pool.get()?;
        let mut attempt = 1;
        loop {
            let mut tx = Tx::begin(&mut connection, Mode::Write)?;
            match change(&mut tx) {
                Ok(value) => {
                    tx.commit()?;
                    return Ok(value);
                }
                Err(_) if attempt < attempts && tx.retryable() => attempt += 1,
                Err(error) => return Err(error),
            }
        }
    }
}

/// Lets fixture validation ask the database about ids the fixture itself does not define.
struct DatabaseRecords<'t, 'c>(RefCell<&'t mut Tx<'c>>);

impl DatabaseRecords<'_, '_> {
    fn exists(&self, sql: &str, id: Id) -> Result<bool, StoreError> {
        Ok(self.0.borrow_mut().query_opt(sql, &[&id])?.is_some())
    }
}

impl KnownRecords for DatabaseRecords<'_, '_> {
    fn user_exists(&self, id: Id) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM users WHERE id = $1", id)
    }

    fn project_exists(&self, id: Id) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM projects WHERE id = $1", id)
    }

    fn pipeline(&self, id: Id) -> Result<Option<Pipeline>, StoreError> {
        read::pipeline(&mut self.0.borrow_mut(), id)
    }

    fn job_exists(&self, id: Id) -> Result<bool, StoreError> {
        self.exists("SELECT 1 FROM jobs WHERE id = $1", id)
    }
}

impl Store for PostgresStore {
    fn personal_access_token(
        &self,
        token: &str,
    ) -> Result<Option<PersonalAccessToken>, StoreError> {
        self.read_single(|tx| read::personal_access_token(tx, token))
    }

    fn job_by_token(&self, token: &str) -> Result<Option<Job>, StoreError> {
        self.read(|tx| read::job_by_token(tx, token))
    }

    fn user(&self, id: Id) -> Result<Option<User>, StoreError> {
        self.read_single(|tx| read::user(tx, id))
    }

    fn project(&self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError> {
        self.read_single(|tx| read::project(tx, key))
    }

    fn agent_authorizations(
        &self,
        project_id: Id,
    ) -> Result<Vec<(AgentAuthorization, Project)>, StoreError> {
        self.read(|tx| read::agent_authorizations(tx, project_id))
    }

    fn pipeline(&self, project_id: Id, pipeline_id: Id) -> Result<Option<Pipeline>, StoreError> {
        self.read_single(|tx| {
            Ok(read::pipeline(tx, pipeline_id)?
                .filter(|pipeline| pipeline.project_id == project_id))
        })
    }

    fn job(&self, project_id: Id, job_id: Id) -> Result<Option<JobDetails>, StoreError> {
        self.read(|tx| read::job_details(tx, project_id, job_id))
    }

    fn list_jobs(
        &self,
        filter: &JobFilter,
        pagination: &Pagination,
    ) -> Result<Page<JobDetails>, StoreError> {
        self.read(|tx| read::list_jobs(tx, filter, pagination))
    }

    fn trace(&self, job_id: Id) -> Result<Option<String>, StoreError> {
        self.read_single(|tx| read::trace(tx, job_id))
    }

    fn artifacts_archive(&self, job_id: Id) -> Result<Option<StoredFile>, StoreError> {
        self.read_single(|tx| read::artifacts_archive(tx, job_id))
    }

    fn latest_successful_build_for_ref(
        &self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<JobDetails>, StoreError> {
        self.read(|tx| {
            read::latest_successful_build_for_ref(tx, project_id, ref_name, job_name, now)
        })
    }

    fn cancel_job(
        &self,
        project_id: Id,
        job_id: Id,
        force: bool,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| write::cancel(tx, project_id, job_id, force, now))
    }

    fn retry_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| write::retry(tx, project_id, job_id, actor, now))
    }

    fn play_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        variables: &[JobVariable],
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| write::play(tx, project_id, job_id, actor, variables, now))
    }

    fn erase_job(
        &self,
        project_id: Id,
        job_id: Id,
        actor: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| write::erase(tx, project_id, job_id, actor, now))
    }

    fn keep_artifacts(
        &self,
        project_id: Id,
        job_id: Id,
        now: DateTime<Utc>,
    ) -> Result<JobDetails, StoreError> {
        self.write(|tx| write::keep_artifacts(tx, project_id, job_id, now))
    }

    fn delete_artifacts(&self, project_id: Id, job_id: Id) -> Result<(), StoreError> {
        self.write(|tx| write::delete_artifacts(tx, project_id, job_id))
    }

    fn lock_for_loading(&self) -> Result<LoadingLock, StoreError> {
        off_runtime(|| loading::lock(self.pool.connect_apart()?)).map(LoadingLock::held)
    }

    fn is_empty(&self) -> Result<bool, StoreError> {
        self.read_single(|tx| {
            let any: bool = tx
                .query_one("SELECT EXISTS (SELECT 1 FROM projects)", &[])?
                .try_get(0)?;
            Ok(!any)
        })
    }

    fn load_fixtures(&self, fixtures: &Fixtures) -> Result<ImportSummary, StoreError> {
        let now = Utc::now();
        self.write(|tx| {
            // Locked before validating, so that what validation read is still true when the
            // records are inserted.
            tx.batch_execute(import::LOCK)?;
            let records =
                fixtures::prepare(fixtures, &DatabaseRecords(RefCell::new(&mut *tx)), now)?;
            import::import(tx, records)
        })
    }

    fn import(
        &self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError> {
        // One attempt: the records are consumed as they are written, so they cannot be
        // written again. Run where called (the records need not be `Send`): an import is
        // for a blocking thread, as the trait says.
        self.transaction(1, |tx| {
            tx.batch_execute(import::LOCK)?;
            import::import(tx, &mut *records)
        })
    }
}
