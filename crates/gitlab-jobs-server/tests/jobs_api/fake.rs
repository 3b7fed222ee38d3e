//! A small in-memory GitLab behind [`JobsApi`]: two projects, four pipelines, builds and
//! bridges in several states, tokens of several kinds. It reads every request field it is
//! given and answers from its state, and it logs each call (operation, variant it answered,
//! credentials, parameters) so the tests can check what crossed the router.

#![allow(
    clippy::result_large_err,
    reason = "a refusal is built and moved once per request; boxing it would only add noise"
)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use gitlab_jobs_server::Credentials;
use gitlab_jobs_server::pagination::{self, PageHeaders, PageOutcome, PageRequest};
use gitlab_jobs_server::types::{self, JobStatus};
use gitlab_jobs_server::*;
use serde_json::{Value, json};

/// A personal access token of a maintainer of both projects.
pub const MAINTAINER: &str = "maintainer-token";
/// A personal access token of a guest of project 1 (guests may not read builds).
pub const GUEST: &str = "guest-token";
/// An expired OAuth token: 401 `invalid_token` with a `WWW-Authenticate` challenge.
pub const EXPIRED: &str = "expired-oauth-token";
/// An OAuth token with only `read_user`: 403 `insufficient_scope`.
pub const NARROW_SCOPE: &str = "read-user-oauth-token";
/// A token whose lookup fails inside the implementation (a database outage): every operation
/// answers GitLab's 500.
pub const BROKEN: &str = "broken-store-token";
/// A maintainer token that has used up its `jobs_index` rate limit.
pub const RATE_LIMITED: &str = "rate-limited-token";
/// The CI job token of job 3, which is running.
pub const RUNNING_JOB_TOKEN: &str = "job-token-3";
/// The CI job token of job 1, which has finished.
pub const FINISHED_JOB_TOKEN: &str = "job-token-1";
/// A runner's authentication token: it takes the first pending build.
pub const RUNNER_TOKEN: &str = "glrt-fake-runner";
/// The job token a build gets when the runner takes it.
pub const STARTED_JOB_TOKEN: &str = "glcbt-fake-started";

pub const EXPIRED_CHALLENGE: &str = "Bearer realm=\"Protected by OAuth 2.0\", error=\"invalid_token\", error_description=\"Token is expired. You can either do re-authorization or token refresh.\"";
pub const OBJECT_STORE: &str = "https://objects.example.com";

/// One call of a [`JobsApi`] method, as the fake saw and answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub op: &'static str,
    /// The name of the response variant the fake answered (`Ok`, `NotFound`, ...).
    pub variant: String,
    pub credentials: Credentials,
    /// The parsed parameters it received, by name.
    pub params: Vec<(&'static str, String)>,
}

impl Call {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Debug, Clone, Copy)]
struct Project {
    id: i64,
    path: &'static str,
    public: bool,
    /// Build artifact statistics are being refreshed: destructive artifact operations → 409.
    refreshing: bool,
}

#[derive(Debug, Clone, Copy)]
struct Pipeline {
    id: i64,
    project: i64,
    ref_: &'static str,
    sha: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Build,
    Bridge,
}

#[derive(Debug, Clone)]
struct Archive {
    files: BTreeMap<String, Bytes>,
    /// Stored in object storage: downloads answer 302 to a pre-signed URL.
    object_storage: bool,
    /// `expire_in` still applies (keep clears it).
    expires: bool,
}

#[derive(Debug, Clone)]
struct Entry {
    id: i64,
    pipeline: i64,
    name: &'static str,
    stage: &'static str,
    kind: Kind,
    status: JobStatus,
    retried: bool,
    trace: String,
    archive: Option<Archive>,
    token: Option<&'static str>,
    environment: Option<&'static str>,
    user: Option<i64>,
    erased: bool,
    variables: Vec<(String, String)>,
}

impl Entry {
    fn new(
        id: i64,
        pipeline: i64,
        name: &'static str,
        stage: &'static str,
        status: JobStatus,
    ) -> Entry {
        Entry {
            id,
            pipeline,
            name,
            stage,
            kind: Kind::Build,
            status,
            retried: false,
            trace: String::new(),
            archive: None,
            token: None,
            environment: None,
            user: Some(1),
            erased: false,
            variables: Vec::new(),
        }
    }
}

#[derive(Debug)]
struct State {
    projects: Vec<Project>,
    pipelines: Vec<Pipeline>,
    jobs: BTreeMap<i64, Entry>,
    next_id: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Maintainer,
    Guest,
}

#[derive(Debug, Clone, Copy)]
enum Caller {
    Anonymous,
    User {
        id: i64,
        role: Role,
        rate_limited: bool,
    },
    /// Authenticated with the job token of this (running) job.
    Job(i64),
}

/// Why the fake refuses a request; each operation's response type turns it into a variant.
#[derive(Debug)]
enum Refusal {
    Unauthorized(types::Error, Option<String>),
    Forbidden(types::Error),
    NotFound(types::Error),
    BadRequest(types::Error),
    Conflict(types::Error),
    /// An internal failure: GitLab's 500 (`handle_api_exception`, lib/api/helpers.rb).
    Internal(types::Error),
}

trait Refuse {
    fn refuse(refusal: Refusal) -> Self;
}

macro_rules! refuse {
    ($response:ident, $headers:ident, [$($extra:ident),*]) => {
        impl Refuse for $response {
            #[allow(unreachable_patterns)]
            fn refuse(refusal: Refusal) -> Self {
                match refusal {
                    Refusal::Unauthorized(body, challenge) => Self::Unauthorized {
                        body,
                        headers: $headers { www_authenticate: challenge },
                    },
                    Refusal::Forbidden(body) => Self::Forbidden(body),
                    Refusal::NotFound(body) => Self::NotFound(body),
                    Refusal::Internal(body) => Self::InternalServerError(body),
                    $(Refusal::$extra(body) => Self::$extra(body),)*
                    other => panic!("{} has no variant for {other:?}", stringify!($response)),
                }
            }
        }
    };
}

refuse!(
    ListProjectJobsResponse,
    ListProjectJobsUnauthorizedHeaders,
    [BadRequest]
);
refuse!(
    ListPipelineJobsResponse,
    ListPipelineJobsUnauthorizedHeaders,
    [BadRequest]
);
refuse!(
    ListPipelineBridgesResponse,
    ListPipelineBridgesUnauthorizedHeaders,
    [BadRequest]
);
refuse!(
    ListPipelineTriggerJobsResponse,
    ListPipelineTriggerJobsUnauthorizedHeaders,
    [BadRequest]
);
refuse!(GetCurrentJobResponse, GetCurrentJobUnauthorizedHeaders, []);
refuse!(
    GetCurrentJobAllowedAgentsResponse,
    GetCurrentJobAllowedAgentsUnauthorizedHeaders,
    []
);
refuse!(GetJobResponse, GetJobUnauthorizedHeaders, [BadRequest]);
refuse!(
    GetJobTraceResponse,
    GetJobTraceUnauthorizedHeaders,
    [BadRequest]
);
refuse!(
    CancelJobResponse,
    CancelJobUnauthorizedHeaders,
    [BadRequest]
);
refuse!(RetryJobResponse, RetryJobUnauthorizedHeaders, [BadRequest]);
refuse!(
    EraseJobResponse,
    EraseJobUnauthorizedHeaders,
    [BadRequest, Conflict]
);
refuse!(PlayJobResponse, PlayJobUnauthorizedHeaders, [BadRequest]);
refuse!(
    GetJobArtifactsResponse,
    GetJobArtifactsUnauthorizedHeaders,
    [BadRequest]
);
refuse!(
    DeleteJobArtifactsResponse,
    DeleteJobArtifactsUnauthorizedHeaders,
    [BadRequest, Conflict]
);
refuse!(
    DownloadArtifactsByRefResponse,
    DownloadArtifactsByRefUnauthorizedHeaders,
    [BadRequest]
);
refuse!(
    GetJobArtifactFileResponse,
    GetJobArtifactFileUnauthorizedHeaders,
    [BadRequest]
);
refuse!(
    KeepJobArtifactsResponse,
    KeepJobArtifactsUnauthorizedHeaders,
    [BadRequest]
);
refuse!(
    GetArtifactFileByRefResponse,
    GetArtifactFileByRefUnauthorizedHeaders,
    [BadRequest]
);

