//! Jobs: builds (`Ci::Build`) and bridges (`Ci::Bridge`, a job that triggers a downstream
//! pipeline), with everything the API shows about them.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    Commit, Environment, Id, InputSpecs, InputValues, JobStatus, Pipeline, Project, Runner,
    RunnerManager, User, When,
};

/// Builds run a script on a runner; bridges trigger a downstream pipeline and have no runner,
/// artifacts or tags (`lib/api/entities/ci/bridge.rb`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Build,
    Bridge,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Build => "build",
            JobKind::Bridge => "bridge",
        }
    }

    pub fn parse(value: &str) -> Option<JobKind> {
        match value {
            "build" => Some(JobKind::Build),
            "bridge" => Some(JobKind::Bridge),
            _ => None,
        }
    }
}

/// A job as stored. Derived values (duration, web_url, ...) are computed by `rules` and the
/// presenter, except where a fixture gave them (`preset`).
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: Id,
    pub project_id: Id,
    pub pipeline_id: Id,
    pub kind: JobKind,
    pub name: String,
    pub stage: String,
    pub status: JobStatus,
    pub ref_name: String,
    pub tag: bool,
    pub coverage: Option<f64>,
    pub allow_failure: bool,
    pub when: When,
    pub created_at: DateTime<Utc>,
    pub queued_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
    pub erased_by: Option<Id>,
    /// The user who triggered (or last played or retried) the job.
    pub user_id: Option<Id>,
    /// Kept for every status; the presenter shows it only for failed jobs.
    pub failure_reason: Option<String>,
    pub runner_id: Option<Id>,
    pub runner_manager_id: Option<Id>,
    /// Sorted, as `Entities::Ci::Job#tag_list` shows it.
    pub tag_list: Vec<String>,
    pub artifacts_expire_at: Option<DateTime<Utc>>,
    pub archived: bool,
    /// Replaced by a newer try (`Ci::RetryJobService`); hidden from pipeline lists by default.
    pub retried: bool,
    /// Bridges only: the pipeline it triggered, if any yet.
    pub downstream_pipeline_id: Option<Id>,
    /// The CI job token (`CI_JOB_TOKEN`); valid only while the job runs.
    pub token: Option<String>,
    pub environment: Option<Environment>,
    pub variables: Vec<JobVariable>,
    /// The job's `inputs:` definitions (`job.options[:inputs]`); empty when it has none.
    pub input_specs: InputSpecs,
    /// Values given for its inputs when it was played or retried (`Ci::JobInput`); an input
    /// without a value here has its default.
    pub input_values: InputValues,
    pub preset: PresetFields,
}

impl Job {
    /// A build as a pipeline creates it: `created`, `when: on_success`, not run, no runner,
    /// token, variables, inputs or artifacts; id 0 until stored. Callers set what differs
    /// with struct update syntax (`Job { status, ..Job::created_build(..) }`).
    pub fn created_build(
        project_id: Id,
        pipeline_id: Id,
        name: &str,
        stage: &str,
        ref_name: &str,
        created_at: DateTime<Utc>,
    ) -> Job {
        Job {
            id: 0,
            project_id,
            pipeline_id,
            kind: JobKind::Build,
            name: name.to_owned(),
            stage: stage.to_owned(),
            status: JobStatus::Created,
            ref_name: ref_name.to_owned(),
            tag: false,
            coverage: None,
            allow_failure: false,
            when: When::OnSuccess,
            created_at,
            queued_at: None,
            started_at: None,
            finished_at: None,
            erased_at: None,
            erased_by: None,
            user_id: None,
            failure_reason: None,
            runner_id: None,
            runner_manager_id: None,
            tag_list: Vec::new(),
            artifacts_expire_at: None,
            archived: false,
            retried: false,
            downstream_pipeline_id: None,
            token: None,
            environment: None,
            variables: Vec::new(),
            input_specs: InputSpecs::default(),
            input_values: InputValues::default(),
            preset: PresetFields::default(),
        }
    }
}

/// Derived fields a fixture gave explicitly. They are shown as given until the job changes
/// state; a state change clears the durations, which then are computed again.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PresetFields {
    pub web_url: Option<String>,
    pub duration: Option<f64>,
    pub queued_duration: Option<f64>,
}

/// A variable given when a manual job is played (`job_variables_attributes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JobVariable {
    pub key: String,
    pub value: String,
    /// `env_var` (the default) or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable_type: Option<String>,
}

/// `file_format` of a job artifact (`Ci::JobArtifact`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactFormat {
    Raw,
    Zip,
    Gzip,
}

impl ArtifactFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactFormat::Raw => "raw",
            ArtifactFormat::Zip => "zip",
            ArtifactFormat::Gzip => "gzip",
        }
    }

    pub fn parse(value: &str) -> Option<ArtifactFormat> {
        match value {
            "raw" => Some(ArtifactFormat::Raw),
            "zip" => Some(ArtifactFormat::Zip),
            "gzip" => Some(ArtifactFormat::Gzip),
            _ => None,
        }
    }
}

/// One entry of a job's `artifacts` list (`lib/api/entities/ci/job_artifact.rb`). The bytes
/// of the archive are stored apart; this is what the API shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct JobArtifact {
    /// `archive`, `metadata`, `trace`, `junit`, ...
    pub file_type: String,
    pub size: i64,
    pub filename: String,
    pub file_format: ArtifactFormat,
}

impl JobArtifact {
    pub const ARCHIVE: &'static str = "archive";
    pub const TRACE: &'static str = "trace";
}

/// A job with everything its API entity shows, loaded together.
#[derive(Debug, Clone, PartialEq)]
pub struct JobDetails {
    pub job: Job,
    pub project: Project,
    pub pipeline: Pipeline,
    /// Bridges: the triggered pipeline and its project (which may be another one).
    pub downstream_pipeline: Option<(Pipeline, Project)>,
    pub user: Option<User>,
    /// The pipeline's commit, when the repository (the database) knows it. GitLab's
    /// `build.commit` is `pipeline.commit`, `project.commit(sha)`: nil for an unknown sha, so
    /// `Entities::Ci::JobBasic` shows `"commit": null` (lib/api/entities/ci/job_basic.rb).
    pub commit: Option<Commit>,
    pub runner: Option<Runner>,
    pub runner_manager: Option<RunnerManager>,
    /// Stored artifacts (the archive and any other type), without the trace entry, which is
    /// derived from `trace_size` (see `rules::artifacts::listed_artifacts`).
    pub artifacts: Vec<JobArtifact>,
    /// The length of the stored log, if there is one.
    pub trace_size: Option<i64>,
}
