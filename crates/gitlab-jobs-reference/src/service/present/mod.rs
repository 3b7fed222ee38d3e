//! The API entities in the generated types, shaped exactly as GitLab's Grape entities expose
//! them (`lib/api/entities/ci/job_basic.rb`, `job.rb`, `bridge.rb`, `pipeline_basic.rb`,
//! `lib/api/entities/user.rb`, `commit.rb`). Built directly, not through `serde_json::Value`:
//! building Values and converting them into these types was most of the cost of a list page.
//!
//! The field values are the ones the former Value step produced after conversion, so the JSON
//! is unchanged: times that GitLab shows with milliseconds are cut to milliseconds here (the
//! text in between had only three digits), other times keep their precision.

use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use gitlab_jobs_types as types;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::model::{
    AgentAuthorization, ArtifactFormat, Commit, Id, Job, JobDetails, JobKind, JobStatus, Pipeline,
    Project, Runner, RunnerManager, User, format_time,
};
use crate::rules::timing::Timing;
use crate::rules::{self, artifacts};
use crate::service::cache::Unchanged;
use crate::service::error_bodies::ApiError;

mod runner;
mod urls;

/// What presenting needs besides the data: the instance URL (for `web_url`s) and the time
/// (for running durations).
#[derive(Debug, Clone)]
pub struct Presenter {
    pub base_url: String,
    pub now: DateTime<Utc>,
}

/// A time GitLab shows with milliseconds (`format_time`).
fn millis(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(3)
}

/// A commit date: shown with its offset and milliseconds; the generated type keeps the instant.
fn commit_date(date: DateTime<FixedOffset>) -> DateTime<Utc> {
    millis(date.with_timezone(&Utc))
}

/// JSON has no NaN or infinity: such a number was shown as null.
fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|number| number.is_finite())
}

/// Data that does not fit its generated type (a fixture's free-form value, say) is a bug of
/// the data or of the document: logged, and answered as an internal error.
fn misfit(what: &str, id: &dyn std::fmt::Display, failure: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(%failure, %id, what, "a presented value does not fit its generated type");
    ApiError::internal()
}

fn convert<T: DeserializeOwned>(what: &str, id: Id, value: Value) -> Result<T, ApiError> {
    serde_json::from_value(value).map_err(|failure| misfit(what, &id, &failure))
}

/// The model's statuses are the document's, both ways: the matches are exhaustive, so a status
/// added on one side only does not compile.
macro_rules! same_statuses {
    ($($status:ident),* $(,)?) => {
        impl From<JobStatus> for types::JobStatus {
            fn from(status: JobStatus) -> types::JobStatus {
                match status {
                    $(JobStatus::$status => types::JobStatus::$status,)*
                }
            }
        }

        impl JobStatus {
            /// The model's status of a listed value; `None` for a value the document does
            /// not list (`types::JobStatus::Unknown`, which only a response can carry).
            pub fn from_document(status: &types::JobStatus) -> Option<JobStatus> {
                match status {
                    $(types::JobStatus::$status => Some(JobStatus::$status),)*
                    types::JobStatus::Unknown(_) => None,
                }
            }
        }
    };
}

same_statuses!(
    Created,
    WaitingForResource,
    Preparing,
    WaitingForCallback,
    Pending,
    Running,
    Success,
    Failed,
    Canceling,
    Canceled,
    Skipped,
    Manual,
    Scheduled,
);

fn file_format(format: ArtifactFormat) -> types::ArtifactFileFileFormat {
    match format {
        ArtifactFormat::Raw => types::ArtifactFileFileFormat::Raw,
        ArtifactFormat::Zip => types::ArtifactFileFileFormat::Zip,
        ArtifactFormat::Gzip => types::ArtifactFileFileFormat::Gzip,
    }
}

