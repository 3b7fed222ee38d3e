//! [`TestServer`]: a live reference server for downstream integration tests.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::demo::demo_fixtures;
use crate::fixtures::Fixtures;
use crate::http::{self, Faults};
use crate::service::JobsService;
use crate::simulation::{self, Simulation, SimulationOptions};
use crate::store::Store;
use crate::store::open::open_store;
use crate::store::postgres::testing::{self, TestSchema};
use crate::test_runner::TestRunner;

/// A reference server on `127.0.0.1` with a port of its own, serving the Jobs API under
/// `/api/v4` from a database loaded with fixtures. Dropping it stops the server (requests in
/// flight are cut off); [`TestServer::shutdown`] lets them finish first.
///
/// It runs on the caller's Tokio runtime (`#[tokio::test]`'s single thread is enough).
/// `web_url`s in responses start with [`TestServer::base_url`].
///
/// ```
/// use gitlab_jobs_client::types::JobStatus;
/// use gitlab_jobs_client::{Auth, connect};
/// use gitlab_jobs_reference::TestServer;
/// use gitlab_jobs_reference::demo::tokens;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> anyhow::Result<()> {
/// let server = TestServer::demo().await?;
/// let client = connect(
///     &server.api_url(),
///     Auth::PrivateToken(tokens::MAINTAINER.into()),
/// )?;
///
/// let job = client
///     .get_job()
///     .id("acme/backend")
///     .job_id(8)
///     .send()
///     .await?
///     .into_inner();
/// assert_eq!((job.name.as_str(), job.status), ("rspec", JobStatus::Failed));
///
/// // Retrying answers the new job; the old one stays failed.
/// let retried = client.retry_job().id("acme/backend").job_id(8).send().await?;
/// assert_eq!(retried.status(), 201);
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct TestServer {
    address: SocketAddr,
    store: Arc<dyn Store>,
    /// Simulated runners, stopped before the server.
    simulation: Option<Simulation>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    /// The PostgreSQL schema `start` made, dropped after the server.
    schema: Option<TestSchema>,
}

impl TestServer {
    /// In-memory SQLite with `fixtures` loaded, serving on 127.0.0.1:0. With
    /// `GITLAB_JOBS_TEST_STORE=postgres`, a schema of its own in the PostgreSQL database
    /// `GITLAB_JOBS_TEST_POSTGRES` names instead (dropped with the server), so that the suites
    /// built on `TestServer` run against either store unchanged.
    pub async fn start(fixtures: Fixtures) -> anyhow::Result<TestServer> {
        TestServer::start_with_faults(fixtures, None).await
    }

