//! `gitlab-jobs-bench`: `run` measures the reference server (normally started by
//! `cargo xtask bench`); `ceiling` is the bare axum server it starts as its yardstick.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use gitlab_jobs_bench::{ceiling, config, run};

#[derive(Parser)]
#[command(about = "Benchmarks of the GitLab Jobs API reference server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every scenario and print (and optionally write) the Markdown report.
    Run(Box<RunArgs>),
    /// Serve pre-serialised bodies: the ceiling the server is compared with.
    Ceiling {
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: String,
        /// JSON object: path-and-query → file holding the body.
        #[arg(long)]
        routes: PathBuf,
    },
}

#[derive(Args)]
struct RunArgs {
    /// The `gitlab-jobs-reference` binary (a release build for meaningful numbers).
    #[arg(long)]
    server_bin: PathBuf,
    /// Databases, logs and the ceiling's bodies go here.
    #[arg(long, default_value = "target/bench")]
    work_dir: PathBuf,
    #[arg(long, default_value_t = 1_000)]
    small_jobs: u64,
    /// 0 skips the large data set and the deep pages.
    #[arg(long, default_value_t = 1_000_000)]
    large_jobs: u64,
    /// Rebuild the large database even if the work directory has one.
    #[arg(long)]
    fresh: bool,
    /// A PostgreSQL database URL: every data set is also filled into a schema of its own
    /// there (`bench_<jobs>`, replaced) and served by a second reference server, which gives
    /// the report its PostgreSQL column. `cargo xtask bench` passes its private cluster's.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Concurrent clients of the read scenarios.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Requests per measurement and round (a measurement also stops at --seconds). Enough for
    /// a fast scenario to run a third of a second or more: a GET answered at 60,000 req/s
    /// would be over in 50 ms at 3,000, shorter than the machine's noise.
    #[arg(long, default_value_t = 20_000)]
    requests: u64,
    #[arg(long, default_value_t = 4.0)]
    seconds: f64,
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    #[arg(long, default_value_t = 64)]
    mixed_clients: usize,
    #[arg(long, default_value_t = 10_000)]
    mixed_requests: u64,
    #[arg(long, default_value_t = 20.0)]
    mixed_seconds: f64,
    /// Open-loop GET job arrival rates, as fractions of each engine's closed-loop req/s.
    #[arg(long, value_delimiter = ',', default_value = "0.5,0.9")]
    open_loop_fractions: Vec<f64>,
    /// A fixed open-loop arrival rate in requests per second, instead of the fractions.
    #[arg(long, value_name = "REQ_PER_S")]
    open_loop_rate: Option<f64>,
    /// Length of each open-loop measurement.
    #[arg(long, default_value_t = 4.0)]
    open_loop_seconds: f64,
    /// Most open-loop requests in flight at once (later sends wait, and count as late).
    #[arg(long, default_value_t = 64)]
    open_loop_clients: usize,
    /// Prism's `prism` executable (`@stoplight/prism-cli`): GET one job is also measured
    /// against its mock of --spec. `cargo xtask bench` installs a pinned one and passes it.
    #[arg(long, value_name = "PATH")]
    prism: Option<PathBuf>,
    /// The OpenAPI document Prism mocks.
    #[arg(long, default_value = "openapi/gitlab-jobs.yaml")]
    spec: PathBuf,
    /// The demo project holding the generated jobs (`demo::LOAD_PROJECT_ID`).
    #[arg(long, default_value = "5")]
    project: String,
    /// A maintainer's token of the demo data.
    #[arg(long, default_value = "demo-root-token")]
    token: String,
    /// `cargo xtask generate` times in milliseconds, measured by the xtask.
    #[arg(long, value_delimiter = ',')]
    generate_ms: Vec<f64>,
    /// `RUST_LOG` for the servers (`info`, their default, logs every request).
    #[arg(long, default_value = "info")]
    server_log: String,
    /// Also write the report here.
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> ExitCode {
    match real_main(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn real_main(cli: Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Ceiling { listen, routes } => {
            let routes = Arc::new(ceiling::read_routes(&routes)?);
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("binding {listen}"))?;
                println!("ceiling listening on {}", listener.local_addr()?);
                // SIGINT (what `ServerProcess::stop` sends) ends it cleanly, as it does the
                // reference server.
                let stop = async {
                    let _ = tokio::signal::ctrl_c().await;
                };
                ceiling::serve(listener, routes, stop).await?;
                Ok(ExitCode::SUCCESS)
            })
        }
        Command::Run(args) => {
            let config = config::Config {
                server_bin: args.server_bin,
                self_exe: std::env::current_exe()?,
                work_dir: args.work_dir,
                small_jobs: args.small_jobs,
                large_jobs: args.large_jobs,
                fresh: args.fresh,
                postgres: args.postgres,
                concurrency: args.concurrency,
                requests: args.requests,
                seconds: args.seconds,
                rounds: args.rounds,
                mixed_clients: args.mixed_clients,
                mixed_requests: args.mixed_requests,
                mixed_seconds: args.mixed_seconds,
                open_loop_fractions: args.open_loop_fractions,
                open_loop_rate: args.open_loop_rate,
                open_loop_seconds: args.open_loop_seconds,
                open_loop_clients: args.open_loop_clients,
                prism: args.prism,
                spec: args.spec,
                project: args.project,
                token: args.token,
                generate_ms: args.generate_ms,
                server_log: args.server_log,
            };
            let report = runtime.block_on(run::run(&config))?;
            print!("{}", report.markdown);
            if let Some(out) = args.out {
                std::fs::write(&out, &report.markdown)
                    .with_context(|| format!("writing {}", out.display()))?;
                eprintln!("bench: report written to {}", out.display());
            }
            // Missed targets are findings, not failures of the benchmark.
            Ok(ExitCode::SUCCESS)
        }
    }
}
