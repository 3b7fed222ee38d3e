//! `gitlab-jobs`: GitLab CI jobs from the terminal.
//!
//! The program is a thin layer over `gitlab-jobs-client`: [`cli`] declares the command line,
//! [`connection`] turns the global options into a connected client, [`commands`] holds one
//! module per command, [`output`] formats what they print and [`error`] turns failures into
//! messages a person can act on and into the documented exit codes.

mod cli;
mod commands;
mod connection;
mod error;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return CliError::local("could not start the async runtime", e).report(),
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => error.report(),
    }
}

/// Runs one command; its `Ok` is the exit code of a command that ran to the end.
async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let global = cli.global;
    match cli.command {
        Command::List(args) => commands::list::run(&global, args).await,
        Command::Show(args) => commands::show::run(&global, args).await,
        Command::Trace(args) => commands::trace::run(&global, args).await,
        Command::Retry(args) => commands::act::retry(&global, args).await,
        Command::Cancel(args) => commands::act::cancel(&global, args).await,
        Command::Play(args) => commands::act::play(&global, args).await,
        Command::Erase(args) => commands::act::erase(&global, args).await,
        Command::Artifacts(args) => commands::artifacts::run(&global, args).await,
        Command::Verify(args) => commands::verify::run(&global, args).await,
        Command::Record(args) => commands::record::run(&global, args).await,
    }
}
