//! The PostgreSQL store's [`VersionProbe`]: one async session of its own (`tokio-postgres`, the
//! client the blocking `postgres` wraps) on the server's runtime, with the statement prepared
//! once. Concurrent reads share it: the client pipelines their statements on the one
//! connection. A session the server closed (or whose runtime ended) is dropped after its
//! failed read, and the next read connects again; after a failed connection the probe waits
//! [`RETRY_AFTER`] before it tries again, and the requests in between read the version through
//! the store's pool (so a database that refuses one more session costs one attempt a second,
//! not one per request).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio_postgres::{Client, Config, NoTls, Statement};

use crate::store::probe::{VersionProbe, VersionRead};
use crate::store::{DataVersion, StoreError};

/// How long the probe leaves connecting alone after a failed attempt.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

struct Session {
    client: Client,
    version: Statement,
}

pub struct PostgresProbe {
    config: Config,
    session: Mutex<Option<Arc<Session>>>,
    /// Held while connecting, so that a burst of first requests opens one session, not many;
    /// it holds when the last attempt failed.
    connecting: tokio::sync::Mutex<Option<Instant>>,
}

impl PostgresProbe {
    /// `config` as the store's pool has it (`pool::with_defaults`).
    pub fn new(config: Config) -> PostgresProbe {
        PostgresProbe {
            config,
            session: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(None),
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
        let mut last_failure = self.connecting.lock().await;
        if let Some(session) = self.slot().clone() {
            return Ok(session);
        }
        if last_failure.is_some_and(|failed| failed.elapsed() < RETRY_AFTER) {
            return Err(StoreError::Database(
                "the version probe is not connected (its last attempt failed)".to_owned(),
            ));
        }
        let connected = self.connect().await;
        *last_failure = connected.is_err().then(Instant::now);
        let session = connected.inspect_err(|error| {
            tracing::warn!(%error, "the version probe cannot connect; reads go through the pool");
        })?;
        *self.slot() = Some(Arc::clone(&session));
        Ok(session)
    }

    async fn connect(&self) -> Result<Arc<Session>, StoreError> {
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "the version probe's PostgreSQL session ended");
            }
        });
        let version = client.prepare(DataVersion::SELECT).await?;
        Ok(Arc::new(Session { client, version }))
    }

    async fn read_async(&self) -> Result<DataVersion, StoreError> {
        let session = self.session().await?;
        match session.client.query_one(&session.version, &[]).await {
            Ok(row) => data_version_of(&row),
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

/// A row of [`DataVersion::SELECT`].
pub fn data_version_of(row: &tokio_postgres::Row) -> Result<DataVersion, StoreError> {
    Ok(DataVersion {
        data: row.try_get(0)?,
        identities: row.try_get(1)?,
    })
}

impl VersionProbe for PostgresProbe {
    fn read(&self) -> VersionRead<'_> {
        Box::pin(self.read_async())
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    /// Nothing listens on port 1: the first read tries and fails with the driver's error, the
    /// next one within `RETRY_AFTER` does not try again.
    #[test]
    fn a_failed_connection_is_not_tried_again_at_once() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let config = Config::from_str("postgres://nobody@127.0.0.1:1/none").expect("a URL");
        let probe = PostgresProbe::new(config);
        let first = runtime.block_on(probe.read()).expect_err("nothing listens");
        assert!(matches!(first, StoreError::Postgres(_)), "{first:?}");
        let second = runtime
            .block_on(probe.read())
            .expect_err("not tried again yet");
        assert!(
            matches!(&second, StoreError::Database(text) if text.contains("last attempt failed")),
            "{second:?}"
        );
    }
}
