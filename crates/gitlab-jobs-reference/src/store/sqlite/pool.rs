//! SQLite connections for the store's pool (`store/pool.rs`). A file database gets several
//! (WAL lets readers run beside the one writer); an in-memory database lives in its single
//! connection, so the pool holds exactly one and callers take turns.

use std::path::PathBuf;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::store::StoreError;
use crate::store::pool::Manager;

/// How long a writer waits for another writer's lock before giving up (`SQLITE_BUSY`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Memory,
    File(PathBuf),
}

impl Location {
    /// `:memory:` and `sqlite::memory:` are in memory; `sqlite://path`, `sqlite:path` and a
    /// plain path are files.
    pub fn parse(target: &str) -> Location {
        match target {
            ":memory:" | "sqlite::memory:" | "sqlite://:memory:" => Location::Memory,
            _ => {
                let path = target
                    .strip_prefix("sqlite://")
                    .or_else(|| target.strip_prefix("sqlite:"))
                    .unwrap_or(target);
                Location::File(PathBuf::from(path))
            }
        }
    }
}

pub type Pool = crate::store::pool::Pool<Location>;

/// Opens the first connection at once, so that a bad path fails here. An in-memory database
/// lives in the pool's single connection, which callers take turns on and which is never
/// closed while the pool lives.
pub fn open(location: Location, max_size: usize) -> Result<Pool, StoreError> {
    Pool::open(location, max_size)
}

impl r2d2::ManageConnection for Location {
    type Connection = Connection;
    type Error = StoreError;

    fn connect(&self) -> Result<Connection, StoreError> {
        connect(self)
    }

    fn is_valid(&self, connection: &mut Connection) -> Result<(), StoreError> {
        Ok(connection.execute_batch("SELECT 1")?)
    }

    /// A SQLite connection is a file handle in this process: nothing closes it behind our back.
    fn has_broken(&self, _connection: &mut Connection) -> bool {
        false
    }
}

impl Manager for Location {
    /// Nothing to find out: see `has_broken`.
    const TEST_ON_CHECK_OUT: bool = false;

    fn keeps_connections(&self) -> bool {
        *self == Location::Memory
    }
}

fn connect(location: &Location) -> Result<Connection, StoreError> {
    let connection = match location {
        Location::Memory => Connection::open_in_memory()?,
        Location::File(path) => Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?,
    };
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // WAL: readers do not block the writer nor the writer the readers. NORMAL sync is
    // durable enough for a reference server and much faster in WAL mode. A 64 MiB page cache
    // (per connection) keeps the job indexes in memory while a million jobs are imported.
    connection.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -65536;",
    )?;
    connection.set_prepared_statement_cache_capacity(64);
    // The query planner stability guarantee: plans never depend on bound values. Without it,
    // SQLite (3.54, built with STAT4) marks a statement whose plan might depend on a parameter
    // for re-preparation whenever that parameter's value changes, which defeats the statement
    // cache for queries run with a new job id each time: callgrind showed `sqlite3Reprepare`
    // (parsing and planning again) at 30% of the instructions of GET job and list requests.
    // Our queries are written for one plan each (see `read::page_ids`), so nothing is lost.
    connection.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_parsed_from_urls_and_paths() {
        assert_eq!(Location::parse("sqlite::memory:"), Location::Memory);
        assert_eq!(Location::parse(":memory:"), Location::Memory);
        assert_eq!(
            Location::parse("sqlite://data/x.db"),
            Location::File("data/x.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:x.db"),
            Location::File("x.db".into())
        );
        assert_eq!(
            Location::parse("/tmp/x.db"),
            Location::File("/tmp/x.db".into())
        );
    }

    #[test]
    fn memory_pool_has_one_connection_that_keeps_its_data() {
        let pool = open(Location::Memory, 8).expect("opens");
        pool.get()
            .expect("gets")
            .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
            .expect("creates");
        for _ in 0..3 {
            let connection = pool.get().expect("gets");
            let x: i64 = connection
                .query_row("SELECT x FROM t", [], |row| row.get(0))
                .expect("reads");
            assert_eq!(x, 1);
        }
        assert_eq!(pool.open_connections(), 1);
    }

    #[test]
    fn memory_pool_callers_take_turns_on_its_connection() {
        let pool = std::sync::Arc::new(open(Location::Memory, 8).expect("opens"));
        let held = pool.get().expect("gets");
        held.execute_batch("CREATE TABLE t (x INTEGER)")
            .expect("creates");
        let waiter = {
            let pool = std::sync::Arc::clone(&pool);
            std::thread::spawn(move || {
                let connection = pool.get().expect("gets once it is free");
                connection
                    .query_row("SELECT count(*) FROM t", [], |row| row.get::<_, i64>(0))
                    .expect("the same database")
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        held.execute("INSERT INTO t VALUES (1)", [])
            .expect("inserts");
        drop(held);
        assert_eq!(waiter.join().expect("finishes"), 1);
        assert_eq!(pool.open_connections(), 1);
    }
}
