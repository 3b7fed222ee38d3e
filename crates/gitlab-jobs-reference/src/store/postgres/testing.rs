//! PostgreSQL for test suites. `GITLAB_JOBS_TEST_POSTGRES` names a database on a server the
//! tests may write to (`scripts/postgres.sh start` prints it); every test gets a schema of its
//! own there, dropped afterwards, so tests run in parallel without seeing each other.
//!
//! Without the variable the PostgreSQL tests cannot run: each says so on the terminal (past
//! the test harness's output capture) and returns, except on CI (`CI=true`), where a missing
//! database is an error rather than a reason to skip.
//!
//! `GITLAB_JOBS_TEST_STORE=postgres` makes [`TestServer`](crate::TestServer) serve from such a
//! schema instead of in-memory SQLite, and [`SharedTestDatabase`] hand out such a schema
//! instead of a SQLite file, so the end-to-end and robustness suites built on them run against
//! PostgreSQL unchanged.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use ::postgres::{Client, NoTls};

/// The variable naming the test database.
pub const ENV: &str = "GITLAB_JOBS_TEST_POSTGRES";
/// The variable choosing `TestServer`'s store: `postgres`, or SQLite when unset.
pub const STORE_ENV: &str = "GITLAB_JOBS_TEST_STORE";

/// The test database's URL, or `None` after reporting the test as skipped. Panics on CI.
pub fn server_url() -> Option<String> {
    if let Ok(url) = std::env::var(ENV)
        && !url.trim().is_empty()
    {
        return Some(url);
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a PostgreSQL test")
        .to_owned();
    let reason = format!(
        "{ENV} is not set (run `eval \"$(scripts/postgres.sh start)\"` to start a private PostgreSQL)"
    );
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: {reason}; CI must run the PostgreSQL tests"
    );
    // Straight to the terminal: `eprintln!` would be captured and shown only on failure.
    let _ = writeln!(std::io::stderr(), "{test}: skipped: {reason}");
    None
}

/// With `GITLAB_JOBS_TEST_STORE=postgres`, a new schema for a test server; `None` otherwise.
pub fn selected_schema() -> Result<Option<TestSchema>, String> {
    match std::env::var(STORE_ENV).as_deref() {
        Ok("postgres") => {}
        Ok("sqlite") | Err(_) => return Ok(None),
        Ok(other) => return Err(format!("{STORE_ENV}={other}: use `postgres` or `sqlite`")),
    }
    match std::env::var(ENV) {
        Ok(url) if !url.trim().is_empty() => TestSchema::create(&url).map(Some),
        _ => Err(format!("{STORE_ENV}=postgres needs {ENV}")),
    }
}

/// A database for one test that several connections or processes share (a pool, `serve`
/// processes): a new SQLite file in the temp directory, or with
/// `GITLAB_JOBS_TEST_STORE=postgres` a new schema. Removed when dropped.
#[derive(Debug)]
pub struct SharedTestDatabase {
    url: String,
    file: Option<PathBuf>,
    schema: Option<TestSchema>,
}

impl SharedTestDatabase {
    /// `label` names the SQLite file (with the process id, so parallel runs do not meet).
    pub fn new(label: &str) -> Result<SharedTestDatabase, String> {
        if let Some(schema) = selected_schema()? {
            return Ok(SharedTestDatabase {
                url: schema.url(),
                file: None,
                schema: Some(schema),
            });
        }
        let file = std::env::temp_dir().join(format!(
            "gitlab-jobs-{label}-{}-{}.sqlite3",
            std::process::id(),
            NEXT_FILE.fetch_add(1, Ordering::Relaxed)
        ));
        remove_sqlite(&file);
        Ok(SharedTestDatabase {
            url: format!("sqlite://{}", file.display()),
            file: Some(file),
            schema: None,
        })
    }

    /// What `serve --database` and `open_store` take.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn is_postgres(&self) -> bool {
        self.file.is_none()
    }

    /// The SQLite file, when this is one.
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        self.file.as_deref()
    }

    /// The PostgreSQL schema, when this is one (to inspect it with a connection of its own).
    pub fn postgres_schema(&self) -> Option<&TestSchema> {
        self.schema.as_ref()
    }
}

impl Drop for SharedTestDatabase {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            remove_sqlite(file);
        }
    }
}

static NEXT_FILE: AtomicUsize = AtomicUsize::new(0);

/// A SQLite database file with its WAL files.
fn remove_sqlite(file: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
}

/// A schema of its own for one test, dropped with everything in it when the value is.
#[derive(Debug)]
pub struct TestSchema {
    server_url: String,
    name: String,
}

impl TestSchema {
    pub fn create(server_url: &str) -> Result<TestSchema, String> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let name = format!(
            "test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        execute(server_url, format!("CREATE SCHEMA {name}"))
            .map_err(|error| format!("creating schema {name} in {ENV}: {error}"))?;
        Ok(TestSchema {
            server_url: server_url.to_owned(),
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The database URL with this schema as the connections' only `search_path`, and its
    /// name as their `application_name` (to find this test's sessions on the server).
    pub fn url(&self) -> String {
        let separator = if self.server_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!(
            "{}{separator}options=-c%20search_path%3D{name}&application_name={name}",
            self.server_url,
            name = self.name
        )
    }

    /// A connection of its own to the server (not through a store), in this schema. Not for
    /// async code (the client blocks).
    pub fn connect(&self) -> Client {
        Client::connect(&self.url(), NoTls)
            .unwrap_or_else(|error| panic!("connecting to {ENV}: {error}"))
    }
}

impl Drop for TestSchema {
    fn drop(&mut self) {
        // Best effort: a schema left behind by a crashed test is harmless (unique name).
        let _ = execute(
            &self.server_url,
            format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
        );
    }
}

/// Runs one statement on a connection of its own, on a thread of its own: the blocking client
/// cannot run on a thread that drives async tasks (a `TestServer` is created and dropped
/// there).
fn execute(server_url: &str, sql: String) -> Result<(), String> {
    let server_url = server_url.to_owned();
    std::thread::spawn(move || {
        Client::connect(&server_url, NoTls)
            .and_then(|mut client| client.batch_execute(&sql))
            .map_err(|error| error.to_string())
    })
    .join()
    .unwrap_or_else(|_| Err("the statement's thread panicked".to_owned()))
}
