//! One module per command: its arguments (clap) and its `run`.

mod contract;
pub mod list;
pub mod record;
pub mod show;
pub mod verify;