/// `{"message": text}`.
pub fn message(text: &str) -> types::Error {
    types::Error {
        message: Some(types::ErrorMessage::String(text.to_string())),
        ..Default::default()
    }
}

/// `{"error": text}`.
pub fn error(text: &str) -> types::Error {
    types::Error {
        error: Some(text.to_string()),
        ..Default::default()
    }
}

pub fn expired_body() -> types::Error {
    types::Error {
        error: Some("invalid_token".into()),
        error_description: Some(
            "Token is expired. You can either do re-authorization or token refresh.".into(),
        ),
        ..Default::default()
    }
}

pub fn insufficient_scope_body() -> types::Error {
    types::Error {
        error: Some("insufficient_scope".into()),
        error_description: Some(
            "The request requires higher privileges than provided by the access token.".into(),
        ),
        scope: Some("api read_api".into()),
        ..Default::default()
    }
}

/// `Retry-After` of the rate limit: `jobs_index`'s interval, one minute.
pub const RETRY_AFTER: i64 = 60;

/// The `ETag` the fake sends with an archive.
pub const ARCHIVE_ETAG: &str = "\"archive-etag\"";

pub fn rate_limited_body() -> types::Error {
    types::Error {
        message: Some(types::ErrorMessage::Object(
            [(
                "error".to_string(),
                "This endpoint has been requested too many times. Try again later.".to_string(),
            )]
            .into(),
        )),
        ..Default::default()
    }
}

/// The bytes of a job's artifacts archive.
pub fn archive_bytes(job_id: i64) -> Bytes {
    Bytes::from(format!("PK\u{3}\u{4} artifacts archive of job {job_id}"))
}

pub const TIME: &str = "2024-05-01T10:00:00Z";
pub const STARTED: &str = "2024-05-01T10:01:00Z";
pub const FINISHED: &str = "2024-05-01T10:03:30Z";

