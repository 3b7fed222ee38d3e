//! Benchmarks of the reference server (`cargo xtask bench`).
//!
//! - [`load`]: a closed-loop load driver over loopback, bounded in requests and time.
//! - [`ceiling`]: a bare axum server answering with pre-serialised bytes, the ceiling the
//!   reference server is measured against in the same run.
//! - [`process`]: the servers as child processes (start, readiness, memory, stop).
//! - [`database`], [`dataset`]: the data sets, on SQLite and on PostgreSQL, each with its
//!   reference server.
//! - [`config`]: what a run measures; [`run`]: the steps of a run in order.
//! - The scenarios: [`side_by_side`] (GET one job, list 100 jobs, against the ceiling, in
//!   [`rounds`]), [`open_loop`] (GET one job at fixed arrival rates), [`deep`] (deep offset and keyset pages), [`mixed`] (reads and writes at once).
//! - [`prism`]: Prism mocking our document, the yardstick from below for GET one job.
//! - [`report`]: the Markdown tables, with [`stats`] and [`table`]; [`machine`]: the load and
//!   CPU the report names.
//! - [`decode`]: the generated types' decode time against `serde_json::Value`.

pub mod ceiling;
pub mod config;
pub mod database;
pub mod dataset;
pub mod decode;
pub mod deep;
pub mod load;
pub mod machine;
pub mod mixed;
pub mod open_loop;
pub mod prism;
pub mod process;
pub mod report;
pub mod rounds;
pub mod run;
pub mod side_by_side;
pub mod stats;
pub mod table;
