//! A small pool of PostgreSQL connections, each with its cache of prepared statements. It
//! grows up to its size as requests need connections and drops connections the server
//! closed, so a restarted database costs one failed request rather than a dead pool.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use ::postgres::{Client, Config, NoTls, Statement};

use super::blocking::off_runtime;
use crate::store::StoreError;

/// How long connecting may take before the store gives up (a wrong port fails at once; a
/// blackholed address would otherwise hang the request).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One connection and the statements prepared on it. Prepared statements belong to the
/// server session, so they live and die with the connection.
pub struct Connection {
    pub client: Client,
    pub statements: HashMap<String, Statement>,
}

struct State {
    idle: Vec<Connection>,
    open: usize,
}

pub struct Pool {
    config: Config,
    max_size: usize,
    state: Mutex<State>,
    returned: Condvar,
}

impl Pool {
    /// Connects once at once, so that a wrong URL or a stopped server fails at open.
    pub fn open(mut config: Config, max_size: usize) -> Result<Pool, StoreError> {
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("gitlab-jobs-reference");
        }
        let first = connect(&config)?;
        Ok(Pool {
            config,
            max_size: max_size.max(1),
            state: Mutex::new(State {
                idle: vec![first],
                open: 1,
            }),
            returned: Condvar::new(),
        })
    }

    /// Takes an idle connection, opens a new one if the pool may grow, or waits.
    pub fn get(&self) -> Result<PooledConnection<'_>, StoreError> {
        let mut state = self.lock();
        loop {
            if let Some(connection) = state.idle.pop() {
                if connection.client.is_closed() {
                    state.open -= 1;
                    continue;
                }
                return Ok(PooledConnection {
                    pool: self,
                    connection: Some(connection),
                });
            }
            if state.open < self.max_size {
                state.open += 1;
                drop(state);
                return match connect(&self.config) {
                    Ok(connection) => Ok(PooledConnection {
                        pool: self,
                        connection: Some(connection),
                    }),
                    Err(error) => {
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

    /// A connection of its own, outside the pool (and not counted in its size): for a session
    /// lock, which must not go back to the pool with the lock still held.
    pub fn connect_apart(&self) -> Result<Connection, StoreError> {
        connect(&self.config)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave `State` inconsistent (push/pop/counter).
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A connection the server closed (restart, idle timeout) is not kept: the next `get`
    /// opens a fresh one.
    fn give_back(&self, connection: Connection) {
        let mut state = self.lock();
        if connection.client.is_closed() {
            state.open -= 1;
        } else {
            state.idle.push(connection);
        }
        drop(state);
        self.returned.notify_one();
    }
}

impl Drop for Pool {
    /// Closing a connection blocks (see `blocking.rs`): a server may drop its store in a task.
    fn drop(&mut self) {
        let idle = std::mem::take(&mut self.lock().idle);
        off_runtime(move || drop(idle));
    }
}

fn connect(config: &Config) -> Result<Connection, StoreError> {
    // No TLS: the reference server talks to a database on loopback or a private network.
    let client = config.connect(NoTls)?;
    Ok(Connection {
        client,
        statements: HashMap::new(),
    })
}

/// A connection borrowed from the pool; it goes back when dropped.
pub struct PooledConnection<'a> {
    pool: &'a Pool,
    connection: Option<Connection>,
}

impl Deref for PooledConnection<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.connection
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl DerefMut for PooledConnection<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.connection
            .as_mut()
            .expect("a pooled connection is present until dropped")
    }
}

impl Drop for PooledConnection<'_> {
    fn drop(&mut self) {
        if let Some(connection) = self.connection.take() {
            self.pool.give_back(connection);
        }
    }
}
