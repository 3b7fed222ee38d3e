//! The job payload a runner is given (`Entities::Ci::JobRequest::Response`,
//! lib/api/entities/ci/job_request/response.rb and its parts in the same directory): what to
//! fetch (`git_info`), what to run (`steps`), with which variables, and the job token.

use gitlab_jobs_types as types;

use super::Presenter;
use super::urls::job_web_url;
use crate::model::JobVariable;
use crate::rules::runner::RUNNER_FAILURE_REASONS;
use crate::store::StartedJob;

/// `Ci::Build#timeout`: the project's default, one hour (`ci_default_timeout`).
const JOB_TIMEOUT_SECONDS: i64 = 3600;
/// `Gitlab::Git::SHA1_BLANK_SHA`: what `before_sha` is for a pipeline without a previous one.
const BLANK_SHA: &str = "0000000000000000000000000000000000000000";
/// `git_depth`'s default for new projects (`ci_default_git_depth`).
const GIT_DEPTH: i64 = 20;

impl Presenter {
    pub fn runner_job(&self, started: &StartedJob) -> types::RunnerJob {
        let details = &started.details;
        let job = &details.job;
        let project = &details.project;
        let token = job.token.clone().unwrap_or_default();
        let queued_seconds = match (job.queued_at, job.started_at) {
            (Some(queued), Some(started)) => {
                Some((started - queued).num_milliseconds() as f64 / 1000.0)
            }
            _ => None,
        };
        let (ref_type, ref_prefix) = if job.tag {
            ("tag", "refs/tags")
        } else {
            ("branch", "refs/heads")
        };
        let refspecs = vec![
            format!(
                "+refs/pipelines/{0}:refs/pipelines/{0}",
                details.pipeline.id
            ),
            if job.tag {
                format!("+{ref_prefix}/{0}:{ref_prefix}/{0}", job.ref_name)
            } else {
                format!("+{ref_prefix}/{0}:refs/remotes/origin/{0}", job.ref_name)
            },
        ];
        let repo_url = repo_url(&self.base_url, &token, &project.path_with_namespace);
        types::RunnerJob {
            id: job.id,
            token: token.clone(),
            allow_git_fetch: true,
            job_info: types::RunnerJobInfo {
                id: job.id,
                name: job.name.clone(),
                stage: job.stage.clone(),
                pipeline_id: Some(details.pipeline.id),
                project_id: project.id,
                project_name: project.name.clone(),
                project_full_path: Some(project.path_with_namespace.clone()),
                user_id: job.user_id,
                time_in_queue_seconds: queued_seconds,
                project_jobs_running_on_instance_runners_count: Some(
                    started.running_on_instance_runners.to_string(),
                ),
                queue_size: Some(started.queue_size),
                queue_depth: Some(started.queue_depth),
            },
            git_info: types::RunnerGitInfo {
                repo_url,
                ref_: job.ref_name.clone(),
                sha: details.pipeline.sha.clone(),
                before_sha: BLANK_SHA.to_owned(),
                ref_type: ref_type.to_owned(),
                refspecs,
                depth: Some(GIT_DEPTH),
                repo_object_format: Some("sha1".to_owned()),
                protected: None,
            },
            runner_info: types::RunnerInfo {
                timeout: JOB_TIMEOUT_SECONDS,
                runner_session_url: None,
            },
            variables: self.runner_variables(started, &token),
            steps: vec![types::RunnerJobStep {
                name: "script".to_owned(),
                script: started.script.script.clone(),
                timeout: JOB_TIMEOUT_SECONDS,
                when: "on_success".to_owned(),
                allow_failure: false,
            }],
            image: None,
            services: Vec::new(),
            artifacts: None,
            cache: Vec::new(),
            credentials: Vec::new(),
            dependencies: Vec::new(),
            features: types::RunnerJobFeatures {
                trace_sections: Some(true),
                failure_reasons: RUNNER_FAILURE_REASONS.map(str::to_owned).to_vec(),
            },
        }
    }

    /// The predefined variables a job gets (`Ci::Build#variables`, doc/ci/variables/
    /// predefined_variables.md; a subset), then the job's own.
    fn runner_variables(&self, started: &StartedJob, token: &str) -> Vec<types::RunnerVariable> {
        let details = &started.details;
        let job = &details.job;
        let project = &details.project;
        let public = |key: &str, value: String| types::RunnerVariable {
            key: key.to_owned(),
            value,
            public: true,
            masked: Some(false),
            file: None,
            raw: None,
        };
        let mut variables = vec![
            public("CI", "true".to_owned()),
            public("GITLAB_CI", "true".to_owned()),
            public("CI_SERVER_URL", self.base_url.clone()),
            public("CI_API_V4_URL", format!("{}/api/v4", self.base_url)),
            public("CI_JOB_ID", job.id.to_string()),
            public("CI_JOB_NAME", job.name.clone()),
            public("CI_JOB_STAGE", job.stage.clone()),
            public(
                "CI_JOB_URL",
                job_web_url(&self.base_url, &project.path_with_namespace, job.id),
            ),
            types::RunnerVariable {
                key: "CI_JOB_TOKEN".to_owned(),
                value: token.to_owned(),
                public: false,
                masked: Some(true),
                file: None,
                raw: None,
            },
            public("CI_PIPELINE_ID", details.pipeline.id.to_string()),
            public("CI_PIPELINE_IID", details.pipeline.iid.to_string()),
            public("CI_PROJECT_ID", project.id.to_string()),
            public("CI_PROJECT_NAME", project.name.clone()),
            public("CI_PROJECT_PATH", project.path_with_namespace.clone()),
            public("CI_COMMIT_SHA", details.pipeline.sha.clone()),
            public("CI_COMMIT_REF_NAME", job.ref_name.clone()),
            public("CI_RUNNER_ID", started.runner.runner.id.to_string()),
            public(
                "CI_RUNNER_DESCRIPTION",
                started
                    .runner
                    .runner
                    .description
                    .clone()
                    .unwrap_or_default(),
            ),
            public(
                "CI_RUNNER_TAGS",
                serde_json::to_string(&started.runner.scope.tags).unwrap_or_default(),
            ),
        ];
        variables.extend(job.variables.iter().map(job_variable));
        variables
    }
}

/// A variable of the job's own (`public: false`, as project and pipeline variables are).
fn job_variable(variable: &JobVariable) -> types::RunnerVariable {
    types::RunnerVariable {
        key: variable.key.clone(),
        value: variable.value.clone(),
        public: false,
        masked: Some(false),
        file: (variable.variable_type.as_deref() == Some("file")).then_some(true),
        raw: None,
    }
}

/// `Ci::Build#repo_url`: the project's HTTP clone URL with `gitlab-ci-token:<job token>@`.
fn repo_url(base_url: &str, token: &str, path: &str) -> String {
    match base_url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://gitlab-ci-token:{token}@{rest}/{path}.git"),
        None => format!("{base_url}/{path}.git"),
    }
}
