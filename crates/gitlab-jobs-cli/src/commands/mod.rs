//! One module per command: its arguments (clap) and its `run`.

pub mod list;
pub mod show;
