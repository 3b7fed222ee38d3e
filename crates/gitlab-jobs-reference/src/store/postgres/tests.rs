//! What only the PostgreSQL store has: migrations shared by instances, identities, `bytea`
//! logs, a pool that survives the server closing its connections, and use cases run again
//! after a serialization failure. The behaviour both stores share is the store suite
//! (`store/tests.rs`, `store/multi_instance_tests.rs`).

use std::sync::Arc;
use std::thread;

use super::testing::{TestSchema, server_url};
use super::*;
use crate::store::{DataVersion, Store};
use crate::test_support::{now, small_fixtures};

/// A migrated, empty schema of its own, or `None` when the test is skipped.
fn schema() -> Option<TestSchema> {
    server_url().map(|server| TestSchema::create(&server).expect("a test schema is created"))
}

#[test]
fn a_new_schema_is_migrated_to_the_current_version() {
    let Some(schema) = schema() else { return };
    let store = PostgresStore::open(&schema.url()).expect("opens");
    assert_eq!(store.schema_version().expect("reads"), SCHEMA_VERSION);
    assert!(store.is_empty().expect("reads"));
}

#[test]
fn instances_opening_a_new_database_at_once_migrate_it_once() {
    let Some(schema) = schema() else { return };
    let url = Arc::new(schema.url());
    let opened: Vec<_> = (0..6)
        .map(|_| {
            let url = Arc::clone(&url);
            thread::spawn(move || PostgresStore::open_with(&url, 1).map(|_| ()))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|handle| handle.join().expect("thread finishes"))
        .collect();
    assert!(opened.iter().all(Result::is_ok), "{opened:?}");
    let versions = schema
        .connect()
        .query("SELECT version FROM schema_version", &[])
        .expect("reads");
    assert_eq!(versions.len(), 1, "one row");
    assert_eq!(versions[0].get::<_, i64>(0), SCHEMA_VERSION);
}

#[test]
fn instances_take_turns_loading_and_other_schemas_do_not_wait() {
    let Some(schema) = schema() else { return };
    let first = PostgresStore::open_with(&schema.url(), 1).expect("opens");
    let second = PostgresStore::open_with(&schema.url(), 1).expect("opens");
    let turn = first.lock_for_loading().expect("locks");
    // Held apart from the pool: the first store's only pooled connection is still free.
    assert!(first.is_empty().expect("reads"));
    let (taken, waiting) = std::sync::mpsc::channel();
    let waiter = thread::spawn(move || {
        let turn = second.lock_for_loading().expect("locks after the first");
        let _ = taken.send(());
        drop(turn);
    });
    let timeout = std::time::Duration::from_millis(300);
    assert!(waiting.recv_timeout(timeout).is_err(), "the second waits");
    let other = self::schema().expect("the same server, another schema");
    let elsewhere = PostgresStore::open(&other.url()).expect("opens");
    drop(
        elsewhere
            .lock_for_loading()
            .expect("another schema has a lock of its own"),
    );
    drop(turn);
    waiting
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("the second's turn once the first's lock is dropped");
    waiter.join().expect("thread finishes");
}

#[test]
fn a_database_of_a_newer_program_is_refused() {
    let Some(schema) = schema() else { return };
    drop(PostgresStore::open(&schema.url()).expect("opens"));
    schema
        .connect()
        .batch_execute("UPDATE schema_version SET version = 99")
        .expect("updates");
    let error = PostgresStore::open(&schema.url())
        .err()
        .map(|error| error.to_string());
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("schema version 99")),
        "{error:?}"
    );
}

#[test]
fn malformed_urls_and_unreachable_servers_fail_at_open() {
    let bad = PostgresStore::open("postgres://[::1").err();
    assert!(
        matches!(bad, Some(ref error @ StoreError::PostgresUrl(_))
            if error.to_string().starts_with("database error: bad PostgreSQL URL")),
        "{bad:?}"
    );
    // The driver's error is kept as the source.
    let source = bad.as_ref().and_then(std::error::Error::source);
    assert!(source.is_some_and(|source| source.is::<::postgres::Error>()));
    let refused = PostgresStore::open("postgres://nobody@127.0.0.1:1/none").err();
    assert!(
        matches!(refused, Some(StoreError::Postgres(_))),
        "{refused:?}"
    );
}

