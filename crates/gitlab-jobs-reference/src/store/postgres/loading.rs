//! The lock that instances take turns on to load into a shared database (see
//! `Store::lock_for_loading`). A session-level advisory lock, on a connection of its own: the
//! loading runs in several transactions on pooled connections, and a transaction-level lock
//! would end with the first of them. Closing the connection releases the lock, also when the
//! process dies while loading.

use super::blocking::off_runtime;
use super::pool::Connection;
use crate::store::StoreError;

/// The class of the loading lock (the other key is the schema's name, as for the migrations'
/// lock in `schema.rs`, whose class differs: migrating and loading are separate turns).
const LOADING_LOCK_CLASS: i32 = 0x676a_6c64;

/// Holds the loading lock of its connection's schema until dropped.
pub struct SessionLock {
    connection: Option<Connection>,
}

/// Waits for the loading lock on `connection`, a connection no one else uses.
pub fn lock(mut connection: Connection) -> Result<SessionLock, StoreError> {
    connection.client.execute(
        "SELECT pg_advisory_lock($1, hashtext(coalesce(current_schema(), '')))",
        &[&LOADING_LOCK_CLASS],
    )?;
    Ok(SessionLock {
        connection: Some(connection),
    })
}

impl Drop for SessionLock {
    /// Closing the session releases its advisory locks; closing blocks (see `blocking.rs`).
    fn drop(&mut self) {
        let connection = self.connection.take();
        off_runtime(move || drop(connection));
    }
}
