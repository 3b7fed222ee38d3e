//! One transaction of a store method: statements are prepared once per connection and
//! reused, and a failure the server says is worth retrying (a deadlock, a serialization
//! failure) is remembered so that the store can run the use case again.
//!
//! The transaction is opened and closed with plain `START TRANSACTION`/`COMMIT` on the client
//! rather than the driver's `Transaction`, so that a read of one statement can run without
//! either ([`Mode::Single`]): each is a network round trip of its own.

use std::collections::HashMap;

use ::postgres::error::SqlState;
use ::postgres::types::ToSql;
use ::postgres::{Client, CopyInWriter, Row, Statement};

use super::pool::Connection;
use crate::store::StoreError;

/// Query parameters, as the `postgres` crate takes them.
pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Reads: one snapshot for every statement (a page and its count agree), never blocked.
    Read,
    /// A read of exactly one statement, outside any transaction: a statement always sees one
    /// snapshot, so `Read`'s guarantee holds without the two round trips of opening and
    /// closing a transaction.
    Single,
    /// Use cases: each statement sees the latest committed rows, and the rows a use case
    /// changes are locked first (`FOR NO KEY UPDATE`, see `write.rs`).
    Write,
}

pub struct Tx<'c> {
    client: &'c mut Client,
    statements: &'c mut HashMap<String, Statement>,
    /// A transaction is open: committed by `commit`, else rolled back when dropped.
    open: bool,
    /// `Mode::Single`: whether its one statement has run.
    single_done: Option<bool>,
    retryable: bool,
}

impl<'c> Tx<'c> {
    pub fn begin(connection: &'c mut Connection, mode: Mode) -> Result<Tx<'c>, StoreError> {
        let start = match mode {
            Mode::Read => Some("START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
            Mode::Write => Some("START TRANSACTION ISOLATION LEVEL READ COMMITTED"),
            Mode::Single => None,
        };
        if let Some(start) = start {
            connection.client.batch_execute(start)?;
        }
        Ok(Tx {
            client: &mut connection.client,
            statements: &mut connection.statements,
            open: start.is_some(),
            single_done: (mode == Mode::Single).then_some(false),
            retryable: false,
        })
    }

    /// Whether a statement failed in a way that running the whole transaction again can cure.
    pub fn retryable(&self) -> bool {
        self.retryable
    }

    pub fn commit(mut self) -> Result<(), StoreError> {
        if self.open {
            // Closed whatever the outcome: a failed COMMIT has ended the transaction too.
            self.open = false;
            self.client.batch_execute("COMMIT")?;
        }
        Ok(())
    }

    fn note(&mut self, error: ::postgres::Error) -> StoreError {
        if matches!(
            error.code(),
            Some(&SqlState::T_R_SERIALIZATION_FAILURE | &SqlState::T_R_DEADLOCK_DETECTED)
        ) {
            self.retryable = true;
        }
        error.into()
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        // A second statement outside a transaction would read another snapshot than the
        // first: a programming error, refused rather than answered inconsistently.
        if let Some(done) = self.single_done.as_mut() {
            if *done {
                return Err(StoreError::Database(format!(
                    "a single-statement read ran a second statement: {sql}"
                )));
            }
            *done = true;
        }
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = match self.client.prepare(sql) {
            Ok(statement) => statement,
            Err(error) => return Err(self.note(error)),
        };
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    pub fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        self.client
            .query(&statement, params)
            .map_err(|error| self.note(error))
    }

    pub fn query_opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>, StoreError> {
        let statement = self.statement(sql)?;
        self.client
            .query_opt(&statement, params)
            .map_err(|error| self.note(error))
    }

    pub fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row, StoreError> {
        let statement = self.statement(sql)?;
        self.client
            .query_one(&statement, params)
            .map_err(|error| self.note(error))
    }

    pub fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        self.client
            .execute(&statement, params)
            .map_err(|error| self.note(error))
    }

    /// Statements without parameters and not worth preparing (DDL, locks).
    pub fn batch_execute(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client
            .batch_execute(sql)
            .map_err(|error| self.note(error))
    }

    pub fn copy_in(&mut self, sql: &str) -> Result<CopyInWriter<'_>, StoreError> {
        Ok(self.client.copy_in(sql)?)
    }
}

impl Drop for Tx<'_> {
    /// A transaction not committed (its use case failed) is rolled back before the
    /// connection goes back to the pool. If that fails the connection is broken, and the pool
    /// drops broken connections.
    fn drop(&mut self) {
        if self.open {
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}
