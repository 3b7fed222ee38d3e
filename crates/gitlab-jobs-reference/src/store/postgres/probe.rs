//! The PostgreSQL store's [`VersionProbe`]: one async session of its own (`tokio-postgres`, the
//! client the blocking `postgres` wraps) on the server's runtime, with the statement prepared
//! once. Concurrent reads share it: the client pipelines their statements on the one
//! connection. A session the server closed (or whose runtime ended) is dropped after its
//! failed read, and the next read connects again.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio_postgres::{Client, Config, NoTls, Statement};

use crate::store::StoreError;
use crate::store::probe::{VersionProbe, VersionRead};

/// How long connecting may take; the request waiting for it falls back to the pool.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

struct Session {
    client: Client,
    version: Statement,
}

pub struct PostgresProbe {
    config: Config,
    session: Mutex<Option<Arc<Session>>>,
    /// Held while connecting, so that a burst of first requests opens one session, not many.
    connecting: tokio::sync::Mutex<()>,
}

impl PostgresProbe {
    pub fn new(mut config: Config) -> PostgresProbe {
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("gitlab-jobs-reference");
        }
        PostgresProbe {
            config,
            session: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Arc<Session>>> {
        // Only whole `Option`s are stored: a panic elsewhere cannot leave it half written.
        self.session
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn session(&self) -> Result<Arc<Session>, StoreError> {
        if let Some(session) = self.slot().clone() {
            return Ok(session);
        }
        let _connecting = self.connecting.lock().await;
        if let Some(session) = self.slot().clone() {
            return Ok(session);
        }
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "the version probe's PostgreSQL session ended");
            }
        });
        let version = client.prepare("SELECT version FROM data_version").await?;
        let session = Arc::new(Session { client, version });
        *self.slot() = Some(Arc::clone(&session));
        Ok(session)
    }

    async fn read_async(&self) -> Result<i64, StoreError> {
        let session = self.session().await?;
        match session.client.query_one(&session.version, &[]).await {
            Ok(row) => Ok(row.try_get(0)?),
            Err(error) => {
                if session.client.is_closed() {
                    let mut slot = self.slot();
                    if slot
                        .as_ref()
                        .is_some_and(|current| Arc::ptr_eq(current, &session))
                    {
                        *slot = None;
                    }
                }
                Err(error.into())
            }
        }
    }
}

impl VersionProbe for PostgresProbe {
    fn read(&self) -> VersionRead<'_> {
        Box::pin(self.read_async())
    }
}
