//! Shared helpers: clients for the demo's users and the status and body of error answers.

use gitlab_jobs_client::types;
use gitlab_jobs_client::{Auth, Client, Error, ResponseValue, connect};
use gitlab_jobs_reference::{Fixtures, TestServer};
use serde_json::Value;

pub use gitlab_jobs_reference::demo::tokens;

/// The private project with every access level.
pub const BACKEND: &str = "acme/backend";
/// The public project.
pub const WEBSITE: &str = "acme/website";

/// A client sending `token` as `PRIVATE-TOKEN`.
pub fn client(server: &TestServer, token: &str) -> Client {
    connect(&server.api_url(), Auth::PrivateToken(token.into())).expect("a client")
}

/// A client with a CI job token (`JOB-TOKEN`).
pub fn job_client(server: &TestServer, token: &str) -> Client {
    connect(&server.api_url(), Auth::JobToken(token.into())).expect("a client")
}

/// Job `id` of `acme/backend` as `user` reads it; panics when it cannot.
pub async fn backend_job(user: &Client, id: i64) -> types::Job {
    user.get_job()
        .id(BACKEND)
        .job_id(id)
        .send()
        .await
        .expect("reads the job")
        .into_inner()
}

/// A client without credentials.
pub fn anonymous(server: &TestServer) -> Client {
    Client::new(&server.api_url())
}

pub async fn demo() -> TestServer {
    TestServer::demo().await.expect("the demo server starts")
}

/// testdata/small.json with `edit` applied to its JSON.
pub async fn small_with(edit: impl FnOnce(&mut Value)) -> TestServer {
    let mut value: Value =
        serde_json::from_str(include_str!("../../testdata/small.json")).expect("JSON");
    edit(&mut value);
    let fixtures = Fixtures::from_json(&value.to_string()).expect("the edited fixture");
    TestServer::start(fixtures).await.expect("starts")
}

/// The status and body of an error answer; panics on success.
pub fn error_of<T>(result: Result<ResponseValue<T>, Error<types::Error>>) -> (u16, types::Error) {
    match result {
        Ok(value) => panic!("expected an error, got {}", value.status()),
        Err(Error::ErrorResponse(response)) => (response.status().as_u16(), response.into_inner()),
        Err(other) => panic!("expected a documented error response, got {other:?}"),
    }
}

/// The `message` text of an error body.
pub fn message(error: &types::Error) -> &str {
    match &error.message {
        Some(types::ErrorMessage::String(text)) => text,
        other => panic!("no message string: {other:?}"),
    }
}

/// A header of a response as text ("" when present but empty, `None` when absent).
pub fn header<'a, T>(response: &'a ResponseValue<T>, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().expect("a text header"))
}

/// The ids of some jobs.
pub fn ids(jobs: &[types::Job]) -> Vec<i64> {
    jobs.iter().map(|job| job.id).collect()
}

/// A SQLite file in the temporary directory, removed (with its WAL files) when dropped.
pub struct ScratchDatabase {
    path: std::path::PathBuf,
}

impl ScratchDatabase {
    /// A file named after `name` and this process, so that parallel test runs do not meet.
    pub fn new(name: &str) -> ScratchDatabase {
        let path = std::env::temp_dir().join(format!(
            "gitlab-jobs-reference-{name}-{}.sqlite3",
            std::process::id()
        ));
        ScratchDatabase { path }
    }

    /// The database URL `open_store` and `TestServer::start_with_database` take.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = self.path.clone().into_os_string();
            file.push(suffix);
            let _ = std::fs::remove_file(file);
        }
    }
}