fn bad_path(path: &str) -> bool {
    path.is_empty()
        || path.starts_with('/')
        || path.contains('\0')
        || path.split('/').any(|segment| segment == "..")
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn finished(status: &JobStatus) -> bool {
    matches!(
        status,
        JobStatus::Success | JobStatus::Failed | JobStatus::Canceled | JobStatus::Skipped
    )
}

fn started(status: &JobStatus) -> bool {
    finished(status) && *status != JobStatus::Skipped
        || matches!(status, JobStatus::Running | JobStatus::Canceling)
}

fn variant_name<T: Debug>(value: &T) -> String {
    format!("{value:?}")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

pub struct Fake {
    state: Mutex<State>,
    calls: Mutex<Vec<Call>>,
}

impl Default for Fake {
    fn default() -> Self {
        Fake::new()
    }
}

impl Fake {
    pub fn new() -> Fake {
        let projects = vec![
            Project {
                id: 1,
                path: "group/project",
                public: true,
                refreshing: false,
            },
            Project {
                id: 2,
                path: "group/busy",
                public: false,
                refreshing: true,
            },
        ];
        let pipelines = vec![
            Pipeline {
                id: 8,
                project: 1,
                ref_: "main",
                sha: "8a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
            },
            Pipeline {
                id: 10,
                project: 1,
                ref_: "main",
                sha: "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
            },
            Pipeline {
                id: 11,
                project: 1,
                ref_: "feature/x",
                sha: "1a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
            },
            Pipeline {
                id: 30,
                project: 2,
                ref_: "main",
                sha: "3a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
            },
        ];
        let local = |files: &[(&str, &str)]| Archive {
            files: files
                .iter()
                .map(|(path, text)| (path.to_string(), Bytes::from(text.to_string())))
                .collect(),
            object_storage: false,
            expires: true,
        };
        let remote = |files: &[(&str, &str)]| Archive {
            object_storage: true,
            ..local(files)
        };
        let mut jobs = vec![
            Entry {
                trace: "Running with gitlab-runner\nJob succeeded\n".into(),
                archive: Some(local(&[
                    ("a/b/c.txt", "hello from c\n"),
                    ("report.xml", "<testsuite/>"),
                ])),
                token: Some(FINISHED_JOB_TOKEN),
                ..Entry::new(1, 10, "build", "build", JobStatus::Success)
            },
            Entry::new(2, 10, "rspec", "test", JobStatus::Failed),
            Entry {
                trace: "Deploying...\n".into(),
                token: Some(RUNNING_JOB_TOKEN),
                environment: Some("production"),
                ..Entry::new(3, 10, "deploy", "deploy", JobStatus::Running)
            },
            Entry {
                user: None,
                ..Entry::new(4, 10, "manual-deploy", "deploy", JobStatus::Manual)
            },
            Entry {
                archive: Some(remote(&[("dist/app.tar.gz", "tarball")])),
                ..Entry::new(5, 10, "package", "package", JobStatus::Success)
            },
            Entry {
                kind: Kind::Bridge,
                ..Entry::new(6, 10, "trigger-downstream", "deploy", JobStatus::Success)
            },
            Entry {
                kind: Kind::Bridge,
                user: None,
                ..Entry::new(7, 10, "manual-trigger", "deploy", JobStatus::Manual)
            },
            Entry {
                retried: true,
                trace: "rspec: 3 failures\n".into(),
                ..Entry::new(8, 10, "rspec", "test", JobStatus::Failed)
            },
            Entry {
                archive: Some(remote(&[("a/b/c.txt", "hello from feature/x\n")])),
                ..Entry::new(9, 11, "build", "build", JobStatus::Success)
            },
            Entry {
                // `keep`: a file whose path is also a static route (POST …/artifacts/keep).
                archive: Some(local(&[
                    ("docs/index.html", "<h1>docs</h1>"),
                    ("keep", "kept notes\n"),
                ])),
                ..Entry::new(12, 8, "docs", "build", JobStatus::Success)
            },
            Entry {
                trace: "built\n".into(),
                archive: Some(local(&[("out.bin", "0101")])),
                ..Entry::new(20, 30, "build", "build", JobStatus::Success)
            },
        ];
        jobs.sort_by_key(|job| job.id);
        Fake {
            state: Mutex::new(State {
                projects,
                pipelines,
                jobs: jobs.into_iter().map(|job| (job.id, job)).collect(),
                next_id: 100,
            }),
            calls: Mutex::new(Vec::new()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("fake state")
    }

    /// Every call so far, oldest first.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("fake calls").clone()
    }

    /// The latest call of `op`.
    pub fn last(&self, op: &str) -> Option<Call> {
        self.calls().into_iter().rev().find(|call| call.op == op)
    }

    /// The job as the fake presents it now (panics for bridges).
    pub fn job(&self, id: i64) -> types::Job {
        let state = self.state();
        render_job(&state, &state.jobs[&id])
    }

    /// The bridge as the fake presents it now.
    pub fn bridge(&self, id: i64) -> types::Bridge {
        let state = self.state();
        render_bridge(&state, &state.jobs[&id])
    }

    /// The variables saved for a job by play.
    pub fn variables(&self, id: i64) -> Vec<(String, String)> {
        self.state().jobs[&id].variables.clone()
    }

    /// Records the call and gives its answer back.
    fn recorded<R: Debug>(
        &self,
        op: &'static str,
        response: R,
        credentials: &Credentials,
        params: Vec<(&'static str, String)>,
    ) -> R {
        self.calls.lock().expect("fake calls").push(Call {
            op,
            variant: variant_name(&response),
            credentials: credentials.clone(),
            params,
        });
        response
    }
}

// ----- the runner side ---------------------------------------------------------------------

/// What `authenticate_job!` says about a job-token call: the job's id, or the refusal and the
/// job's status for `Job-Status`.
fn runner_job(state: &State, id: i64, token: &str) -> Result<i64, (types::Error, Option<String>)> {
    let job = state
        .jobs
        .get(&id)
        .filter(|job| job.kind == Kind::Build && job.token == Some(token) && !token.is_empty())
        .ok_or((message("403 Forbidden"), None))?;
    if job.status != JobStatus::Running {
        return Err((
            message("403 Forbidden - Job is not running"),
            Some(job.status.to_string()),
        ));
    }
    Ok(job.id)
}

impl Fake {
    fn request_runner_job_now(&self, token: &str) -> RequestRunnerJobResponse {
        match token {
            "" => return RequestRunnerJobResponse::BadRequest(error("token is missing")),
            BROKEN => {
                return RequestRunnerJobResponse::InternalServerError(message(
                    "500 Internal Server Error",
                ));
            }
            RUNNER_TOKEN => {}
            _ => return RequestRunnerJobResponse::Forbidden(message("403 Forbidden")),
        }
        let mut state = self.state();
        let pending = state
            .jobs
            .values()
            .find(|job| job.kind == Kind::Build && job.status == JobStatus::Pending)
            .map(|job| job.id);
        let Some(id) = pending else {
            return RequestRunnerJobResponse::NoContent {
                headers: RequestRunnerJobNoContentHeaders {
                    x_git_lab_last_update: "queue-empty".into(),
                },
            };
        };
        let entry = state.jobs.get_mut(&id).expect("the pending job");
        entry.status = JobStatus::Running;
        entry.token = Some(STARTED_JOB_TOKEN);
        let entry = entry.clone();
        let pipeline = pipeline(&state, entry.pipeline);
        let project = project_of(&state, pipeline.project);
        let job = serde_json::from_value(json!({
            "id": entry.id,
            "token": STARTED_JOB_TOKEN,
            "allow_git_fetch": true,
            "job_info": {"id": entry.id, "name": entry.name, "stage": entry.stage,
                         "project_id": project.id, "project_name": project.path},
            "git_info": {"repo_url": format!("https://gitlab-ci-token:{STARTED_JOB_TOKEN}@gitlab.example.com/{}.git", project.path),
                         "ref": pipeline.ref_, "sha": pipeline.sha,
                         "before_sha": "0000000000000000000000000000000000000000",
                         "ref_type": "branch", "refspecs": []},
            "runner_info": {"timeout": 3600},
            "variables": [{"key": "CI_JOB_ID", "value": entry.id.to_string(), "public": true}],
            "steps": [{"name": "script", "script": ["make"], "timeout": 3600,
                       "when": "on_success", "allow_failure": false}],
            "image": null, "services": [], "artifacts": null, "cache": [], "credentials": [],
            "dependencies": [], "features": {"failure_reasons": ["script_failure"]},
        }))
        .expect("a runner job");
        RequestRunnerJobResponse::Created(JsonBody::Value(job))
    }

    fn update_runner_job_now(&self, request: &UpdateRunnerJobRequest) -> UpdateRunnerJobResponse {
        use types::{RunnerStatusCode, RunnerUpdateError};
        if request.body.token == BROKEN {
            return UpdateRunnerJobResponse::InternalServerError(RunnerUpdateError::Error(
                message("500 Internal Server Error"),
            ));
        }
        let mut state = self.state();
        let id = match runner_job(&state, request.id, &request.body.token) {
            Ok(id) => id,
            Err((body, job_status)) => {
                return UpdateRunnerJobResponse::Forbidden {
                    body: RunnerUpdateError::Error(body),
                    headers: UpdateRunnerJobForbiddenHeaders { job_status },
                };
            }
        };
        let status = match request.body.state.as_deref() {
            Some("running") => JobStatus::Running,
            Some("success") => JobStatus::Success,
            Some("failed") => JobStatus::Failed,
            _ => {
                return UpdateRunnerJobResponse::BadRequest(RunnerUpdateError::RunnerStatusCode(
                    RunnerStatusCode("400".into()),
                ));
            }
        };
        state.jobs.get_mut(&id).expect("the job").status = status.clone();
        UpdateRunnerJobResponse::Ok {
            body: RunnerStatusCode("200".into()).into(),
            headers: UpdateRunnerJobOkHeaders {
                job_status: Some(status.to_string()),
            },
        }
    }

    fn append_runner_job_trace_now(
        &self,
        request: &AppendRunnerJobTraceRequest,
    ) -> AppendRunnerJobTraceResponse {
        let token = request
            .token
            .clone()
            .or_else(|| request.credentials.token().map(str::to_owned))
            .unwrap_or_default();
        if token == BROKEN {
            return AppendRunnerJobTraceResponse::InternalServerError(message(
                "500 Internal Server Error",
            ));
        }
        let mut state = self.state();
        let id = match runner_job(&state, request.id, &token) {
            Ok(id) => id,
            Err((body, job_status)) => {
                return AppendRunnerJobTraceResponse::Forbidden {
                    body,
                    headers: AppendRunnerJobTraceForbiddenHeaders { job_status },
                };
            }
        };
        let Some(range) = &request.content_range else {
            return AppendRunnerJobTraceResponse::BadRequest(message(
                "400 Missing header Content-Range",
            ));
        };
        let entry = state.jobs.get_mut(&id).expect("the job");
        let start: usize = range
            .split('-')
            .next()
            .and_then(|start| start.trim().parse().ok())
            .unwrap_or(0);
        if start != entry.trace.len() {
            return AppendRunnerJobTraceResponse::RangeNotSatisfiable {
                body: message("416 Range Not Satisfiable"),
                headers: AppendRunnerJobTraceRangeNotSatisfiableHeaders {
                    range: format!("0-{}", entry.trace.len()),
                },
            };
        }
        entry
            .trace
            .push_str(&String::from_utf8_lossy(&request.body));
        AppendRunnerJobTraceResponse::Accepted {
            body: types::RunnerStatusCode("60".into()).into(),
            headers: AppendRunnerJobTraceAcceptedHeaders {
                job_status: Some(entry.status.to_string()),
                range: format!("0-{}", entry.trace.len()),
                x_git_lab_trace_update_interval: "60".into(),
            },
        }
    }
}

/// The parameters of a job route: the project and the job.
fn job_params(project: &str, job_id: i64) -> Vec<(&'static str, String)> {
    vec![("id", project.to_owned()), ("job_id", job_id.to_string())]
}

// ----- reading the state -------------------------------------------------------------------

fn pipeline(state: &State, id: i64) -> Pipeline {
    *state
        .pipelines
        .iter()
        .find(|pipeline| pipeline.id == id)
        .expect("pipeline of a job")
}

fn project_of(state: &State, project: i64) -> Project {
    *state
        .projects
        .iter()
        .find(|candidate| candidate.id == project)
        .expect("project")
}

fn pipeline_json(state: &State, id: i64) -> Value {
    let pipeline = pipeline(state, id);
    let project = project_of(state, pipeline.project);
    json!({
        "id": pipeline.id,
        "iid": pipeline.id - 7,
        "project_id": pipeline.project,
        "sha": pipeline.sha,
        "ref": pipeline.ref_,
        "status": "running",
        "source": "push",
        "created_at": TIME,
        "updated_at": TIME,
        "web_url": format!("https://gitlab.example.com/{}/-/pipelines/{}", project.path, pipeline.id),
    })
}

fn user_json(id: i64) -> Value {
    json!({
        "id": id,
        "username": "root",
        "name": "Administrator",
        "state": "active",
        "avatar_url": null,
        "web_url": "https://gitlab.example.com/root",
    })
}

fn basic_json(state: &State, entry: &Entry) -> Value {
    let pipeline = pipeline(state, entry.pipeline);
    let project = project_of(state, pipeline.project);
    let mut job = json!({
        "id": entry.id,
        "status": entry.status,
        "stage": entry.stage,
        "name": entry.name,
        "ref": pipeline.ref_,
        "tag": false,
        "coverage": null,
        "allow_failure": false,
        "created_at": TIME,
        "started_at": started(&entry.status).then_some(STARTED),
        "finished_at": finished(&entry.status).then_some(FINISHED),
        "erased_at": entry.erased.then_some(FINISHED),
        "duration": finished(&entry.status).then_some(150.0),
        "queued_duration": started(&entry.status).then_some(1.5),
        "user": entry.user.map(user_json),
        "commit": {
            "id": pipeline.sha,
            "short_id": &pipeline.sha[..8],
            "created_at": TIME,
            "title": "Add the feature",
            "message": "Add the feature\n",
            "author_name": "Administrator",
            "author_email": "admin@example.com",
        },
        "pipeline": pipeline_json(state, entry.pipeline),
        "web_url": format!("https://gitlab.example.com/{}/-/jobs/{}", project.path, entry.id),
        "project": {"ci_job_token_scope_enabled": false},
    });
    if entry.status == JobStatus::Failed {
        job["failure_reason"] = json!("script_failure");
    }
    job
}

fn render_job(state: &State, entry: &Entry) -> types::Job {
    assert_eq!(entry.kind, Kind::Build, "job {} is a bridge", entry.id);
    let mut job = basic_json(state, entry);
    job["runner"] = Value::Null;
    job["archived"] = json!(false);
    job["tag_list"] = json!(["docker", "linux"]);
    job["artifacts_expire_at"] = Value::Null;
    if let Some(archive) = &entry.archive {
        let size = archive_bytes(entry.id).len();
        job["artifacts_file"] = json!({"filename": "artifacts.zip", "size": size});
        job["artifacts"] = json!([
            {"file_type": "archive", "size": size, "filename": "artifacts.zip", "file_format": "zip"}
        ]);
        if archive.expires {
            job["artifacts_expire_at"] = json!("2024-06-01T10:00:00Z");
        }
    }
    serde_json::from_value(job).expect("the fake renders valid jobs")
}

/// A retried bridge as `Entities::Ci::Job` shows it (`Ci::Bridge`'s stand-ins).
fn render_bridge_as_job(state: &State, entry: &Entry) -> types::Job {
    assert_eq!(entry.kind, Kind::Bridge, "job {} is a build", entry.id);
    let mut job = basic_json(state, entry);
    job["runner"] = Value::Null;
    job["archived"] = json!(false);
    job["tag_list"] = json!(["bridge"]);
    job["artifacts_expire_at"] = Value::Null;
    serde_json::from_value(job).expect("the fake renders valid jobs")
}

fn render_bridge(state: &State, entry: &Entry) -> types::Bridge {
    assert_eq!(entry.kind, Kind::Bridge, "job {} is a build", entry.id);
    let mut bridge = basic_json(state, entry);
    bridge["downstream_pipeline"] = if entry.status == JobStatus::Success {
        json!({"id": 40, "sha": pipeline(state, entry.pipeline).sha, "ref": "main", "status": "success"})
    } else {
        Value::Null
    };
    serde_json::from_value(bridge).expect("the fake renders valid bridges")
}

fn render(state: &State, entry: &Entry) -> types::JobOrBridge {
    match entry.kind {
        Kind::Build => render_job(state, entry).into(),
        Kind::Bridge => render_bridge(state, entry).into(),
    }
}

// ----- authentication and lookups ----------------------------------------------------------

fn unauthorized() -> Refusal {
    Refusal::Unauthorized(message("401 Unauthorized"), None)
}

fn forbidden() -> Refusal {
    Refusal::Forbidden(message("403 Forbidden"))
}

/// Who is calling. `job_tokens`: whether the route accepts CI job tokens (so a Bearer token
/// may be one).
fn authenticate(
    state: &State,
    credentials: &Credentials,
    job_tokens: bool,
) -> Result<Caller, Refusal> {
    let Some(token) = credentials.token() else {
        return Ok(Caller::Anonymous);
    };
    let job_form = matches!(credentials, Credentials::JobToken(_))
        || job_tokens && matches!(credentials, Credentials::Bearer(_));
    if job_form {
        if let Some(job) = state.jobs.values().find(|job| job.token == Some(token)) {
            // A job token is only valid while its job runs.
            return if job.status == JobStatus::Running {
                Ok(Caller::Job(job.id))
            } else {
                Err(unauthorized())
            };
        }
        if matches!(credentials, Credentials::JobToken(_)) {
            return Err(unauthorized());
        }
    }
    let user = |role, rate_limited| {
        Ok(Caller::User {
            id: 1,
            role,
            rate_limited,
        })
    };
    match token {
        MAINTAINER => user(Role::Maintainer, false),
        RATE_LIMITED => user(Role::Maintainer, true),
        GUEST => user(Role::Guest, false),
        EXPIRED => Err(Refusal::Unauthorized(
            expired_body(),
            Some(EXPIRED_CHALLENGE.to_string()),
        )),
        NARROW_SCOPE => Err(Refusal::Forbidden(insufficient_scope_body())),
        BROKEN => Err(Refusal::Internal(message("500 Internal Server Error"))),
        _ => Err(unauthorized()),
    }
}

/// The project named by `id` (a number or a full path) if the caller may see it.
fn find_project(state: &State, id: &str, caller: Caller) -> Result<Project, Refusal> {
    let not_found = || Refusal::NotFound(message("404 Project Not Found"));
    let project = state
        .projects
        .iter()
        .find(|project| match id.parse::<i64>() {
            Ok(number) => project.id == number,
            Err(_) => id.contains('/') && project.path == id,
        })
        .copied()
        .ok_or_else(not_found)?;
    let visible = match caller {
        Caller::Anonymous => project.public,
        Caller::User { role, .. } => role == Role::Maintainer || project.id == 1,
        Caller::Job(job) => pipeline(state, state.jobs[&job].pipeline).project == project.id,
    };
    if visible {
        Ok(project)
    } else {
        Err(not_found())
    }
}

/// Reading builds needs at least the reporter role; guests get 403.
fn may_read(caller: Caller) -> Result<(), Refusal> {
    match caller {
        Caller::User {
            role: Role::Guest, ..
        } => Err(forbidden()),
        _ => Ok(()),
    }
}

/// Changing jobs needs a (maintainer) user.
fn may_update(caller: Caller) -> Result<i64, Refusal> {
    match caller {
        Caller::User {
            id,
            role: Role::Maintainer,
            ..
        } => Ok(id),
        Caller::Anonymous => Err(unauthorized()),
        _ => Err(forbidden()),
    }
}

fn positive(value: i64, name: &str) -> Result<(), Refusal> {
    if value > 0 {
        Ok(())
    } else {
        Err(Refusal::BadRequest(error(&format!("{name} is invalid"))))
    }
}

fn record_not_found() -> Refusal {
    Refusal::NotFound(message("404 Not found"))
}

/// A job (`kinds`: builds, or builds and bridges) of the project.
fn find_job(state: &State, project: Project, job_id: i64, kinds: &[Kind]) -> Result<i64, Refusal> {
    positive(job_id, "job_id")?;
    state
        .jobs
        .get(&job_id)
        .filter(|job| kinds.contains(&job.kind))
        .filter(|job| pipeline(state, job.pipeline).project == project.id)
        .map(|job| job.id)
        .ok_or_else(record_not_found)
}

fn find_pipeline(state: &State, project: Project, pipeline_id: i64) -> Result<i64, Refusal> {
    positive(pipeline_id, "pipeline_id")?;
    state
        .pipelines
        .iter()
        .find(|pipeline| pipeline.id == pipeline_id && pipeline.project == project.id)
        .map(|pipeline| pipeline.id)
        .ok_or_else(record_not_found)
}

/// The latest successful build named `job` on `ref_name` with artifacts: in the latest
/// pipeline of the ref, or in any of its pipelines with `search_recent`.
fn latest_successful(
    state: &State,
    project: Project,
    ref_name: &str,
    job: &str,
    search_recent: bool,
) -> Result<i64, Refusal> {
    if job.trim().is_empty() {
        return Err(Refusal::BadRequest(error("job is empty")));
    }
    let mut pipelines: Vec<Pipeline> = state
        .pipelines
        .iter()
        .filter(|pipeline| pipeline.project == project.id && pipeline.ref_ == ref_name)
        .copied()
        .collect();
    pipelines.sort_by_key(|pipeline| std::cmp::Reverse(pipeline.id));
    if !search_recent {
        pipelines.truncate(1);
    }
    pipelines
        .iter()
        .find_map(|pipeline| {
            state.jobs.values().rev().find(|entry| {
                entry.pipeline == pipeline.id
                    && entry.kind == Kind::Build
                    && entry.name == job
                    && entry.status == JobStatus::Success
                    && !entry.retried
                    && entry.archive.is_some()
            })
        })
        .map(|entry| entry.id)
        .ok_or_else(record_not_found)
}

fn no_artifacts() -> Refusal {
    Refusal::NotFound(message("404 Not Found"))
}

fn archive(state: &State, job_id: i64) -> Result<&Archive, Refusal> {
    state.jobs[&job_id]
        .archive
        .as_ref()
        .ok_or_else(no_artifacts)
}

/// One file of an archive: `Ok(Err(location))` when it lives in object storage.
fn archive_file(state: &State, job_id: i64, path: &str) -> Result<Result<Bytes, String>, Refusal> {
    if bad_path(path) {
        return Err(Refusal::BadRequest(message("400 Bad request")));
    }
    let archive = archive(state, job_id)?;
    let file = archive.files.get(path).cloned().ok_or_else(no_artifacts)?;
    Ok(if archive.object_storage {
        Err(format!(
            "{OBJECT_STORE}/artifacts/{job_id}/{path}?X-Amz-Signature=fake"
        ))
    } else {
        Ok(file)
    })
}

fn whole_archive(state: &State, job_id: i64) -> Result<Result<Bytes, String>, Refusal> {
    let archive = archive(state, job_id)?;
    Ok(if archive.object_storage {
        Err(format!(
            "{OBJECT_STORE}/artifacts/{job_id}/artifacts.zip?X-Amz-Signature=fake"
        ))
    } else {
        Ok(archive_bytes(job_id))
    })
}

fn attachment(name: &str) -> Option<String> {
    Some(format!("attachment; filename=\"{name}\""))
}

fn filter_scope(state: &State, ids: Vec<i64>, scope: &[JobStatus]) -> Vec<i64> {
    ids.into_iter()
        .filter(|id| scope.is_empty() || scope.contains(&state.jobs[id].status))
        .collect()
}

/// One offset page of `ids`, and GitLab's headers for it.
fn offset_page(
    context: &gitlab_jobs_server::RequestContext,
    ids: &[i64],
    page: Option<i64>,
    per_page: Option<i64>,
    counted: bool,
) -> (Vec<i64>, PageHeaders) {
    let request = PageRequest::new(page, per_page);
    let start = (request.offset() as usize).min(ids.len());
    let end = (start + request.per_page as usize).min(ids.len());
    let rows = ids[start..end].to_vec();
    let headers = pagination::offset_headers(
        context,
        request,
        PageOutcome {
            rows: rows.len() as u64,
            has_next: end < ids.len(),
            total: counted.then_some(ids.len() as u64),
        },
    );
    (rows, headers.into())
}

// ----- the operations ----------------------------------------------------------------------

impl Fake {
    fn list_project_jobs_now(
        &self,
        request: &ListProjectJobsRequest,
    ) -> Result<ListProjectJobsResponse, Refusal> {
        let state = self.state();
        let caller = authenticate(&state, &request.credentials, true)?;
        if let Caller::User {
            rate_limited: true, ..
        } = caller
        {
            return Ok(ListProjectJobsResponse::TooManyRequests {
                body: rate_limited_body(),
                headers: ListProjectJobsTooManyRequestsHeaders {
                    retry_after: Some(RETRY_AFTER),
                },
            });
        }
        let project = find_project(&state, &request.id, caller)?;
        may_read(caller)?;
        let mut ids: Vec<i64> = state
            .jobs
            .values()
            .filter(|job| {
                job.kind == Kind::Build && pipeline(&state, job.pipeline).project == project.id
            })
            .map(|job| job.id)
            .rev()
            .collect();
        ids = filter_scope(&state, ids, &request.scope);
        if request.pagination == Some(types::ListProjectJobsPagination::Keyset) {
            if request.sort.as_deref() == Some("asc") {
                return Ok(ListProjectJobsResponse::MethodNotAllowed(error(
                    "Keyset pagination is not yet available for this type of request",
                )));
            }
            // This fake's cursor is the id of the last job of the previous page.
            let after = match &request.cursor {
                None => i64::MAX,
                Some(cursor) => cursor.parse::<i64>().map_err(|_| {
                    Refusal::BadRequest(message("400 Bad request - Invalid cursor"))
                })?,
            };
            let per_page = PageRequest::new(None, request.per_page).per_page as usize;
            let rest: Vec<i64> = ids.into_iter().filter(|id| *id < after).collect();
            let page: Vec<i64> = rest.iter().copied().take(per_page).collect();
            let next = (rest.len() > per_page).then(|| page[page.len() - 1].to_string());
            let link = pagination::keyset_link(&request.context, next.as_deref());
            return Ok(ListProjectJobsResponse::Ok {
                body: page
                    .iter()
                    .map(|id| render_job(&state, &state.jobs[id]))
                    .collect::<Vec<_>>()
                    .into(),
                headers: PageHeaders::keyset(link).into(),
            });
        }
        let (rows, headers) = offset_page(
            &request.context,
            &ids,
            request.page,
            request.per_page,
            false,
        );
        Ok(ListProjectJobsResponse::Ok {
            body: rows
                .iter()
                .map(|id| render_job(&state, &state.jobs[id]))
                .collect::<Vec<_>>()
                .into(),
            headers: headers.into(),
        })
    }

    /// The ids of a pipeline's jobs of `kind`, newest first, with GitLab's filters.
    fn pipeline_members(
        state: &State,
        pipeline_id: i64,
        kind: Kind,
        include_retried: bool,
        scope: &[JobStatus],
    ) -> Vec<i64> {
        let ids = state
            .jobs
            .values()
            .rev()
            .filter(|job| job.pipeline == pipeline_id && job.kind == kind)
            .filter(|job| include_retried || !job.retried)
            .map(|job| job.id)
            .collect();
        filter_scope(state, ids, scope)
    }

    fn list_pipeline_jobs_now(
        &self,
        request: &ListPipelineJobsRequest,
    ) -> Result<ListPipelineJobsResponse, Refusal> {
        let state = self.state();
        let caller = authenticate(&state, &request.credentials, true)?;
        let project = find_project(&state, &request.id, caller)?;
        may_read(caller)?;
        let pipeline_id = find_pipeline(&state, project, request.pipeline_id)?;
        let ids = Self::pipeline_members(
            &state,
            pipeline_id,
            Kind::Build,
            request.include_retried.unwrap_or(false),
            &request.scope,
        );
        let (rows, headers) =
            offset_page(&request.context, &ids, request.page, request.per_page, true);
        Ok(ListPipelineJobsResponse::Ok {
            body: rows
                .iter()
                .map(|id| render_job(&state, &state.jobs[id]))
                .collect::<Vec<_>>()
                .into(),
            headers: headers.into(),
        })
    }

    fn list_pipeline_bridges_now(
        &self,
        request: &ListPipelineBridgesRequest,
    ) -> Result<ListPipelineBridgesResponse, Refusal> {
        let state = self.state();
        let caller = authenticate(&state, &request.credentials, true)?;
        let project = find_project(&state, &request.id, caller)?;
        may_read(caller)?;
        let pipeline_id = find_pipeline(&state, project, request.pipeline_id)?;
        let ids = Self::pipeline_members(&state, pipeline_id, Kind::Bridge, false, &request.scope);
        let (rows, headers) =
            offset_page(&request.context, &ids, request.page, request.per_page, true);
        Ok(ListPipelineBridgesResponse::Ok {
            body: rows
                .iter()
                .map(|id| render_bridge(&state, &state.jobs[id]))
                .collect::<Vec<_>>()
                .into(),
            headers: headers.into(),
        })
    }

    /// The job of the job token the request carries.
    fn token_job(state: &State, credentials: &Credentials) -> Result<i64, Refusal> {
        match authenticate(state, credentials, true)? {
            Caller::Job(job) => Ok(job),
            Caller::Anonymous => Err(unauthorized()),
            Caller::User { .. } => Err(Refusal::NotFound(message("404 Job Not Found"))),
        }
    }

    fn get_current_job_now(
        &self,
        request: &GetCurrentJobRequest,
    ) -> Result<GetCurrentJobResponse, Refusal> {
        let state = self.state();
        let job = Self::token_job(&state, &request.credentials)?;
        Ok(GetCurrentJobResponse::Ok(
            render_job(&state, &state.jobs[&job]).into(),
        ))
    }

    fn get_current_job_allowed_agents_now(
        &self,
        request: &GetCurrentJobAllowedAgentsRequest,
    ) -> Result<GetCurrentJobAllowedAgentsResponse, Refusal> {
        let state = self.state();
        let job = &state.jobs[&Self::token_job(&state, &request.credentials)?];
        let pipeline = pipeline(&state, job.pipeline);
        let project = project_of(&state, pipeline.project);
        let mut body = json!({
            "allowed_agents": [{
                "id": 1,
                // `Entities::ProjectIdentity` always has the name.
                "config_project": {
                    "id": project.id,
                    "name": project.path,
                    "path_with_namespace": project.path,
                },
                "configuration": {"default_namespace": "production"},
            }],
            "job": {"id": job.id},
            "pipeline": {"id": pipeline.id},
            "project": {"id": project.id, "groups": [{"id": 100}]},
            "user": {"id": 1, "username": "root", "roles_in_project": ["maintainer"]},
        });
        if let Some(environment) = job.environment {
            body["environment"] = json!({"tier": environment, "slug": environment});
        }
        Ok(GetCurrentJobAllowedAgentsResponse::Ok(
            serde_json::from_value::<types::AllowedAgents>(body)
                .expect("valid allowed agents")
                .into(),
        ))
    }

    /// Authentication, project, read permission and the build: the common start of the
    /// single-job routes.
    fn readable_build(
        state: &State,
        credentials: &Credentials,
        job_tokens: bool,
        id: &str,
        job_id: i64,
    ) -> Result<(Caller, Project, i64), Refusal> {
        let caller = authenticate(state, credentials, job_tokens)?;
        let project = find_project(state, id, caller)?;
        may_read(caller)?;
        let job = find_job(state, project, job_id, &[Kind::Build])?;
        Ok((caller, project, job))
    }

    fn get_job_now(&self, request: &GetJobRequest) -> Result<GetJobResponse, Refusal> {
        let state = self.state();
        let (_, _, job) = Self::readable_build(
            &state,
            &request.credentials,
            false,
            &request.id,
            request.job_id,
        )?;
        Ok(GetJobResponse::Ok(
            render_job(&state, &state.jobs[&job]).into(),
        ))
    }

    fn get_job_trace_now(
        &self,
        request: &GetJobTraceRequest,
    ) -> Result<GetJobTraceResponse, Refusal> {
        let state = self.state();
        let (_, _, job) = Self::readable_build(
            &state,
            &request.credentials,
            false,
            &request.id,
            request.job_id,
        )?;
        Ok(GetJobTraceResponse::Ok {
            body: state.jobs[&job].trace.clone(),
            headers: GetJobTraceOkHeaders {
                content_disposition: Some(format!("infile; filename=\"{job}.log\"")),
            },
        })
    }

    fn cancel_job_now(&self, request: &CancelJobRequest) -> Result<CancelJobResponse, Refusal> {
        let mut state = self.state();
        let (caller, _, job) = Self::readable_build(
            &state,
            &request.credentials,
            false,
            &request.id,
            request.job_id,
        )?;
        may_update(caller)?;
        let entry = state.jobs.get_mut(&job).expect("job");
        entry.status = match (entry.status.clone(), request.force.unwrap_or(false)) {
            // The runner is asked to stop first, unless forced.
            (JobStatus::Running, false) => JobStatus::Canceling,
            (JobStatus::Running | JobStatus::Canceling, true) => JobStatus::Canceled,
            (
                JobStatus::Created
                | JobStatus::Pending
                | JobStatus::Preparing
                | JobStatus::WaitingForResource
                | JobStatus::Manual
                | JobStatus::Scheduled,
                _,
            ) => JobStatus::Canceled,
            // Finished jobs are answered unchanged.
            (status, _) => status,
        };
        Ok(CancelJobResponse::Created(
            render_job(&state, &state.jobs[&job]).into(),
        ))
    }

    fn retry_job_now(&self, request: &RetryJobRequest) -> Result<RetryJobResponse, Refusal> {
        let mut state = self.state();
        let caller = authenticate(&state, &request.credentials, false)?;
        let project = find_project(&state, &request.id, caller)?;
        may_read(caller)?;
        let job = find_job(
            &state,
            project,
            request.job_id,
            &[Kind::Build, Kind::Bridge],
        )?;
        may_update(caller)?;
        // The jobs of this fake define CI inputs, none of the names the tests send
        // (`job_inputs`, or GitLab 18.x's `inputs`).
        if let Some(name) = request.body.as_ref().and_then(|body| {
            body.job_inputs
                .keys()
                .next()
                .or_else(|| body.inputs.keys().next())
        }) {
            return Err(Refusal::BadRequest(message(&format!(
                "400 Bad request - Unknown input: {name}"
            ))));
        }
        let old = state.jobs[&job].clone();
        let retryable = !old.retried
            && matches!(
                old.status,
                JobStatus::Success | JobStatus::Failed | JobStatus::Canceled | JobStatus::Canceling
            );
        if !retryable {
            return Err(Refusal::Forbidden(message(
                "403 Forbidden - Job is not retryable",
            )));
        }
        let id = state.next_id;
        state.next_id += 1;
        state.jobs.get_mut(&job).expect("job").retried = true;
        let new = Entry {
            id,
            status: JobStatus::Pending,
            trace: String::new(),
            archive: None,
            token: None,
            erased: false,
            retried: false,
            ..old
        };
        state.jobs.insert(id, new);
        // `present response[:job], with: Entities::Ci::Job`, bridges too.
        let entry = &state.jobs[&id];
        Ok(RetryJobResponse::Created(
            match entry.kind {
                Kind::Build => render_job(&state, entry),
                Kind::Bridge => render_bridge_as_job(&state, entry),
            }
            .into(),
        ))
    }

    fn erase_job_now(&self, request: &EraseJobRequest) -> Result<EraseJobResponse, Refusal> {
        let mut state = self.state();
        let (caller, project, job) = Self::readable_build(
            &state,
            &request.credentials,
            false,
            &request.id,
            request.job_id,
        )?;
        may_update(caller)?;
        let entry = &state.jobs[&job];
        if !(finished(&entry.status) && (entry.archive.is_some() || !entry.trace.is_empty())) {
            return Err(Refusal::Forbidden(message(
                "403 Forbidden - Job is not erasable!",
            )));
        }
        if project.refreshing {
            return Err(Refusal::Conflict(message(
                "Action temporarily disabled. The project this pipeline belongs to is undergoing stats refresh.",
            )));
        }
        let entry = state.jobs.get_mut(&job).expect("job");
        entry.archive = None;
        entry.trace.clear();
        entry.erased = true;
        Ok(EraseJobResponse::Created(
            render_job(&state, &state.jobs[&job]).into(),
        ))
    }

    fn play_job_now(&self, request: &PlayJobRequest) -> Result<PlayJobResponse, Refusal> {
        let mut state = self.state();
        let caller = authenticate(&state, &request.credentials, false)?;
        let project = find_project(&state, &request.id, caller)?;
        may_read(caller)?;
        let job = find_job(
            &state,
            project,
            request.job_id,
            &[Kind::Build, Kind::Bridge],
        )?;
        let user = may_update(caller)?;
        if !matches!(
            state.jobs[&job].status,
            JobStatus::Manual | JobStatus::Scheduled
        ) {
            return Err(Refusal::BadRequest(message(
                "400 Bad request - Unplayable Job",
            )));
        }
        let entry = state.jobs.get_mut(&job).expect("job");
        entry.status = JobStatus::Pending;
        entry.user = Some(user);
        entry.variables = request
            .body
            .iter()
            .flat_map(|body| &body.job_variables_attributes)
            .map(|variable| (variable.key.clone(), variable.value.clone()))
            .collect();
        Ok(PlayJobResponse::Ok(
            render(&state, &state.jobs[&job]).into(),
        ))
    }

    fn get_job_artifacts_now(
        &self,
        request: &GetJobArtifactsRequest,
    ) -> Result<GetJobArtifactsResponse, Refusal> {
        let state = self.state();
        let (_, _, job) = Self::readable_build(
            &state,
            &request.credentials,
            true,
            &request.id,
            request.job_id,
        )?;
        Ok(match whole_archive(&state, job)? {
            Ok(body) => GetJobArtifactsResponse::Ok {
                body,
                headers: GetJobArtifactsOkHeaders {
                    content_disposition: attachment("artifacts.zip"),
                    e_tag: Some(ARCHIVE_ETAG.into()),
                },
            },
            Err(location) => GetJobArtifactsResponse::Found {
                headers: GetJobArtifactsFoundHeaders { location },
            },
        })
    }

    fn delete_job_artifacts_now(
        &self,
        request: &DeleteJobArtifactsRequest,
    ) -> Result<DeleteJobArtifactsResponse, Refusal> {
        let mut state = self.state();
        let (caller, project, job) = Self::readable_build(
            &state,
            &request.credentials,
            false,
            &request.id,
            request.job_id,
        )?;
        may_update(caller)?;
        if project.refreshing {
            return Err(Refusal::Conflict(message(
                "Action temporarily disabled. The project this pipeline belongs to is undergoing stats refresh.",
            )));
        }
        state.jobs.get_mut(&job).expect("job").archive = None;
        Ok(DeleteJobArtifactsResponse::NoContent)
    }

    fn download_artifacts_by_ref_now(
        &self,
        request: &DownloadArtifactsByRefRequest,
    ) -> Result<DownloadArtifactsByRefResponse, Refusal> {
        let state = self.state();
        let caller = authenticate(&state, &request.credentials, true)?;
        let project = find_project(&state, &request.id, caller)?;
        may_read(caller)?;
        let job = latest_successful(
            &state,
            project,
            &request.ref_name,
            &request.job,
            request.search_recent_successful_pipelines.unwrap_or(false),
        )?;
        Ok(match whole_archive(&state, job)? {
            Ok(body) => DownloadArtifactsByRefResponse::Ok {
                body,
                headers: DownloadArtifactsByRefOkHeaders {
                    content_disposition: attachment("artifacts.zip"),
                    e_tag: Some(ARCHIVE_ETAG.into()),
                },
            },
            Err(location) => DownloadArtifactsByRefResponse::Found {
                headers: DownloadArtifactsByRefFoundHeaders { location },
            },
        })
    }

    fn get_job_artifact_file_now(
        &self,
        request: &GetJobArtifactFileRequest,
    ) -> Result<GetJobArtifactFileResponse, Refusal> {
        let state = self.state();
        let (_, _, job) = Self::readable_build(
            &state,
            &request.credentials,
            true,
            &request.id,
            request.job_id,
        )?;
        Ok(match archive_file(&state, job, &request.artifact_path)? {
            Ok(body) => GetJobArtifactFileResponse::Ok {
                body,
                headers: GetJobArtifactFileOkHeaders {
                    content_disposition: attachment(file_name(&request.artifact_path)),
                },
            },
            Err(location) => GetJobArtifactFileResponse::Found {
                headers: GetJobArtifactFileFoundHeaders { location },
            },
        })
    }

    fn keep_job_artifacts_now(
        &self,
        request: &KeepJobArtifactsRequest,
    ) -> Result<KeepJobArtifactsResponse, Refusal> {
        let mut state = self.state();
        let (caller, _, job) = Self::readable_build(
            &state,
            &request.credentials,
            false,
            &request.id,
            request.job_id,
        )?;
        may_update(caller)?;
        let archive = state
            .jobs
            .get_mut(&job)
            .and_then(|entry| entry.archive.as_mut())
            .ok_or_else(record_not_found)?;
        archive.expires = false;
        Ok(KeepJobArtifactsResponse::Ok(
            render_job(&state, &state.jobs[&job]).into(),
        ))
    }

    fn get_artifact_file_by_ref_now(
        &self,
        request: &GetArtifactFileByRefRequest,
    ) -> Result<GetArtifactFileByRefResponse, Refusal> {
        let state = self.state();
        let caller = authenticate(&state, &request.credentials, true)?;
        let project = find_project(&state, &request.id, caller)?;
        may_read(caller)?;
        if bad_path(&request.artifact_path) {
            return Err(Refusal::BadRequest(message("400 Bad request")));
        }
        let job = latest_successful(&state, project, &request.ref_name, &request.job, false)?;
        Ok(match archive_file(&state, job, &request.artifact_path)? {
            Ok(body) => GetArtifactFileByRefResponse::Ok {
                body,
                headers: GetArtifactFileByRefOkHeaders {
                    content_disposition: attachment(file_name(&request.artifact_path)),
                },
            },
            Err(location) => GetArtifactFileByRefResponse::Found {
                headers: GetArtifactFileByRefFoundHeaders { location },
            },
        })
    }
}

fn scope_text(scope: &[JobStatus]) -> String {
    scope
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

impl JobsApi for Fake {
    async fn list_project_jobs(&self, request: ListProjectJobsRequest) -> ListProjectJobsResponse {
        let response = self
            .list_project_jobs_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = vec![
            ("id", request.id.clone()),
            ("scope", scope_text(&request.scope)),
            ("page", opt(&request.page)),
            ("per_page", opt(&request.per_page)),
            ("cursor", opt(&request.cursor)),
        ];
        self.recorded("list_project_jobs", response, &request.credentials, params)
    }

    async fn list_pipeline_jobs(
        &self,
        request: ListPipelineJobsRequest,
    ) -> ListPipelineJobsResponse {
        let response = self
            .list_pipeline_jobs_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = vec![
            ("id", request.id.clone()),
            ("pipeline_id", request.pipeline_id.to_string()),
            ("include_retried", opt(&request.include_retried)),
            ("scope", scope_text(&request.scope)),
        ];
        self.recorded("list_pipeline_jobs", response, &request.credentials, params)
    }

    async fn list_pipeline_bridges(
        &self,
        request: ListPipelineBridgesRequest,
    ) -> ListPipelineBridgesResponse {
        let response = self
            .list_pipeline_bridges_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = vec![
            ("id", request.id.clone()),
            ("pipeline_id", request.pipeline_id.to_string()),
            ("scope", scope_text(&request.scope)),
        ];
        self.recorded(
            "list_pipeline_bridges",
            response,
            &request.credentials,
            params,
        )
    }

    async fn list_pipeline_trigger_jobs(
        &self,
        request: ListPipelineTriggerJobsRequest,
    ) -> ListPipelineTriggerJobsResponse {
        // GitLab runs one helper for both routes (`present_pipeline_trigger_jobs`).
        let bridges = ListPipelineBridgesRequest {
            id: request.id.clone(),
            pipeline_id: request.pipeline_id,
            scope: request.scope.clone(),
            page: request.page,
            per_page: request.per_page,
            credentials: request.credentials.clone(),
            context: request.context.clone(),
        };
        let response = match self.list_pipeline_bridges_now(&bridges) {
            Ok(ListPipelineBridgesResponse::Ok { body, headers }) => {
                ListPipelineTriggerJobsResponse::Ok {
                    body,
                    headers: PageHeaders::from(headers).into(),
                }
            }
            Ok(other) => panic!("the bridges list answered {other:?}"),
            Err(refusal) => Refuse::refuse(refusal),
        };
        let params = vec![
            ("id", request.id.clone()),
            ("pipeline_id", request.pipeline_id.to_string()),
            ("scope", scope_text(&request.scope)),
        ];
        self.recorded(
            "list_pipeline_trigger_jobs",
            response,
            &request.credentials,
            params,
        )
    }

    async fn get_current_job(&self, request: GetCurrentJobRequest) -> GetCurrentJobResponse {
        let response = self
            .get_current_job_now(&request)
            .unwrap_or_else(Refuse::refuse);
        self.recorded("get_current_job", response, &request.credentials, vec![])
    }

    async fn get_current_job_allowed_agents(
        &self,
        request: GetCurrentJobAllowedAgentsRequest,
    ) -> GetCurrentJobAllowedAgentsResponse {
        let response = self
            .get_current_job_allowed_agents_now(&request)
            .unwrap_or_else(Refuse::refuse);
        self.recorded(
            "get_current_job_allowed_agents",
            response,
            &request.credentials,
            vec![],
        )
    }

    async fn get_job(&self, request: GetJobRequest) -> GetJobResponse {
        let response = self.get_job_now(&request).unwrap_or_else(Refuse::refuse);
        let params = job_params(&request.id, request.job_id);
        self.recorded("get_job", response, &request.credentials, params)
    }

    async fn get_job_trace(&self, request: GetJobTraceRequest) -> GetJobTraceResponse {
        let response = self
            .get_job_trace_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = job_params(&request.id, request.job_id);
        self.recorded("get_job_trace", response, &request.credentials, params)
    }

    async fn cancel_job(&self, request: CancelJobRequest) -> CancelJobResponse {
        let response = self.cancel_job_now(&request).unwrap_or_else(Refuse::refuse);
        let params = vec![
            ("id", request.id.clone()),
            ("job_id", request.job_id.to_string()),
            ("force", opt(&request.force)),
        ];
        self.recorded("cancel_job", response, &request.credentials, params)
    }

    async fn retry_job(&self, request: RetryJobRequest) -> RetryJobResponse {
        let response = self.retry_job_now(&request).unwrap_or_else(Refuse::refuse);
        let params = job_params(&request.id, request.job_id);
        self.recorded("retry_job", response, &request.credentials, params)
    }

    async fn erase_job(&self, request: EraseJobRequest) -> EraseJobResponse {
        let response = self.erase_job_now(&request).unwrap_or_else(Refuse::refuse);
        let params = job_params(&request.id, request.job_id);
        self.recorded("erase_job", response, &request.credentials, params)
    }

    async fn play_job(&self, request: PlayJobRequest) -> PlayJobResponse {
        let response = self.play_job_now(&request).unwrap_or_else(Refuse::refuse);
        let params = job_params(&request.id, request.job_id);
        self.recorded("play_job", response, &request.credentials, params)
    }

    async fn get_job_artifacts(&self, request: GetJobArtifactsRequest) -> GetJobArtifactsResponse {
        let response = self
            .get_job_artifacts_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = job_params(&request.id, request.job_id);
        self.recorded("get_job_artifacts", response, &request.credentials, params)
    }

    async fn delete_job_artifacts(
        &self,
        request: DeleteJobArtifactsRequest,
    ) -> DeleteJobArtifactsResponse {
        let response = self
            .delete_job_artifacts_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = job_params(&request.id, request.job_id);
        self.recorded(
            "delete_job_artifacts",
            response,
            &request.credentials,
            params,
        )
    }

    async fn download_artifacts_by_ref(
        &self,
        request: DownloadArtifactsByRefRequest,
    ) -> DownloadArtifactsByRefResponse {
        let response = self
            .download_artifacts_by_ref_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = vec![
            ("id", request.id.clone()),
            ("ref_name", request.ref_name.clone()),
            ("job", request.job.clone()),
            (
                "search_recent_successful_pipelines",
                opt(&request.search_recent_successful_pipelines),
            ),
        ];
        self.recorded(
            "download_artifacts_by_ref",
            response,
            &request.credentials,
            params,
        )
    }

    async fn get_job_artifact_file(
        &self,
        request: GetJobArtifactFileRequest,
    ) -> GetJobArtifactFileResponse {
        let response = self
            .get_job_artifact_file_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = vec![
            ("id", request.id.clone()),
            ("job_id", request.job_id.to_string()),
            ("artifact_path", request.artifact_path.clone()),
        ];
        self.recorded(
            "get_job_artifact_file",
            response,
            &request.credentials,
            params,
        )
    }

    async fn keep_job_artifacts(
        &self,
        request: KeepJobArtifactsRequest,
    ) -> KeepJobArtifactsResponse {
        let response = self
            .keep_job_artifacts_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = job_params(&request.id, request.job_id);
        self.recorded("keep_job_artifacts", response, &request.credentials, params)
    }

    async fn request_runner_job(
        &self,
        request: RequestRunnerJobRequest,
    ) -> RequestRunnerJobResponse {
        let response = self.request_runner_job_now(&request.body.token);
        let params = vec![("token", request.body.token.clone())];
        self.recorded("request_runner_job", response, &request.credentials, params)
    }

    async fn update_runner_job(&self, request: UpdateRunnerJobRequest) -> UpdateRunnerJobResponse {
        let response = self.update_runner_job_now(&request);
        let params = vec![
            ("id", request.id.to_string()),
            ("token", request.body.token.clone()),
            ("state", opt(&request.body.state)),
        ];
        self.recorded("update_runner_job", response, &request.credentials, params)
    }

    async fn append_runner_job_trace(
        &self,
        request: AppendRunnerJobTraceRequest,
    ) -> AppendRunnerJobTraceResponse {
        let response = self.append_runner_job_trace_now(&request);
        let params = vec![
            ("id", request.id.to_string()),
            ("token", opt(&request.token)),
            ("content_range", opt(&request.content_range)),
        ];
        self.recorded(
            "append_runner_job_trace",
            response,
            &request.credentials,
            params,
        )
    }

    async fn get_artifact_file_by_ref(
        &self,
        request: GetArtifactFileByRefRequest,
    ) -> GetArtifactFileByRefResponse {
        let response = self
            .get_artifact_file_by_ref_now(&request)
            .unwrap_or_else(Refuse::refuse);
        let params = vec![
            ("id", request.id.clone()),
            ("ref_name", request.ref_name.clone()),
            ("artifact_path", request.artifact_path.clone()),
            ("job", request.job.clone()),
        ];
        self.recorded(
            "get_artifact_file_by_ref",
            response,
            &request.credentials,
            params,
        )
    }
}