/// The fields `Entities::Ci::JobBasic` gives both kinds.
struct Basic {
    id: Id,
    status: types::JobStatus,
    stage: String,
    name: String,
    ref_: String,
    tag: bool,
    coverage: Option<f64>,
    allow_failure: bool,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    erased_at: Option<DateTime<Utc>>,
    duration: Option<f64>,
    queued_duration: Option<f64>,
    user: Option<types::User>,
    commit: Option<types::Commit>,
    pipeline: types::PipelineBasic,
    failure_reason: Option<types::FailureReason>,
    web_url: String,
    project: types::JobProject,
}

/// What `Entities::Ci::Job` adds to JobBasic (a bridge presented as a job has stand-ins).
struct BuildFields {
    artifacts: Vec<types::ArtifactFile>,
    artifacts_expire_at: Option<DateTime<Utc>>,
    artifacts_file: Option<types::LegacyArtifactsFile>,
    runner: Option<types::Runner>,
    runner_manager: Option<types::RunnerManager>,
    tag_list: Vec<String>,
}

impl Basic {
    /// `Entities::Ci::Job` of these fields.
    fn into_job(self, archived: bool, build: BuildFields) -> types::Job {
        types::Job {
            allow_failure: Some(self.allow_failure),
            archived: Some(archived),
            artifacts: build.artifacts,
            artifacts_expire_at: build.artifacts_expire_at,
            artifacts_file: build.artifacts_file,
            commit: self.commit,
            coverage: self.coverage,
            created_at: self.created_at,
            duration: self.duration,
            erased_at: self.erased_at,
            failure_reason: self.failure_reason,
            finished_at: self.finished_at,
            id: self.id,
            name: self.name,
            pipeline: self.pipeline,
            project: Some(self.project),
            queued_duration: self.queued_duration,
            ref_: self.ref_,
            runner: build.runner,
            runner_manager: build.runner_manager,
            stage: self.stage,
            started_at: self.started_at,
            status: self.status,
            tag: self.tag,
            tag_list: build.tag_list,
            user: self.user,
            web_url: Some(self.web_url),
        }
    }
}

impl Presenter {
    /// `Entities::Ci::Job` for builds, `Entities::Ci::Bridge` for bridges (what `play` does).
    pub fn entity(&self, details: &JobDetails) -> Result<types::JobOrBridge, ApiError> {
        Ok(match details.job.kind {
            JobKind::Build => types::JobOrBridge::Job(self.job(details)?),
            JobKind::Bridge => types::JobOrBridge::Bridge(self.bridge(details)?),
        })
    }

    /// `Entities::Ci::JobBasic`.
    fn job_basic(&self, details: &JobDetails) -> Result<Basic, ApiError> {
        let job = &details.job;
        let project = &details.project;
        let failure_reason = match rules::shown_failure_reason(job) {
            Some(reason) => Some(
                reason
                    .parse::<types::FailureReason>()
                    .map_err(|failure| misfit("failure_reason", &job.id, &failure))?,
            ),
            None => None,
        };
        Ok(Basic {
            id: job.id,
            status: job.status.into(),
            stage: job.stage.clone(),
            name: job.name.clone(),
            ref_: job.ref_name.clone(),
            tag: job.tag,
            coverage: finite(job.coverage),
            allow_failure: job.allow_failure,
            created_at: millis(job.created_at),
            started_at: job.started_at.map(millis),
            finished_at: job.finished_at.map(millis),
            erased_at: job.erased_at.map(millis),
            duration: finite(rules::duration(job, self.now)),
            queued_duration: finite(rules::queued_duration(job, self.now)),
            user: details.user.as_ref().map(|user| self.user(user)),
            commit: match &details.commit {
                Some(commit) => Some(self.commit(commit, project, &details.pipeline)?),
                None => None,
            },
            pipeline: self.pipeline(&details.pipeline, project),
            failure_reason,
            web_url: self.job_web_url(job, project),
            project: types::JobProject {
                ci_job_token_scope_enabled: project.ci_job_token_scope_enabled,
            },
        })
    }

    fn job_web_url(&self, job: &Job, project: &Project) -> String {
        job.preset.web_url.clone().unwrap_or_else(|| {
            urls::job_web_url(&self.base_url, &project.path_with_namespace, job.id)
        })
    }

