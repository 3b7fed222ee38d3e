//! The SQLite store: WAL, a busy timeout, migrations at open, and `BEGIN IMMEDIATE` for every
//! use case that writes, so that concurrent writers queue instead of deciding on stale reads.

mod batch;
mod codec;
mod import;
mod pool;
mod probe;
mod queries;
mod read;
mod runners;
mod schema;
mod write;

use std::sync::Arc;

use parking_lot::{FairMutex, FairMutexGuard};
use rusqlite::{Connection, TransactionBehavior};

pub use pool::Location;
pub use schema::CURRENT_VERSION as SCHEMA_VERSION;

use self::batch::Batch;
use self::pool::Pool;
use self::probe::SqliteProbe;
use crate::store::backend::{Backend, Queries};
use crate::store::probe::VersionProbe;
use crate::store::{DataVersion, ImportSummary, Record, StoreError};

/// Connections a file database opens at most. Writers take turns anyway; the rest read.
const DEFAULT_MAX_CONNECTIONS: usize = 4;

pub struct SqliteStore {
    pool: Pool,
    /// A file database's version probe (an in-memory one has no second connection).
    probe: Option<Arc<SqliteProbe>>,
    /// Held by this store's writer for its whole transaction. SQLite lets one writer in at a
    /// time; the others of this process wait here, in turn, rather than in SQLite's busy
    /// handler, which sleeps 1, 2, 5, 10 … 100 ms between tries and so lets a writer that
    /// came later go first (the long tails of a mixed load). A fair mutex: the turns go in
    /// arrival order. Writers of other processes still meet the busy handler.
    writers: FairMutex<()>,
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
        let in_memory = location == Location::Memory;
        let pool = pool::open(location, max_connections)?;
        let mut connection = pool.get()?;
        schema::migrate(&mut connection)?;
        drop(connection);
        let probe = if in_memory {
            None
        } else {
            Some(Arc::new(SqliteProbe::new(pool.connect_apart()?)?))
        };
        Ok(SqliteStore {
            pool,
            probe,
            writers: FairMutex::new(()),
        })
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.transaction(TransactionBehavior::Deferred, |connection| {
            Ok(connection.query_row("SELECT version FROM schema_version", [], |row| row.get(0))?)
        })
    }

    /// Runs `work` in a transaction of this kind, committed when it succeeds (rolled back when
    /// it fails: the transaction is dropped).
    fn transaction<T>(
        &self,
        behavior: TransactionBehavior,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.pool.get()?;
        let transaction = connection.transaction_with_behavior(behavior)?;
        let result = work(&transaction)?;
        transaction.commit()?;
        Ok(result)
    }

    /// This store's turn to write (see [`SqliteStore::writers`]).
    fn write_turn(&self) -> FairMutexGuard<'_, ()> {
        self.writers.lock()
    }

    /// Refreshes the query planner's statistics (`ANALYZE`); worth it after a bulk import.
    pub fn analyze(&self) -> Result<(), StoreError> {
        let connection = self.pool.get()?;
        connection.execute_batch("ANALYZE")?;
        Ok(())
    }
}

/// Deferred transactions for reads (one consistent snapshot), immediate ones for use cases:
/// the write lock is taken before the first read, so that concurrent writers queue instead of
/// deciding on stale reads.
impl Backend for SqliteStore {
    type Tx<'t> = Batch<'t>;

    fn pool_size(&self) -> usize {
        self.pool.size()
    }

    fn version_probe(&self) -> Option<Arc<dyn VersionProbe>> {
        self.probe
            .clone()
            .map(|probe| probe as Arc<dyn VersionProbe>)
    }

    fn read<T: Send>(
        &self,
        query: impl FnOnce(&mut Batch<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        self.transaction(TransactionBehavior::Deferred, |connection| {
            query(&mut Batch(connection))
        })
    }

    /// In autocommit mode: one statement is a transaction of its own in SQLite, and the
    /// `BEGIN` and `COMMIT` of a read transaction (parsed each time) cost more than it.
    fn read_data_version(&self) -> Result<DataVersion, StoreError> {
        let connection = self.pool.get()?;
        Batch(&connection).data_version()
    }

    fn write_transaction<T: Send>(
        &self,
        mut change: impl FnMut(&mut Batch<'_>) -> Result<T, StoreError> + Send,
    ) -> Result<T, StoreError> {
        let _turn = self.write_turn();
        self.transaction(TransactionBehavior::Immediate, |connection| {
            change(&mut Batch(connection))
        })
    }

    fn import_records(
        &self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError> {
        let _turn = self.write_turn();
        self.transaction(TransactionBehavior::Immediate, |connection| {
            Batch(connection).insert_records(records)
        })
    }
}
