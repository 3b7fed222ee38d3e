//! PostgreSQL connections for the store's pool (`store/pool.rs`), each with its cache of
//! prepared statements; one the server closed is dropped when it comes back, so a restarted
//! database costs one failed request rather than a dead pool.

use std::collections::HashMap;
use std::time::Duration;

use ::postgres::{Client, Config, NoTls, Statement};

use super::blocking::off_runtime;
use crate::store::StoreError;
use crate::store::pool::Manager;

/// How long connecting may take before the store gives up (a wrong port fails at once; a
/// blackholed address would otherwise hang the request).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub type Pool = crate::store::pool::Pool<Server>;

/// One connection and the statements prepared on it. Prepared statements belong to the
/// server session, so they live and die with the connection.
pub struct Connection {
    pub client: Client,
    pub statements: HashMap<String, Statement>,
}

/// The server the pool connects to.
#[derive(Clone)]
pub struct Server {
    config: Config,
}

/// What the store's sessions (the pool's and the version probe's) use unless the URL says
/// otherwise: a connect timeout, and the application name `pg_stat_activity` shows.
pub fn with_defaults(mut config: tokio_postgres::Config) -> tokio_postgres::Config {
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_application_name().is_none() {
        config.application_name("gitlab-jobs-reference");
    }
    config
}

/// Connects once at once, so that a wrong URL or a stopped server fails at open.
pub fn open(config: Config, max_size: usize) -> Result<Pool, StoreError> {
    Pool::open(Server { config }, max_size)
}

impl r2d2::ManageConnection for Server {
    type Connection = Connection;
    type Error = StoreError;

    fn connect(&self) -> Result<Connection, StoreError> {
        // No TLS: the reference server talks to a database on loopback or a private network.
        let client = self.config.connect(NoTls)?;
        Ok(Connection {
            client,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, connection: &mut Connection) -> Result<(), StoreError> {
        Ok(connection.client.is_valid(CONNECT_TIMEOUT)?)
    }

    fn has_broken(&self, connection: &mut Connection) -> bool {
        connection.client.is_closed()
    }
}

impl Manager for Server {
    /// Not each time: a round trip of its own would double those of a request answered from
    /// the service's cache (one statement). A connection the server closed fails its next
    /// statement, which marks it closed, and `has_broken` drops it when it comes back.
    const TEST_ON_CHECK_OUT: bool = false;

    /// Closing a connection blocks (see `blocking.rs`): a server may drop its store in a task.
    fn close(pool: r2d2::Pool<Server>) {
        off_runtime(move || drop(pool));
    }
}
