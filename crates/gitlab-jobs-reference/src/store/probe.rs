//! Reading the data version ([`Store::data_version`](crate::store::Store::data_version)) from
//! async code, without a blocking thread: what lets a request the service's cache can answer
//! be answered on the runtime's own threads, with the same freshness as every other request
//! (the version is read from the database each time, never assumed).

use std::future::Future;
use std::pin::Pin;

use crate::store::{DataVersion, StoreError};

/// A read of the data version in flight.
pub type VersionRead<'a> =
    Pin<Box<dyn Future<Output = Result<DataVersion, StoreError>> + Send + 'a>>;

/// Reads the data version without blocking the thread that polls it for long: a statement on
/// a connection of its own (SQLite reads it from its page cache in microseconds; PostgreSQL's
/// is an async round trip, shared by concurrent requests).
pub trait VersionProbe: Send + Sync {
    fn read(&self) -> VersionRead<'_>;
}
