//! The connection pool of both stores: it opens connections as requests need them, up to its
//! size, then makes callers wait for one to come back. What a connection is, how it is opened
//! and when it is no longer worth keeping is each store's (`sqlite/pool.rs`,
//! `postgres/pool.rs`).

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::store::StoreError;

/// How a store opens its connections.
pub trait Connect: Send + Sync {
    type Connection: Send;

    fn connect(&self) -> Result<Self::Connection, StoreError>;

    /// A connection that can serve no more requests (the server closed it): the pool drops it
    /// instead of handing it out, so that a restarted server costs one failed request rather
    /// than a dead pool.
    fn is_broken(_connection: &Self::Connection) -> bool {
        false
    }

    /// Closes the idle connections when the pool is dropped.
    fn close(connections: Vec<Self::Connection>) {
        drop(connections);
    }
}

struct State<T> {
    idle: Vec<T>,
    open: usize,
}

pub struct Pool<C: Connect> {
    connector: C,
    max_size: usize,
    state: Mutex<State<C::Connection>>,
    returned: Condvar,
}

impl<C: Connect> Pool<C> {
    /// Connects once at once, so that a bad database fails here (and an in-memory SQLite
    /// database exists for the pool's whole life).
    pub fn open(connector: C, max_size: usize) -> Result<Pool<C>, StoreError> {
        let first = connector.connect()?;
        Ok(Pool {
            connector,
            max_size: max_size.max(1),
            state: Mutex::new(State {
                idle: vec![first],
                open: 1,
            }),
            returned: Condvar::new(),
        })
    }

    /// Takes an idle connection, opens a new one if the pool may grow, or waits.
    pub fn get(&self) -> Result<PooledConnection<'_, C>, StoreError> {
        let mut state = self.lock();
        loop {
            if let Some(connection) = state.idle.pop() {
                if C::is_broken(&connection) {
                    state.open -= 1;
                    continue;
                }
                return Ok(self.lend(connection));
            }
            if state.open < self.max_size {
                state.open += 1;
                drop(state);
                return match self.connector.connect() {
                    Ok(connection) => Ok(self.lend(connection)),
                    Err(error) => {
                        // The place is free again: a waiting caller may try to connect.
                        self.lock().open -= 1;
                        self.returned.notify_one();
                        Err(error)
                    }
                };
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }

    /// A connection of its own, outside the pool and not counted in its size: for what must
    /// not come back to the pool, such as a session holding a lock.
    pub fn connect_apart(&self) -> Result<C::Connection, StoreError> {
        self.connector.connect()
    }

    /// How many connections are open (idle or lent).
    #[cfg(test)]
    pub fn open_connections(&self) -> usize {
        self.lock().open
    }

    fn lend(&self, connection: C::Connection) -> PooledConnection<'_, C> {
        PooledConnection {
            pool: self,
            connection: Some(connection),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<C::Connection>> {
        // A panic while holding the lock cannot leave `State` inconsistent (push/pop/counter).
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn give_back(&self, connection: C::Connection) {
        let mut state = self.lock();
        if C::is_broken(&connection) {
            state.open -= 1;
        } else {
            state.idle.push(connection);
        }
        drop(state);
        self.returned.notify_one();
    }
}

impl<C: Connect> Drop for Pool<C> {
    fn drop(&mut self) {
        C::close(std::mem::take(&mut self.lock().idle));
    }
}

/// A connection borrowed from the pool; it goes back when dropped.
pub struct PooledConnection<'a, C: Connect> {
    pool: &'a Pool<C>,
    connection: Option<C::Connection>,
}

impl<C: Connect> Deref for PooledConnection<'_, C> {
    type Target = C::Connection;

    fn deref(&self) -> &C::Connection {
        self.connection
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl<C: Connect> DerefMut for PooledConnection<'_, C> {
    fn deref_mut(&mut self) -> &mut C::Connection {
        self.connection
            .as_mut()
            .expect("a pooled connection is present until dropped")
    }
}

impl<C: Connect> Drop for PooledConnection<'_, C> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.pool.give_back(connection);
        }
    }
}
