//! Single-job endpoints of `lib/api/ci/jobs.rb`.

use gitlab_jobs_types as types;
use serde_json::Value;

use super::JobsService;
use gitlab_jobs_server::{
    CancelJobRequest, Encoded, EraseJobRequest, GetCurrentJobAllowedAgentsRequest,
    GetCurrentJobRequest, GetJobRequest, GetJobTraceRequest, PlayJobRequest, RetryJobRequest,
};

use crate::model::{Id, InputValues, Job, JobKind, JobVariable};
use crate::rules;
use crate::service::auth::{Ability, Actor, Credentials, Route};
use crate::service::cache::{Kept, KeptJob, Reads};
use crate::service::error_bodies::ApiError;
use crate::service::found;

/// A job's log: served as `text/plain` with `Content-Disposition: infile; filename="<id>.log"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub job_id: Id,
    /// Empty when the job has no log (still 200).
    pub content: String,
}

impl Trace {
    pub fn filename(&self) -> String {
        format!("{}.log", self.job_id)
    }
}

impl JobsService {
    /// GET /job: the job of the job token. Another kind of valid credential → `404 Job Not
    /// Found`; a job token of a job that is not running → 401.
    pub fn get_current_job(&self, credentials: &Credentials) -> Result<types::Job, ApiError> {
        let actor = self.authenticate(credentials, Route::of(GetCurrentJobRequest::SECURITY))?;
        let Actor::Job { job, .. } = actor else {
            return Err(ApiError::job_not_found());
        };
        let details = self
            .store()
            .job(job.project_id, job.id)?
            .ok_or_else(ApiError::job_not_found)?;
        self.presenter().job(&details)
    }

    /// GET /job/allowed_agents.
    pub fn get_current_job_allowed_agents(
        &self,
        credentials: &Credentials,
    ) -> Result<Value, ApiError> {
        let actor = self.authenticate(
            credentials,
            Route::of(GetCurrentJobAllowedAgentsRequest::SECURITY),
        )?;
        let Actor::Job { job, user } = actor else {
            return Err(ApiError::job_not_found());
        };
        let project = self
            .store()
            .project(crate::store::ProjectKey::Id(job.project_id))?
            .ok_or_else(ApiError::job_not_found)?;
        let roles = project
            .access_level_of(user.id)
            .map(|level| level.roles_up_to())
            .unwrap_or_default();
        let agents = self.store().agent_authorizations(project.id)?;
        Ok(self
            .presenter()
            .allowed_agents(&job, &project, &user, &roles, &agents))
    }

    /// GET /projects/:id/jobs/:job_id: builds only (`find_build!`).
    pub fn get_job(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
    ) -> Result<Encoded<types::Job>, ApiError> {
        self.get_job_with(&self.reads()?, credentials, project, job_id)
    }

    /// [`JobsService::get_job`] with `reads` ([`JobsService::at`], [`JobsService::in_memory`]).
    pub fn get_job_with(
        &self,
        reads: &Reads<'_>,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
    ) -> Result<Encoded<types::Job>, ApiError> {
        let route = Route::of(GetJobRequest::SECURITY);
        let access = self.project_access_in(reads, credentials, route, project)?;
        access.authorize(Ability::ReadBuild, None)?;
        let presenter = self.presenter();
        if let Some(kept) = reads.presented_job(access.project.id, job_id, presenter.now) {
            return kept.shown(&presenter);
        }
        let details = found(reads.job_of(&access.project, job_id)?, Some(JobKind::Build))?;
        let (unchanged, timing) = presenter.time_dependence(&details);
        let kept = Kept {
            entity: KeptJob::new(presenter.job(&details)?, timing)?,
            unchanged,
        };
        let shown = kept.shown(&presenter)?;
        reads.keep_presented_job(access.project.id, job_id, kept);
        Ok(shown)
    }

    /// GET /projects/:id/jobs/:job_id/trace.
    pub fn get_job_trace(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
    ) -> Result<Trace, ApiError> {
        let (_, details) = self.authorized_build(
            credentials,
            Route::of(GetJobTraceRequest::SECURITY),
            project,
            Ability::ReadBuild,
            job_id,
        )?;
        let content = self.store().trace(details.job.id)?.unwrap_or_default();
        Ok(Trace { job_id, content })
    }

