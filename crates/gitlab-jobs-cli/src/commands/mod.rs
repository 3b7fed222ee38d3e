//! One module per command: its arguments (clap) and its `run`.

pub mod act;
pub mod artifacts;
pub mod list;
pub mod show;
pub mod trace;
