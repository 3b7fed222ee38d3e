//! What a store operation can fail with.

use crate::fixtures::FixtureError;
use crate::rules::TransitionError;
use crate::rules::artifacts::InvalidArtifactPath;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The job (or pipeline) does not exist in that project, or is not of the kind asked for.
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("Job is not retryable")]
    NotRetryable,
    #[error("Unplayable Job")]
    NotPlayable,
    #[error("Job is not erasable!")]
    NotErasable,
    /// Keep was asked for a job without a downloadable archive.
    #[error("the job has no artifacts")]
    NoArtifacts,
    #[error(transparent)]
    InvalidArtifactPath(#[from] InvalidArtifactPath),
    #[error("{0:?} is not a file in the artifacts archive")]
    ArtifactEntryNotFound(String),
    #[error("the artifacts archive cannot be read: {0}")]
    CorruptArchive(String),
    #[error("invalid pagination cursor")]
    InvalidCursor,
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// SQLite failed; the driver's error is the source.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL (or the connection to it) failed; the driver's error is the source.
    #[error("database error: {}", postgres_message(.0))]
    Postgres(#[from] ::postgres::Error),
    /// No connection came free in the pool's checkout timeout, or none could be opened (the
    /// last failure is in the message).
    #[error("database error: no connection: {0}")]
    NoConnection(#[from] r2d2::Error),
    /// A PostgreSQL URL (or connection string) the driver cannot read; its error is the source.
    #[error("database error: bad PostgreSQL URL: {0}")]
    PostgresUrl(#[source] ::postgres::Error),
    /// A query parameter could not be encoded as JSON; serde_json's error is the source.
    #[error("database error: encoding a query parameter: {0}")]
    Encoding(#[from] serde_json::Error),
    /// The database holds what the store cannot read, or a store was misused.
    #[error("database error: {0}")]
    Database(String),
    /// A read that a request answered from the service's cache alone could not make there
    /// (`service/cache.rs`); the request is then answered again with the store. Never an
    /// answer of its own.
    #[error("not in the cache")]
    NotInMemory,
}

/// The `Display` of a server error is only "db error": its SQLSTATE and message are shown.
fn postgres_message(error: &::postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}

impl From<TransitionError> for StoreError {
    fn from(error: TransitionError) -> StoreError {
        match error {
            TransitionError::NotRetryable => StoreError::NotRetryable,
            TransitionError::NotPlayable => StoreError::NotPlayable,
        }
    }
}