    /// How what [`Presenter::job`] shows for `details` depends on the time, so that the entity
    /// can be kept (`crate::service::cache`): it stays the same until its artifacts expire,
    /// except for the durations of a job that runs or waits, which [`Presenter::refresh`]
    /// brings up to another `now`.
    pub fn time_dependence(&self, details: &JobDetails) -> (Unchanged, Option<Timing>) {
        let unchanged = match details.job.artifacts_expire_at {
            Some(expire_at) if !artifacts::expired(&details.job, self.now) => {
                Unchanged::Until(expire_at)
            }
            _ => Unchanged::Always,
        };
        let timing = Timing::of(&details.job);
        (unchanged, timing.counts_with_time().then_some(timing))
    }

    /// A job entity presented at another time, with its durations as of `self.now`.
    pub fn refresh(&self, job: &mut types::Job, timing: &Timing) {
        (job.duration, job.queued_duration) = self.durations(timing);
    }

    /// A job's `duration` and `queued_duration` as of `self.now`.
    pub fn durations(&self, timing: &Timing) -> (Option<f64>, Option<f64>) {
        (
            finite(timing.duration(self.now)),
            finite(timing.queued_duration(self.now)),
        )
    }

    /// `Entities::Ci::Job`: JobBasic plus artifacts, runner and tags. Retry presents a bridge
    /// with it too, through `Ci::Bridge`'s stand-ins (app/models/ci/bridge.rb): `artifacts?`
    /// false, `job_artifacts` none, `runner` and `artifacts_expire_at` nil, `tags` `[:bridge]`.
    /// GitLab leaves `runner_manager` out for a bridge (`if: job.is_a?(::Ci::Build)`); the
    /// generated `Job` always sends that key, so a bridge shows `runner_manager: null`.
    pub fn job(&self, details: &JobDetails) -> Result<types::Job, ApiError> {
        if details.job.kind == JobKind::Bridge {
            return self.bridge_as_job(details);
        }
        let job = &details.job;
        let basic = self.job_basic(details)?;
        // `expose :artifacts_file, if: -> (job, opts) { job.artifacts? }`.
        let artifacts_file = if artifacts::has_downloadable_archive(details, self.now) {
            artifacts::archive(details).map(|archive| types::LegacyArtifactsFile {
                filename: archive.filename.clone(),
                size: archive.size,
            })
        } else {
            None
        };
        let artifacts = artifacts::listed_artifacts(details, self.now)
            .into_iter()
            .map(|artifact| types::ArtifactFile {
                file_format: file_format(artifact.file_format),
                file_type: artifact.file_type,
                filename: artifact.filename,
                size: artifact.size,
            })
            .collect();
        let runner = match &details.runner {
            Some(runner) => Some(runner_entity(runner)?),
            None => None,
        };
        let runner_manager = match &details.runner_manager {
            Some(manager) => Some(runner_manager_entity(manager)?),
            None => None,
        };
        Ok(basic.into_job(
            job.archived,
            BuildFields {
                artifacts,
                artifacts_expire_at: job.artifacts_expire_at.map(millis),
                artifacts_file,
                runner,
                runner_manager,
                tag_list: job.tag_list.clone(),
            },
        ))
    }

    fn bridge_as_job(&self, details: &JobDetails) -> Result<types::Job, ApiError> {
        let basic = self.job_basic(details)?;
        Ok(basic.into_job(
            details.job.archived,
            BuildFields {
                artifacts: Vec::new(),
                artifacts_expire_at: None,
                artifacts_file: None,
                runner: None,
                runner_manager: None,
                // `job.tags.map(&:name).sort` of `[:bridge]`.
                tag_list: vec!["bridge".to_owned()],
            },
        ))
    }

