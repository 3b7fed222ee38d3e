//! The SQLite store's [`VersionProbe`]: a connection of its own, outside the pool, reading the
//! version in autocommit mode. In WAL mode a read neither waits for the writer nor touches the
//! disk when nothing changed (the page is in the connection's cache, and SQLite checks the
//! WAL index in shared memory), so it runs on the caller's thread.

use std::sync::Mutex;
use std::time::Duration;

use rusqlite::Connection;

use super::batch::Batch;
use crate::store::backend::Queries;
use crate::store::probe::{VersionProbe, VersionRead};
use crate::store::{DataVersion, StoreError};

/// How long the probe waits for a lock before it gives up.
const PROBE_BUSY_TIMEOUT: Duration = Duration::from_millis(5);

pub struct SqliteProbe {
    connection: Mutex<Connection>,
}

impl SqliteProbe {
    /// `connection` with a short busy timeout: the probe runs on an async thread, and a
    /// read that cannot go on at once (rare in WAL mode) fails rather than waits; the caller
    /// then reads the version the blocking way.
    pub fn new(connection: Connection) -> Result<SqliteProbe, StoreError> {
        connection.busy_timeout(PROBE_BUSY_TIMEOUT)?;
        Ok(SqliteProbe {
            connection: Mutex::new(connection),
        })
    }

    fn read_now(&self) -> Result<DataVersion, StoreError> {
        // A panic mid-statement leaves the connection usable: rusqlite resets the statement.
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Batch(&connection).data_version()
    }
}

impl VersionProbe for SqliteProbe {
    fn read(&self) -> VersionRead<'_> {
        Box::pin(std::future::ready(self.read_now()))
    }
}
