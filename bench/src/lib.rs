//! Benchmarks of the reference server (`cargo xtask bench`).
//!
//! - [`load`]: a closed-loop load driver over loopback, bounded in requests and time.
//! - [`ceiling`]: a bare axum server answering with pre-serialised bytes, the ceiling the
//!   reference server is measured against in the same run.
//! - [`process`]: the servers as child processes (start, readiness, memory, stop).
//! - [`database`], [`dataset`]: the data sets, on SQLite and on PostgreSQL, each with its
//!   reference server.
//! - [`run`]: the scenarios, measured side by side; [`report`]: the Markdown tables.
//! - [`decode`]: the generated types' decode time against `serde_json::Value`.

pub mod ceiling;
pub mod database;
pub mod dataset;
pub mod decode;
pub mod load;
pub mod process;
pub mod report;
pub mod run;
pub mod stats;
pub mod table;