    /// `Entities::Ci::Bridge`: JobBasic plus the downstream pipeline.
    pub fn bridge(&self, details: &JobDetails) -> Result<types::Bridge, ApiError> {
        let basic = self.job_basic(details)?;
        let downstream_pipeline =
            details
                .downstream_pipeline
                .as_ref()
                .map(|(pipeline, project)| {
                    let basic = self.pipeline(pipeline, project);
                    types::DownstreamPipeline {
                        created_at: basic.created_at,
                        id: basic.id,
                        iid: basic.iid,
                        project_id: basic.project_id,
                        ref_: basic.ref_,
                        sha: basic.sha,
                        source: basic.source,
                        status: basic.status,
                        updated_at: basic.updated_at,
                        web_url: basic.web_url,
                    }
                });
        Ok(types::Bridge {
            allow_failure: basic.allow_failure,
            commit: basic.commit,
            coverage: basic.coverage,
            created_at: basic.created_at,
            downstream_pipeline,
            duration: basic.duration,
            erased_at: basic.erased_at,
            failure_reason: basic.failure_reason,
            finished_at: basic.finished_at,
            id: basic.id,
            name: basic.name,
            pipeline: basic.pipeline,
            project: Some(basic.project),
            queued_duration: basic.queued_duration,
            ref_: basic.ref_,
            stage: basic.stage,
            started_at: basic.started_at,
            status: basic.status,
            tag: basic.tag,
            user: basic.user,
            web_url: basic.web_url,
        })
    }

    /// `Entities::Ci::PipelineBasic`.
    pub fn pipeline(&self, pipeline: &Pipeline, project: &Project) -> types::PipelineBasic {
        let web_url = pipeline.web_url.clone().unwrap_or_else(|| {
            urls::pipeline_web_url(&self.base_url, &project.path_with_namespace, pipeline.id)
        });
        types::PipelineBasic {
            created_at: Some(millis(pipeline.created_at)),
            id: pipeline.id,
            iid: Some(pipeline.iid),
            project_id: Some(pipeline.project_id),
            ref_: pipeline.ref_name.clone(),
            sha: pipeline.sha.clone(),
            source: pipeline.source.clone(),
            status: pipeline.status.into(),
            updated_at: Some(millis(pipeline.updated_at)),
            web_url: Some(web_url),
        }
    }

    /// `Entities::User` with the derived `web_url` when the stored user has none. Presented
    /// without `current_user` and `with_custom_attributes` (lib/api/ci/jobs.rb passes neither),
    /// so without `is_followed` and `custom_attributes`; without `bio_html`, which current
    /// GitLab's lib/api/entities/user.rb no longer exposes.
    pub fn user(&self, user: &User) -> types::User {
        let web_url = user
            .web_url
            .clone()
            .unwrap_or_else(|| urls::user_web_url(&self.base_url, &user.username));
        types::User {
            avatar_path: None,
            avatar_url: user.avatar_url.clone(),
            bio: user.bio.clone(),
            bio_html: None,
            bot: Some(user.bot),
            created_at: user.created_at,
            custom_attributes: Vec::new(),
            discord: user.discord.clone(),
            followers: None,
            following: None,
            id: user.id,
            is_followed: None,
            job_title: user.job_title.clone(),
            linkedin: user.linkedin.clone(),
            local_time: user.local_time.clone(),
            location: user.location.clone(),
            locked: Some(user.locked),
            name: user.name.clone(),
            organization: user.organization.clone(),
            pronouns: user.pronouns.clone(),
            public_email: user.public_email.clone(),
            skype: user.skype.clone(),
            state: user.state.clone(),
            twitter: user.twitter.clone(),
            username: user.username.clone(),
            web_url,
            website_url: user.website_url.clone(),
            work_information: rules::work_information(
                user.job_title.as_deref(),
                user.organization.as_deref(),
            ),
        }
    }

