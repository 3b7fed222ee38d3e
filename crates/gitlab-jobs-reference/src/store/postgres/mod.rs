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
mod probe;
mod queries;
mod read;
mod runners;
mod schema;
mod tx;
mod write;

pub mod testing;
#[cfg(test)]
mod tests;

use std::str::FromStr;
use std::sync::Arc;

pub use schema::CURRENT_VERSION as SCHEMA_VERSION;

use self::blocking::off_runtime;
use self::pool::Pool;
use self::probe::PostgresProbe;
use self::tx::{Mode, Tx};
use crate::store::backend::{Backend, Queries};
use crate::store::probe::VersionProbe;
use crate::store::{ImportSummary, LoadingLock, Record, StoreError};

/// Connections one store opens at most (each request holds one for its transaction).
pub const DEFAULT_MAX_CONNECTIONS: usize = 8;

/// How many times a use case runs when the server keeps reporting a deadlock or a
/// serialization failure (rare: the row locks make the use cases on one job take turns).
const ATTEMPTS: usize = 5;

pub struct PostgresStore {
    pool: Pool,
    probe: Arc<PostgresProbe>,
}

impl PostgresStore {
    /// Connects to `postgres://user[:password]@host[:port]/database` (or `postgresql://`, or a
    /// `key=value` connection string) and migrates the database.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(url, DEFAULT_MAX_CONNECTIONS)
    }

    pub fn open_with(url: &str, max_connections: usize) -> Result<PostgresStore, StoreError> {
        let config = tokio_postgres::Config::from_str(url).map_err(StoreError::PostgresUrl)?;
        let config = pool::with_defaults(config);
        let probe = Arc::new(PostgresProbe::new(config.clone()));
        let config = ::postgres::Config::from(config);
        let store = PostgresStore {
            pool: off_runtime(|| pool::open(config, max_connections))?,
            probe,
        };
        store.write_transaction(schema::migrate)?;
        Ok(store)
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.read_one(|tx| {
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

impl Backend for PostgresStore {
    type Tx<'t> = Tx<'t>;

    fn pool_size(&self) -> usize {
        self.pool.size()
    }

    fn version_probe(&self) -> Option<Arc<dyn VersionProbe>> {
        Some(Arc::clone(&self.probe) as Arc<dyn VersionProbe>)
    }

    /// A read-only REPEATABLE READ transaction: one snapshot for all its reads, so a page and
    /// its count agree even while other instances write.
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

    /// Outside a transaction (`Mode::Single`): leaving out `START TRANSACTION` and `COMMIT`
    /// saves two of its three round trips. A second statement is refused.
    fn read_one<T: Send>(
        &self,
        query: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| {
            let mut connection = self.pool.get()?;
            query(&mut Tx::begin(&mut connection, Mode::Single)?)
        })
    }

    /// Run again (up to `ATTEMPTS` times) when it failed on a deadlock or a serialization
    /// failure, which rolled back everything it did.
    fn write_transaction<T: Send>(
        &self,
        change: impl FnMut(&mut Tx<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        off_runtime(|| self.transaction(ATTEMPTS, change))
    }

    fn loading_lock(&self) -> Result<LoadingLock, StoreError> {
        off_runtime(|| loading::lock(self.pool.connect_apart()?)).map(LoadingLock::held)
    }

    fn import_records(
        &self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError> {
        // One attempt: the records are consumed as they are written, so they cannot be
        // written again. Run where called (the records need not be `Send`): an import is
        // for a blocking thread, as the trait says.
        self.transaction(1, |tx| {
            tx.lock_for_import()?;
            tx.insert_records(&mut *records)
        })
    }
}