#[test]
fn new_ids_follow_explicitly_given_ones() {
    let Some(schema) = schema() else { return };
    let store = PostgresStore::open(&schema.url()).expect("opens");
    store.load_fixtures(&small_fixtures()).expect("loads");
    let template = store.job(1, 100).expect("reads").expect("exists").job;
    let imported = crate::model::Job {
        id: 5_000,
        token: None,
        ..template
    };
    store
        .import(&mut std::iter::once(Record::Job(Box::new(imported))))
        .expect("imports");
    let new = store.retry_job(1, 101, 3, now()).expect("retries");
    assert_eq!(
        new.job.id, 5_001,
        "after the largest id, as SQLite's AUTOINCREMENT"
    );
}

#[test]
fn logs_are_bytes_and_may_hold_nul() {
    let Some(schema) = schema() else { return };
    let store = PostgresStore::open(&schema.url()).expect("opens");
    store.load_fixtures(&small_fixtures()).expect("loads");
    let log = "step 1\0 done ✓\n".to_owned();
    store
        .import(&mut std::iter::once(Record::Trace {
            job_id: 102,
            content: log.clone(),
        }))
        .expect("imports");
    assert_eq!(store.trace(102).expect("reads"), Some(log.clone()));
    let details = store.job(1, 102).expect("reads").expect("exists");
    assert_eq!(details.trace_size, Some(log.len() as i64), "in bytes");
}

/// Has the server close the store's sessions (they carry the schema's name as
/// `application_name`), as a restart or an administrator would; one row per session.
fn terminate_sessions(schema: &TestSchema) -> Vec<::postgres::Row> {
    schema
        .connect()
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE application_name = $1 AND pid <> pg_backend_pid()",
            &[&schema.name()],
        )
        .expect("terminates")
}

#[test]
fn the_pool_reconnects_after_the_server_closed_its_connections() {
    let Some(schema) = schema() else { return };
    let store = PostgresStore::open_with(&schema.url(), 2).expect("opens");
    store.load_fixtures(&small_fixtures()).expect("loads");
    let terminated = terminate_sessions(&schema);
    assert!(!terminated.is_empty(), "the store's sessions were found");
    // The first request on a killed connection may fail; the pool then drops it.
    let answers: Vec<bool> = (0..4)
        .map(|_| store.user(1).is_ok_and(|user| user.is_some()))
        .collect();
    assert_eq!(answers.last(), Some(&true), "{answers:?}");
}

#[test]
fn the_version_probe_reads_the_version_and_reconnects() {
    let Some(schema) = schema() else { return };
    let store = PostgresStore::open_with(&schema.url(), 2).expect("opens");
    store.load_fixtures(&small_fixtures()).expect("loads");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let probe = store.data_version_probe().expect("a probe");
    let read = || runtime.block_on(probe.read());
    assert_eq!(read().ok(), Some(store.data_version().expect("reads")));
    store.remove_member(1, 3).expect("removes");
    let version = store.data_version().expect("reads");
    assert_eq!(read().ok(), Some(version), "a change");
    terminate_sessions(&schema);
    // The read on the killed session may fail; the probe then connects again.
    let answers: Vec<Option<DataVersion>> = (0..3).map(|_| read().ok()).collect();
    assert_eq!(answers.last(), Some(&Some(version)), "{answers:?}");
}

#[test]
fn use_cases_run_again_after_a_serialization_failure() {
    let Some(schema) = schema() else { return };
    let store = PostgresStore::open(&schema.url()).expect("opens");
    let mut attempts = 0;
    let answer = store.write(|tx| {
        attempts += 1;
        if attempts < 3 {
            tx.batch_execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$")?;
        }
        Ok(attempts)
    });
    assert_eq!(answer.ok(), Some(3));
    let mut failures = 0;
    let other = store.write(|tx| -> Result<(), StoreError> {
        failures += 1;
        tx.batch_execute("SELECT 1 / 0")
    });
    assert!(
        matches!(other, Err(ref error @ StoreError::Postgres(_)) if error.to_string().starts_with("database error: 22012")),
        "{other:?}"
    );
    assert_eq!(failures, 1, "other errors are not retried");
}