    /// [`TestServer::start`] with faults injected into the requests `faults`' rules pick
    /// (429, 500, 502, latency, dropped connections; see [`http::faults`]), to test a
    /// client's retries:
    ///
    /// ```
    /// use gitlab_jobs_reference::http::faults::{Fault, FaultRule, Faults};
    /// use gitlab_jobs_reference::{TestServer, demo::demo_fixtures};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// let faults = Faults::new(
    ///     vec![
    ///         // The first two job lists are answered 502 by "Workhorse".
    ///         FaultRule::new(Fault::BadGateway).operation("list_project_jobs").count(2),
    ///         "status=429,operation=get_job,rate=0.5".parse()?,
    ///     ],
    ///     42, // the seed: same seed, same faults
    /// )?;
    /// let server = TestServer::start_with_faults(demo_fixtures(), Some(faults)).await?;
    /// # server.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start_with_faults(
        fixtures: Fixtures,
        faults: Option<Faults>,
    ) -> anyhow::Result<TestServer> {
        let mut builder = TestServer::builder(fixtures);
        builder.faults = faults;
        builder.start().await
    }

    /// A server with options: faults, simulated runners.
    ///
    /// ```
    /// use gitlab_jobs_reference::simulation::SimulationOptions;
    /// use gitlab_jobs_reference::{TestServer, demo::demo_fixtures};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> anyhow::Result<()> {
    /// // Two runners working through the demo's pending jobs, a hundred times faster than
    /// // real time (a four-second job takes 40 ms).
    /// let server = TestServer::builder(demo_fixtures())
    ///     .simulation(SimulationOptions {
    ///         time_scale: 0.01,
    ///         ..SimulationOptions::new(2)
    ///     })
    ///     .start()
    ///     .await?;
    /// # server.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder(fixtures: Fixtures) -> TestServerBuilder {
        TestServerBuilder {
            fixtures,
            faults: None,
            simulation: None,
            database: None,
        }
    }

    /// The same with the demo data set (`demo_fixtures()`; its tokens are
    /// [`demo::tokens`](crate::demo::tokens)).
    pub async fn demo() -> anyhow::Result<TestServer> {
        TestServer::start(demo_fixtures()).await
    }

    /// With an explicit database (anything [`open_store`] accepts). `fixtures` are loaded into
    /// it; pass `Fixtures::default()` to serve what a file database already holds.
    pub async fn start_with_database(
        database: &str,
        fixtures: Fixtures,
    ) -> anyhow::Result<TestServer> {
        TestServer::launch(database, fixtures, None).await
    }

    async fn launch(
        database: &str,
        fixtures: Fixtures,
        faults: Option<Faults>,
    ) -> anyhow::Result<TestServer> {
        TestServer::launch_with(database, fixtures, faults, None).await
    }

    async fn launch_with(
        database: &str,
        fixtures: Fixtures,
        faults: Option<Faults>,
        simulation: Option<SimulationOptions>,
    ) -> anyhow::Result<TestServer> {
        let database = database.to_owned();
        let store = tokio::task::spawn_blocking(move || -> anyhow::Result<Arc<dyn Store>> {
            let store = open_store(&database)?;
            store
                .load_fixtures(&fixtures)
                .context("loading the fixtures")?;
            Ok(store)
        })
        .await
        .context("the loading task failed")??;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding 127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let service = JobsService::new(Arc::clone(&store), &format!("http://{address}"));
        let (stop, stopped) = oneshot::channel::<()>();
        let stopped = async {
            // A dropped sender stops the server too.
            let _ = stopped.await;
        };
        let simulation = match simulation {
            Some(options) => Some(simulation::start(service.clone(), options).await?),
            None => None,
        };
        let app = http::app_with_faults(service, faults);
        let task = tokio::spawn(http::run(listener, app, stopped));
        Ok(TestServer {
            address,
            store,
            simulation,
            stop: Some(stop),
            task: Some(task),
            schema: None,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// `http://127.0.0.1:PORT/api/v4`.
    pub fn api_url(&self) -> String {
        format!("{}/api/v4", self.base_url())
    }

    /// A runner with this authentication token (a runner of the fixtures: the demo's are
    /// [`demo::tokens::RUNNER`](crate::demo::tokens::RUNNER) and its neighbours), driven by
    /// the test through the runner endpoints: jobs start, log and finish when it says.
    pub fn runner(&self, token: &str) -> TestRunner {
        TestRunner::new(&self.api_url(), token)
    }

    /// The server's store, to arrange or inspect data beside the API.
    pub fn store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.store)
    }

    /// Stops accepting connections, lets the requests in flight finish, and waits.
    pub async fn shutdown(mut self) {
        self.simulation.take();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::error!(%error, "the test server failed"),
                Err(error) => tracing::error!(%error, "the test server task failed"),
            }
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Drop cannot wait for a graceful end: stop serving now.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Options of a [`TestServer`] ([`TestServer::builder`]).
pub struct TestServerBuilder {
    fixtures: Fixtures,
    faults: Option<Faults>,
    simulation: Option<SimulationOptions>,
    database: Option<String>,
}

impl TestServerBuilder {
    /// Faults injected into the requests their rules pick (see [`http::faults`]).
    pub fn faults(mut self, faults: Faults) -> TestServerBuilder {
        self.faults = Some(faults);
        self
    }

    /// `runners` simulated runners in real time, as `serve --simulate-runners N` has them.
    pub fn simulate_runners(self, runners: usize) -> TestServerBuilder {
        self.simulation(SimulationOptions::new(runners))
    }

    /// Simulated runners with these options (e.g. a `time_scale` that makes them fast).
    pub fn simulation(mut self, options: SimulationOptions) -> TestServerBuilder {
        self.simulation = Some(options);
        self
    }

    /// An explicit database (anything [`open_store`] accepts) instead of the default.
    pub fn database(mut self, database: &str) -> TestServerBuilder {
        self.database = Some(database.to_owned());
        self
    }

    /// Starts the server: on the given database, else on SQLite in memory or, with
    /// `GITLAB_JOBS_TEST_STORE=postgres`, a PostgreSQL schema of its own (see
    /// [`TestServer::start`]).
    pub async fn start(self) -> anyhow::Result<TestServer> {
        if let Some(database) = &self.database {
            return TestServer::launch_with(database, self.fixtures, self.faults, self.simulation)
                .await;
        }
        let Some(schema) = testing::selected_schema().map_err(anyhow::Error::msg)? else {
            return TestServer::launch_with(
                "sqlite::memory:",
                self.fixtures,
                self.faults,
                self.simulation,
            )
            .await;
        };
        let mut server =
            TestServer::launch_with(&schema.url(), self.fixtures, self.faults, self.simulation)
                .await?;
        server.schema = Some(schema);
        Ok(server)
    }
}

impl std::fmt::Debug for TestServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServerBuilder")
            .field("faults", &self.faults.is_some())
            .field("simulation", &self.simulation)
            .field("database", &self.database)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}