    /// POST /projects/:id/jobs/:job_id/cancel → 201 with the job, canceled or (finished)
    /// unchanged. `force` needs a maintainer.
    pub fn cancel_job(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
        force: bool,
    ) -> Result<types::Job, ApiError> {
        // `authorize_cancel_builds!` on the project comes before `find_build!`.
        let (access, details) = self.authorized_build(
            credentials,
            Route::of(CancelJobRequest::SECURITY),
            project,
            Ability::UpdateBuild,
            job_id,
        )?;
        access.authorize(Ability::UpdateBuild, Some(&details.job))?;
        if force {
            access.authorize(Ability::ForceCancel, Some(&details.job))?;
        }
        let canceled = self
            .store()
            .cancel_job(access.project.id, job_id, force, self.now())?;
        self.presenter().job(&canceled)
    }

    /// POST /projects/:id/jobs/:job_id/retry → 201 with the NEW job (builds and bridges),
    /// which takes the given CI job input values. `Ci::RetryJobService#execute`
    /// (app/services/ci/retry_job_service.rb): a job that is not `retryable?` is refused (403)
    /// before its inputs are looked at; invalid inputs are `400 Bad request - <message>`
    /// (`rules::inputs::resolve`).
    pub fn retry_job(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
        inputs: &InputValues,
    ) -> Result<types::Job, ApiError> {
        let access =
            self.project_access(credentials, Route::of(RetryJobRequest::SECURITY), project)?;
        let retried = self.act_on_job(
            &access,
            job_id,
            None,
            Ability::UpdateBuild,
            |store, job, actor, now| {
                if !rules::retryable(job) {
                    return Err(ApiError::job_not_retryable());
                }
                let inputs = checked_inputs(job, inputs)?;
                Ok(store.retry_job_with_inputs(job.project_id, job.id, actor, &inputs, now)?)
            },
        )?;
        // `present response[:job], with: Entities::Ci::Job` (lib/api/ci/jobs.rb), bridges too.
        self.presenter().job(&retried)
    }

    /// POST /projects/:id/jobs/:job_id/erase → 201 with the erased job.
    pub fn erase_job(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
    ) -> Result<types::Job, ApiError> {
        let access =
            self.project_access(credentials, Route::of(EraseJobRequest::SECURITY), project)?;
        let erased = self.act_on_job(
            &access,
            job_id,
            Some(JobKind::Build),
            Ability::EraseBuild,
            |store, job, actor, now| Ok(store.erase_job(job.project_id, job.id, actor, now)?),
        )?;
        self.presenter().job(&erased)
    }

    /// POST /projects/:id/jobs/:job_id/play → 200 with the played job (`Job` for builds,
    /// `Bridge` for bridges). In lib/api/ci/jobs.rb's order: `authorize_read_builds!`,
    /// `find_job!`, `authorize!(:play_job)`, then `bad_request!("Unplayable Job") unless
    /// job.playable?`, then `job.play`. For a build that is `Ci::PlayBuildService#check_access!`
    /// (app/services/ci/play_build_service.rb): variables given (`variables.present?`) without
    /// `set_pipeline_variables` on the project → `403 Forbidden` (`AccessDeniedError`), before
    /// anything changes. A bridge's `play` ignores variables (app/models/ci/bridge.rb), and
    /// CI job inputs too; a build's `job_inputs` are checked next, as a retry checks them.
    pub fn play_job(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
        variables: &[JobVariable],
        inputs: &InputValues,
    ) -> Result<types::JobOrBridge, ApiError> {
        let access =
            self.project_access(credentials, Route::of(PlayJobRequest::SECURITY), project)?;
        access.authorize(Ability::ReadBuild, None)?;
        let played = self.act_on_job(
            &access,
            job_id,
            None,
            Ability::UpdateBuild,
            |store, job, actor, now| {
                if !rules::playable(job) {
                    return Err(ApiError::unplayable_job());
                }
                let (variables, inputs) = match job.kind {
                    JobKind::Build => {
                        if !variables.is_empty() {
                            access.authorize(Ability::SetPipelineVariables, None)?;
                        }
                        (variables, checked_inputs(job, inputs)?)
                    }
                    JobKind::Bridge => (&[][..], InputValues::new()),
                };
                Ok(store.play_job_with_inputs(
                    job.project_id,
                    job.id,
                    actor,
                    variables,
                    &inputs,
                    now,
                )?)
            },
        )?;
        self.presenter().entity(&played)
    }
}

/// The input values to store for `job`, or GitLab's `400 Bad request - <message>`
/// (`bad_request!(response.message)`, lib/api/ci/jobs.rb).
fn checked_inputs(job: &Job, given: &InputValues) -> Result<InputValues, ApiError> {
    rules::inputs::resolve(&job.input_specs, given)
        .map_err(|message| ApiError::bad_request(Some(&message)))
}