#[test]
fn single_statement_reads_run_outside_transactions_and_refuse_a_second_statement() {
    let Some(schema) = schema() else { return };
    // One connection: what a read or a failed use case leaves on it, the next one finds.
    let store = PostgresStore::open_with(&schema.url(), 1).expect("opens");
    // The server's default isolation outside our transactions, REPEATABLE READ in reads.
    let isolation = |single: bool| {
        let query = |tx: &mut Tx<'_>| {
            let row = tx.query_one("SELECT current_setting('transaction_isolation')", &[])?;
            Ok(row.try_get::<_, String>(0)?)
        };
        if single {
            store.read_one(query)
        } else {
            store.read(query)
        }
    };
    assert_eq!(isolation(true).ok().as_deref(), Some("read committed"));
    assert_eq!(isolation(false).ok().as_deref(), Some("repeatable read"));
    let twice = store.read_one(|tx| {
        tx.query_one("SELECT 1", &[])?;
        tx.query_one("SELECT 2", &[])
    });
    assert!(
        matches!(twice, Err(StoreError::Database(ref m)) if m.contains("second statement")),
        "{twice:?}"
    );
    // Rolled back: the connection is not left in an aborted transaction (25P02).
    let failed = store.write(|tx| tx.batch_execute("SELECT 1 / 0"));
    assert!(failed.is_err());
    assert_eq!(isolation(true).ok().as_deref(), Some("read committed"));
}

#[test]
fn a_store_can_be_dropped_by_an_async_task() {
    let Some(schema) = schema() else { return };
    let store = PostgresStore::open_with(&schema.url(), 3).expect("opens");
    store
        .load_fixtures(&small_fixtures())
        .expect("uses a connection");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let dropped =
        runtime.block_on(async move { tokio::spawn(async move { drop(store) }).await.is_ok() });
    assert!(dropped, "dropping the store in a task does not panic");
}

#[test]
fn shared_test_databases_are_sqlite_files_unless_postgres_is_chosen() {
    // Only this branch: the variable is read, and tests run in parallel threads.
    if std::env::var(super::testing::STORE_ENV).is_ok() {
        return;
    }
    let database = super::testing::SharedTestDatabase::new("shared").expect("a database");
    assert!(!database.is_postgres());
    let store = crate::store::open::open_store(database.url()).expect("opens");
    store.load_fixtures(&small_fixtures()).expect("loads");
    let again = crate::store::open::open_store(database.url()).expect("opens again");
    assert!(!again.is_empty().expect("reads"), "the same file");
    let path = database.url().trim_start_matches("sqlite://").to_owned();
    drop((store, again, database));
    assert!(!std::path::Path::new(&path).exists(), "removed");
}

#[test]
fn a_version_1_database_migrates_with_gitlabs_defaults() {
    let Some(schema) = schema() else { return };
    drop(PostgresStore::open(&schema.url()).expect("opens"));
    let mut connection = schema.connect();
    // Back to schema 1: what migrations 2, 3, 5 and 6 added dropped (4's table may stay: it
    // is created only if missing), one project of that time.
    connection
        .batch_execute(
            "ALTER TABLE data_version DROP COLUMN identities;
             ALTER TABLE projects DROP COLUMN restrict_user_defined_variables,
                 DROP COLUMN pipeline_variables_minimum_override_role;
             ALTER TABLE jobs DROP COLUMN input_specs, DROP COLUMN input_values;
             ALTER TABLE runners DROP COLUMN token, DROP COLUMN runner_type, DROP COLUMN scope;
             DROP INDEX jobs_pending;
             DROP TABLE job_scripts;
             UPDATE schema_version SET version = 1;
             INSERT INTO projects (id, path_with_namespace, name, visibility, public_builds,
                 ci_job_token_scope_enabled, created_at)
             VALUES (1, 'acme/app', 'app', 'private', true, false, now());",
        )
        .expect("a version 1 database");
    let store = PostgresStore::open(&schema.url()).expect("migrates at open");
    assert_eq!(store.schema_version().expect("reads"), SCHEMA_VERSION);
    let project = store
        .project(crate::store::ProjectKey::Id(1))
        .expect("reads")
        .expect("found");
    assert!(!project.restrict_user_defined_variables);
    assert_eq!(
        project.pipeline_variables_role,
        crate::model::PipelineVariablesRole::Maintainer
    );
}
