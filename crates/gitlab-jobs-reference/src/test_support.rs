//! Shared helpers of the unit tests.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, TimeZone, Utc};

use gitlab_jobs_server::Encoded;

use crate::fixtures::Fixtures;
use crate::store::postgres::testing::{self as postgres_testing, TestSchema};
use crate::store::sqlite::Location;
use crate::store::{PostgresStore, SqliteStore, Store};

/// The small fixture of `testdata/small.json`.
pub fn small_fixtures() -> Fixtures {
    Fixtures::from_json(include_str!("../testdata/small.json")).expect("testdata/small.json parses")
}

/// `testdata/restricted.json`, loaded on top of the small fixture: projects 4 (`acme/locked`,
/// variables restricted to maintainers) and 5 (`acme/sealed`, `no_one_allowed`), each with a
/// manual pipeline of manual jobs (402 a bridge).
pub fn restricted_fixtures() -> Fixtures {
    Fixtures::from_json(include_str!("../testdata/restricted.json"))
        .expect("testdata/restricted.json parses")
}

/// `testdata/inputs.json`, loaded on top of the small fixture: project 6 (`acme/inputs`) with
/// jobs that define CI inputs (600 failed, with a stored value; 601 manual), one that defines
/// none (602) and a manual bridge (603).
pub fn inputs_fixtures() -> Fixtures {
    Fixtures::from_json(include_str!("../testdata/inputs.json"))
        .expect("testdata/inputs.json parses")
}

/// An in-memory store with the small fixture loaded.
pub fn small_store() -> SqliteStore {
    let store = SqliteStore::in_memory().expect("in-memory store opens");
    store
        .load_fixtures(&small_fixtures())
        .expect("small fixture loads");
    store
}

/// "Now" for the small fixture: the day after its jobs ran.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 2, 0, 0, 0)
        .single()
        .expect("valid time")
}

/// A database file in the temp directory, deleted (with its WAL files) on drop.
pub struct TempDatabase {
    pub path: PathBuf,
}

impl TempDatabase {
    pub fn new(label: &str) -> TempDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = format!(
            "gitlab-jobs-reference-{label}-{}-{}.db",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(unique);
        let database = TempDatabase { path };
        database.remove();
        database
    }

    pub fn target(&self) -> String {
        self.path.to_string_lossy().into_owned()
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = self.path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        self.remove();
    }
}

/// A store implementation the shared suites run against (see `store_suite!`).
pub enum Backend {
    Sqlite,
    /// A database URL from `GITLAB_JOBS_TEST_POSTGRES`; each database is a schema in it.
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL backend, or `None` when `GITLAB_JOBS_TEST_POSTGRES` is not set (the test
    /// then reports itself skipped; on CI it fails instead).
    pub fn postgres() -> Option<Backend> {
        postgres_testing::server_url().map(Backend::Postgres)
    }

    /// A new, empty database that several stores can open (SQLite: a file).
    pub fn database(&self) -> TestDatabase {
        match self {
            Backend::Sqlite => TestDatabase::Sqlite(TempDatabase::new("suite")),
            Backend::Postgres(server_url) => TestDatabase::Postgres(
                TestSchema::create(server_url).expect("a test schema is created"),
            ),
        }
    }

    /// A store on a new, empty database (SQLite: in memory, as fast as it gets).
    pub fn empty_store(&self) -> TestStore {
        match self {
            Backend::Sqlite => TestStore {
                store: Arc::new(SqliteStore::in_memory().expect("in-memory store opens")),
                _database: None,
            },
            Backend::Postgres(_) => {
                let database = self.database();
                TestStore {
                    store: database.open(2),
                    _database: Some(database),
                }
            }
        }
    }

    /// A store with the small fixture loaded, on a database other stores could open too
    /// (SQLite: a file, which gives the store its version probe).
    pub fn small_store_shared(&self) -> TestStore {
        let database = self.database();
        let store = TestStore {
            store: database.open(2),
            _database: Some(database),
        };
        store
            .load_fixtures(&small_fixtures())
            .expect("small fixture loads");
        store
    }

    /// A store with the small fixture loaded.
    pub fn small_store(&self) -> TestStore {
        let store = self.empty_store();
        store
            .load_fixtures(&small_fixtures())
            .expect("small fixture loads");
        store
    }
}

/// A test database, removed when dropped.
pub enum TestDatabase {
    Sqlite(TempDatabase),
    Postgres(TestSchema),
}

impl TestDatabase {
    /// Opens a store on this database with at most `connections` connections; every call is
    /// another instance, as another server process would have.
    pub fn open(&self, connections: usize) -> Arc<dyn Store> {
        match self {
            TestDatabase::Sqlite(file) => Arc::new(
                SqliteStore::open_with(Location::File(file.path.clone()), connections)
                    .expect("SQLite file opens"),
            ),
            TestDatabase::Postgres(schema) => Arc::new(
                PostgresStore::open_with(&schema.url(), connections)
                    .expect("PostgreSQL schema opens"),
            ),
        }
    }
}

/// A store and the database it lives in (dropped after the store).
pub struct TestStore {
    store: Arc<dyn Store>,
    _database: Option<TestDatabase>,
}

impl TestStore {
    /// The store, to share between threads.
    pub fn shared(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }
}

impl Deref for TestStore {
    type Target = dyn Store;

    fn deref(&self) -> &(dyn Store + 'static) {
        self.store.as_ref()
    }
}

/// Defines each listed test function (`fn(&Backend)`) as a test once per store, named
/// `sqlite::NAME` and `postgres::NAME`, so that one suite proves both stores behave alike.
macro_rules! store_suite {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $test() {
                    super::$test(&$crate::test_support::Backend::Sqlite);
                }
            )+
        }

        mod postgres {
            $(
                #[test]
                fn $test() {
                    if let Some(backend) = $crate::test_support::Backend::postgres() {
                        super::$test(&backend);
                    }
                }
            )+
        }
    };
}

pub(crate) use store_suite;

/// The JSON an encoded answer sends.
pub fn sent<T>(encoded: &Encoded<T>) -> serde_json::Value {
    serde_json::from_slice(encoded.bytes()).expect("an encoded answer is JSON")
}