    /// `Entities::Commit`, deriving `short_id` and `web_url` when not given. A commit known
    /// only by its sha (`Commit::from_sha`) still gets the keys GitLab always fills (a real
    /// commit has them; the document requires them): `created_at` is the commit's date
    /// (`Commit#created_at` is `committed_date`), else the pipeline's creation; `title` and
    /// `message` stand in for each other; an unknown author is empty. Commit dates are shown
    /// with GitLab's milliseconds.
    pub fn commit(
        &self,
        commit: &Commit,
        project: &Project,
        pipeline: &Pipeline,
    ) -> Result<types::Commit, ApiError> {
        let created_at = commit
            .created_at
            .or(commit.committed_date)
            .or(commit.authored_date)
            .map_or_else(|| millis(pipeline.created_at), commit_date);
        let title = commit.title.as_deref().or(commit.message.as_deref());
        let message = commit.message.as_deref().or(commit.title.as_deref());
        let web_url = commit.web_url.clone().unwrap_or_else(|| {
            urls::commit_web_url(&self.base_url, &project.path_with_namespace, &commit.id)
        });
        Ok(types::Commit {
            author_email: commit.author_email.clone().unwrap_or_default(),
            author_name: commit.author_name.clone().unwrap_or_default(),
            authored_date: commit.authored_date.map(commit_date),
            committed_date: commit.committed_date.map(commit_date),
            committer_email: commit.committer_email.clone(),
            committer_name: commit.committer_name.clone(),
            created_at,
            extended_trailers: trailers(
                "extended_trailers",
                pipeline.id,
                &commit.extended_trailers,
            )?,
            id: commit.id.clone(),
            message: message.unwrap_or_default().to_owned(),
            parent_ids: commit.parent_ids.clone(),
            short_id: commit
                .short_id
                .clone()
                .unwrap_or_else(|| commit.id.chars().take(8).collect()),
            title: title.unwrap_or_default().to_owned(),
            trailers: trailers("trailers", pipeline.id, &commit.trailers)?,
            web_url: Some(web_url),
        })
    }

    /// `Entities::ProjectIdentity`.
    pub fn project_identity(&self, project: &Project) -> Value {
        let mut namespace: Vec<&str> = project.path_with_namespace.split('/').collect();
        namespace.pop();
        namespace.push(&project.name);
        json!({
            "id": project.id,
            "description": project.description,
            "name": project.name,
            "name_with_namespace": namespace.join(" / "),
            "path": project.path(),
            "path_with_namespace": project.path_with_namespace,
            "created_at": format_time(&project.created_at),
        })
    }

    /// The body of `GET /job/allowed_agents` (`lib/api/ci/jobs.rb`); `environment` is dropped
    /// when the job has none (`.compact`).
    pub fn allowed_agents(
        &self,
        job: &Job,
        project: &Project,
        user: &User,
        roles_in_project: &[&str],
        agents: &[(AgentAuthorization, Project)],
    ) -> Value {
        let allowed: Vec<Value> = agents
            .iter()
            .map(|(agent, config_project)| {
                json!({
                    "id": agent.id,
                    "config_project": self.project_identity(config_project),
                    "configuration": agent.configuration,
                })
            })
            .collect();
        let groups: Vec<Value> = project
            .group_ids
            .iter()
            .map(|id: &Id| json!({ "id": id }))
            .collect();
        let mut body = json!({
            "allowed_agents": allowed,
            "job": { "id": job.id },
            "pipeline": { "id": job.pipeline_id },
            "project": { "id": project.id, "groups": groups },
            "user": { "id": user.id, "username": user.username, "roles_in_project": roles_in_project },
        });
        if let Some(environment) = &job.environment {
            body["environment"] = json!({ "tier": environment.tier, "slug": environment.slug });
        }
        body
    }
}

/// `Entities::Ci::Runner`. `runner_type` and `created_by` are stored as given by a fixture, so
/// they can fail to fit.
fn runner_entity(runner: &Runner) -> Result<types::Runner, ApiError> {
    let runner_type = runner
        .runner_type
        .parse::<types::RunnerRunnerType>()
        .map_err(|failure| misfit("runner_type", &runner.id, &failure))?;
    let created_by = match &runner.created_by {
        Some(user) => Some(convert("created_by", runner.id, user.clone())?),
        None => None,
    };
    Ok(types::Runner {
        active: runner.active,
        created_at: runner.created_at,
        created_by,
        description: runner.description.clone(),
        id: runner.id,
        ip_address: runner.ip_address.clone(),
        is_shared: runner.is_shared,
        job_execution_status: runner.job_execution_status.clone(),
        name: runner.name.clone(),
        online: runner.online,
        paused: Some(runner.paused),
        runner_type: Some(runner_type),
        status: deprecated_rest_status(runner),
    })
}

