//! The connection pool of both stores: r2d2's, which opens connections as requests need them
//! up to its size, makes callers wait for one at most [`CHECKOUT_TIMEOUT`], drops the
//! connections its manager says are broken when they come back, and closes idle and old ones
//! in the background. What a connection is, how it is opened and checked is each store's
//! ([`Manager`] in `sqlite/pool.rs` and `postgres/pool.rs`).
//!
//! r2d2 rather than deadpool: the stores are synchronous and run on blocking threads, and
//! r2d2's checkout is a blocking call; deadpool's is a future, which a blocking thread would
//! have to drive on a runtime of its own for every request.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use r2d2::ManageConnection;
use scheduled_thread_pool::ScheduledThreadPool;

use crate::store::StoreError;

/// How long a caller waits for a connection (every one in use, or none can be opened) before
/// the request fails with an honest 5xx.
pub const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);

pub type PooledConnection<M> = r2d2::PooledConnection<M>;

/// How a store opens and checks its connections.
pub trait Manager: ManageConnection<Error = StoreError> + Clone {
    /// Whether a connection is worth checking (a round trip, [`ManageConnection::is_valid`])
    /// each time it is taken out, on top of [`ManageConnection::has_broken`] when it comes back.
    const TEST_ON_CHECK_OUT: bool;

    /// Whether the connections must live as long as the pool: an in-memory SQLite database
    /// exists only in its connection, so that one is never closed for being idle or old.
    fn keeps_connections(&self) -> bool {
        false
    }

    /// Closes the pool's connections when the store is dropped (PostgreSQL's block, see
    /// `postgres/blocking.rs`).
    fn close(pool: r2d2::Pool<Self>) {
        drop(pool);
    }
}

/// The threads that open connections and close idle ones, shared by every pool of the process
/// (r2d2 starts three per pool otherwise).
fn helper_threads() -> Arc<ScheduledThreadPool> {
    static THREADS: OnceLock<Arc<ScheduledThreadPool>> = OnceLock::new();
    Arc::clone(THREADS.get_or_init(|| {
        Arc::new(
            ScheduledThreadPool::builder()
                .num_threads(2)
                .thread_name_pattern("gitlab-jobs-pool-{}")
                .build(),
        )
    }))
}

/// Logs what the helper threads fail to do (opening a connection, mostly): the request that
/// waited for it gets the same error in its timeout.
#[derive(Debug)]
struct LogErrors;

impl r2d2::HandleError<StoreError> for LogErrors {
    fn handle_error(&self, error: StoreError) {
        tracing::warn!(%error, "the connection pool could not open a connection");
    }
}

pub struct Pool<M: Manager> {
    /// Always `Some` until dropped.
    pool: Option<r2d2::Pool<M>>,
    /// For [`Pool::connect_apart`].
    manager: M,
}

impl<M: Manager> Pool<M> {
    /// Connects once at once, so that a bad database fails here with its own error (rather
    /// than after the checkout timeout), then keeps one connection open.
    pub fn open(manager: M, max_size: usize) -> Result<Pool<M>, StoreError> {
        Pool::open_with(manager, max_size, CHECKOUT_TIMEOUT)
    }

    fn open_with(
        manager: M,
        max_size: usize,
        checkout_timeout: Duration,
    ) -> Result<Pool<M>, StoreError> {
        drop(manager.connect()?);
        let forever = manager.keeps_connections();
        let max_size = if forever {
            1
        } else {
            u32::try_from(max_size.max(1)).unwrap_or(u32::MAX)
        };
        let mut builder = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(1))
            .connection_timeout(checkout_timeout)
            .test_on_check_out(M::TEST_ON_CHECK_OUT)
            .error_handler(Box::new(LogErrors))
            .thread_pool(helper_threads());
        if forever {
            builder = builder.idle_timeout(None).max_lifetime(None);
        }
        Ok(Pool {
            pool: Some(builder.build_unchecked(manager.clone())),
            manager,
        })
    }

    fn pool(&self) -> &r2d2::Pool<M> {
        self.pool
            .as_ref()
            .expect("the pool is present until dropped")
    }

    /// Takes an idle connection, opens a new one if the pool may grow, or waits for one at most
    /// [`CHECKOUT_TIMEOUT`].
    pub fn get(&self) -> Result<PooledConnection<M>, StoreError> {
        Ok(self.pool().get()?)
    }

    /// A connection of its own, outside the pool and not counted in its size: for what must
    /// not come back to the pool, such as a session holding a lock.
    pub fn connect_apart(&self) -> Result<M::Connection, StoreError> {
        self.manager.connect()
    }

    /// How many connections the pool lends at most.
    pub fn size(&self) -> usize {
        usize::try_from(self.pool().max_size()).unwrap_or(usize::MAX)
    }

    /// How many connections are open (idle or lent).
    #[cfg(test)]
    pub fn open_connections(&self) -> u32 {
        self.pool().state().connections
    }
}

impl<M: Manager> Drop for Pool<M> {
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            M::close(pool);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::thread;
    use std::time::Instant;

    use super::*;
    use crate::store::sqlite::Location;
    use crate::test_support::TempDatabase;

    #[test]
    fn callers_wait_for_a_connection_and_give_up_after_the_checkout_timeout() {
        let file = TempDatabase::new("pool");
        let timeout = Duration::from_millis(200);
        let pool = Arc::new(
            Pool::open_with(Location::File(file.path.clone()), 2, timeout).expect("opens"),
        );
        let held = [pool.get().expect("first"), pool.get().expect("second")];
        let started = Instant::now();
        let refused = pool.get().map(drop);
        assert!(
            matches!(refused, Err(StoreError::NoConnection(_))),
            "{refused:?}"
        );
        assert!(started.elapsed() >= timeout, "it waited first");

        // A caller that waits gets the connection another gives back.
        let (done, finished) = mpsc::channel();
        let waiter = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || {
                let answer = pool.get().map(drop);
                let _ = done.send(());
                answer
            })
        };
        assert!(finished.recv_timeout(timeout / 4).is_err(), "it waits");
        drop(held);
        assert!(waiter.join().expect("finishes").is_ok());
        assert_eq!(pool.open_connections(), 2, "no more than its size");
    }

    #[test]
    fn a_bad_database_fails_at_open_with_its_own_error() {
        let missing = Location::File("/nonexistent-directory/x.sqlite3".into());
        let started = Instant::now();
        let error = Pool::open(missing, 2).err().expect("refused");
        assert!(matches!(error, StoreError::Sqlite(_)), "{error:?}");
        assert!(started.elapsed() < CHECKOUT_TIMEOUT, "without waiting");
    }
}
