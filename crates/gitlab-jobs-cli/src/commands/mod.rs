//! One module per command: its arguments (clap) and its `run`.

pub mod act;
pub mod artifacts;
mod contract;
pub mod list;
pub mod record;
pub mod show;
pub mod trace;
pub mod verify;