/// `Ci::Runner#deprecated_rest_status` (app/models/ci/runner.rb), which the REST entity shows
/// as `status` (lib/api/entities/ci/runner.rb): `stale` and `never_contacted` first, then
/// `online`/`offline` for an active runner, else `paused`. The stored status is the first
/// three's outcome; a runner that is not active turns online/offline into `paused`.
fn deprecated_rest_status(runner: &Runner) -> Option<String> {
    let stored = runner.status.clone()?;
    let contacted = matches!(stored.as_str(), "online" | "offline");
    Some(if contacted && !runner.active {
        "paused".to_owned()
    } else {
        stored
    })
}

/// `Entities::Ci::RunnerManager`. The document requires `created_at`, `status` and
/// `system_id`, which a stored manager may lack.
fn runner_manager_entity(manager: &RunnerManager) -> Result<types::RunnerManager, ApiError> {
    let missing = |what: &str| misfit(what, &manager.id, &"missing");
    Ok(types::RunnerManager {
        architecture: manager.architecture.clone(),
        contacted_at: manager.contacted_at,
        created_at: manager.created_at.ok_or_else(|| missing("created_at"))?,
        id: manager.id,
        ip_address: manager.ip_address.clone(),
        job_execution_status: manager.job_execution_status.clone(),
        platform: manager.platform.clone(),
        revision: manager.revision.clone(),
        status: manager.status.clone().ok_or_else(|| missing("status"))?,
        system_id: manager
            .system_id
            .clone()
            .ok_or_else(|| missing("system_id"))?,
        version: manager.version.clone(),
    })
}

/// A commit's trailers, stored as a fixture gave them; almost always empty.
fn trailers<T: DeserializeOwned + Default>(
    what: &str,
    id: Id,
    given: &Map<String, Value>,
) -> Result<T, ApiError> {
    if given.is_empty() {
        return Ok(T::default());
    }
    convert(what, id, Value::Object(given.clone()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{JobStatus, Visibility};

    #[test]
    fn a_commit_known_by_its_sha_gets_every_key_the_entity_has() {
        let created = Utc
            .with_ymd_and_hms(2024, 1, 1, 12, 0, 0)
            .single()
            .expect("a time");
        let project = Project {
            id: 1,
            path_with_namespace: "acme/app".into(),
            name: "app".into(),
            description: None,
            visibility: Visibility::Private,
            public_builds: true,
            ci_job_token_scope_enabled: false,
            restrict_user_defined_variables: false,
            pipeline_variables_role: crate::model::PipelineVariablesRole::Maintainer,
            created_at: created,
            group_ids: Vec::new(),
            members: Vec::new(),
        };
        let pipeline = Pipeline {
            id: 5,
            iid: 1,
            project_id: 1,
            sha: "0123456789abcdef".into(),
            ref_name: "main".into(),
            status: JobStatus::Success,
            source: None,
            created_at: created,
            updated_at: created,
            web_url: None,
            artifacts_locked: true,
        };
        let presenter = Presenter {
            base_url: "https://gitlab.example.com".into(),
            now: created,
        };
        let commit = presenter
            .commit(&Commit::from_sha(&pipeline.sha), &project, &pipeline)
            .expect("a commit");
        assert_eq!(commit.short_id, "01234567");
        assert_eq!(commit.created_at, created);
        for (key, value) in [
            ("title", &commit.title),
            ("message", &commit.message),
            ("author_name", &commit.author_name),
            ("author_email", &commit.author_email),
        ] {
            assert_eq!(value, "", "{key}");
        }
        let described = Commit {
            title: Some("Fix the build".into()),
            ..Commit::from_sha(&pipeline.sha)
        };
        let commit = presenter
            .commit(&described, &project, &pipeline)
            .expect("a commit");
        assert_eq!(
            (commit.title.as_str(), commit.message.as_str()),
            ("Fix the build", "Fix the build")
        );
    }
}
