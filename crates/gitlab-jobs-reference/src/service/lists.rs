//! The list endpoints.

use gitlab_jobs_types as types;

use super::JobsService;
use gitlab_jobs_server::{
    Encoded, ListPipelineBridgesRequest, ListPipelineJobsRequest, ListPipelineTriggerJobsRequest,
    ListProjectJobsRequest,
};

use crate::model::{Id, JobDetails, JobKind, JobStatus};
use crate::service::auth::{Ability, Credentials, Route};
use crate::service::cache::{Kept, KeptJob, Reads, Unchanged};
use crate::service::error_bodies::ApiError;
use crate::service::present::Presenter;
use crate::store::{JobFilter, Page, Pagination};

impl JobsService {
    /// GET /projects/:id/jobs (`lib/api/ci/jobs.rb`): builds of the project, retried ones
    /// included, `id DESC`; never counted (`without_count: true`, so no `X-Total`); keyset
    /// pagination allowed. Job tokens accepted.
    pub fn list_project_jobs(
        &self,
        credentials: &Credentials,
        project: &str,
        scope: &[JobStatus],
        pagination: Pagination,
    ) -> Result<Page<Encoded<types::Job>>, ApiError> {
        let reads = self.reads()?;
        self.list_project_jobs_with(&reads, credentials, project, scope, pagination)
    }

    /// [`JobsService::list_project_jobs`] with `reads` ([`JobsService::at`],
    /// [`JobsService::in_memory`]).
    pub fn list_project_jobs_with(
        &self,
        reads: &Reads<'_>,
        credentials: &Credentials,
        project: &str,
        scope: &[JobStatus],
        pagination: Pagination,
    ) -> Result<Page<Encoded<types::Job>>, ApiError> {
        let route = Route::of(ListProjectJobsRequest::SECURITY);
        let access = self.project_access_in(reads, credentials, route, project)?;
        access.authorize(Ability::ReadBuild, None)?;
        let pagination = match pagination {
            Pagination::Offset { page, per_page, .. } => Pagination::Offset {
                page,
                per_page,
                count: false,
            },
            keyset => keyset,
        };
        let filter = JobFilter::project_builds(access.project.id).with_statuses(scope.to_vec());
        self.jobs_page(reads, &filter, &pagination)
    }

    /// GET /projects/:id/pipelines/:pipeline_id/jobs (`lib/api/ci/pipelines.rb`,
    /// `Ci::JobsFinder`): the pipeline's builds, latest tries only unless `include_retried`;
    /// counted pages. Anonymous on public projects; job tokens accepted. The route asks for
    /// `read_pipeline` (403); the finder's `read_build` on the pipeline is no error: its
    /// `AccessDeniedError` is rescued into `type.none`, an empty page
    /// (app/finders/ci/jobs_finder.rb `execute` and `pipeline_jobs`).
    pub fn list_pipeline_jobs(
        &self,
        credentials: &Credentials,
        project: &str,
        pipeline_id: Id,
        scope: &[JobStatus],
        include_retried: bool,
        pagination: Pagination,
    ) -> Result<Page<Encoded<types::Job>>, ApiError> {
        let reads = self.reads()?;
        let query = PipelineJobsQuery {
            pipeline_id,
            include_retried,
            pagination,
        };
        self.list_pipeline_jobs_with(&reads, credentials, project, scope, query)
    }

    /// [`JobsService::list_pipeline_jobs`] with `reads` ([`JobsService::at`],
    /// [`JobsService::in_memory`]).
    pub fn list_pipeline_jobs_with(
        &self,
        reads: &Reads<'_>,
        credentials: &Credentials,
        project: &str,
        scope: &[JobStatus],
        query: PipelineJobsQuery,
    ) -> Result<Page<Encoded<types::Job>>, ApiError> {
        let PipelineJobsQuery {
            pipeline_id,
            include_retried,
            pagination,
        } = query;
        let route = Route::of(ListPipelineJobsRequest::SECURITY);
        let access = self.project_access_in(reads, credentials, route, project)?;
        // `authorize!(:read_pipeline, user_project)`, then
        // `user_project.all_pipelines.find(params[:pipeline_id])`, then the finder.
        access.authorize(Ability::ReadPipeline, None)?;
        let pagination = counted(pagination);
        let filter = JobFilter {
            include_retried,
            ..JobFilter::pipeline(access.project.id, pipeline_id, JobKind::Build)
        }
        .with_statuses(scope.to_vec());
        let readable = access.can(Ability::ReadBuild, None);
        // A page kept for this version says the pipeline exists.
        if readable {
            let presenter = self.presenter();
            if let Some(kept) = reads.presented_page(&filter, &pagination, presenter.now) {
                return kept.shown(&presenter);
            }
        }
        reads
            .pipeline(access.project.id, pipeline_id)?
            .ok_or_else(ApiError::record_not_found)?;
        if !readable {
            return Ok(Page::empty(&pagination));
        }
        self.jobs_page(reads, &filter, &pagination)
    }

    /// A page of builds, presented; kept in the cache for the requests that follow.
    fn jobs_page(
        &self,
        reads: &Reads<'_>,
        filter: &JobFilter,
        pagination: &Pagination,
    ) -> Result<Page<Encoded<types::Job>>, ApiError> {
        let presenter = self.presenter();
        if let Some(kept) = reads.presented_page(filter, pagination, presenter.now) {
            return kept.shown(&presenter);
        }
        let page = reads.list_jobs(filter, pagination)?;
        let mut unchanged = Unchanged::Always;
        let page = page.try_map(|details| {
            let (until, timing) = presenter.time_dependence(&details);
            unchanged = unchanged.and(until);
            KeptJob::new(presenter.job(&details)?, timing)
        })?;
        let kept = Kept {
            entity: page,
            unchanged,
        };
        let shown = kept.shown(&presenter)?;
        reads.keep_presented_page(filter, pagination, kept);
        Ok(shown)
    }

    /// GET /projects/:id/pipelines/:pipeline_id/bridges: `present_pipeline_trigger_jobs`
    /// (lib/api/ci/pipelines.rb) with the credentials this route accepts: `read_build` on the
    /// project, then the pipeline; its bridges, retried ones hidden.
    pub fn list_pipeline_bridges(
        &self,
        credentials: &Credentials,
        project: &str,
        pipeline_id: Id,
        scope: &[JobStatus],
        pagination: Pagination,
    ) -> Result<Page<types::Bridge>, ApiError> {
        let route = Route::of(ListPipelineBridgesRequest::SECURITY);
        self.list_trigger_jobs(route, credentials, project, pipeline_id, scope, pagination)
    }

    /// GET /projects/:id/pipelines/:pipeline_id/trigger_jobs (GitLab 19.2): the use case of
    /// [`JobsService::list_pipeline_bridges`], with the credentials this route accepts.
    pub fn list_pipeline_trigger_jobs(
        &self,
        credentials: &Credentials,
        project: &str,
        pipeline_id: Id,
        scope: &[JobStatus],
        pagination: Pagination,
    ) -> Result<Page<types::Bridge>, ApiError> {
        let route = Route::of(ListPipelineTriggerJobsRequest::SECURITY);
        self.list_trigger_jobs(route, credentials, project, pipeline_id, scope, pagination)
    }

    /// `present_pipeline_trigger_jobs` (lib/api/ci/pipelines.rb), which both …/bridges and
    /// …/trigger_jobs run, each with the credentials its own route accepts:
    /// `authorize!(:read_build)` first, then the pipeline; bridges only (retried ones hidden,
    /// as `Ci::JobsFinder` does).
    fn list_trigger_jobs(
        &self,
        route: Route,
        credentials: &Credentials,
        project: &str,
        pipeline_id: Id,
        scope: &[JobStatus],
        pagination: Pagination,
    ) -> Result<Page<types::Bridge>, ApiError> {
        let access = self.project_access(credentials, route, project)?;
        access.authorize(Ability::ReadBuild, None)?;
        self.store()
            .pipeline(access.project.id, pipeline_id)?
            .ok_or_else(ApiError::record_not_found)?;
        let filter = JobFilter::pipeline(access.project.id, pipeline_id, JobKind::Bridge)
            .with_statuses(scope.to_vec());
        self.presented_page(&filter, &counted(pagination), Presenter::bridge)
    }

    /// A page of `filter`'s jobs, each shown as `present` shows it.
    fn presented_page<T>(
        &self,
        filter: &JobFilter,
        pagination: &Pagination,
        present: impl Fn(&Presenter, &JobDetails) -> Result<T, ApiError>,
    ) -> Result<Page<T>, ApiError> {
        let page = self.store().list_jobs(filter, pagination)?;
        let presenter = self.presenter();
        page.try_map(|details| present(&presenter, &details))
    }
}

/// Which page of which pipeline's jobs [`JobsService::list_pipeline_jobs_with`] lists.
#[derive(Debug, Clone)]
pub struct PipelineJobsQuery {
    pub pipeline_id: Id,
    pub include_retried: bool,
    pub pagination: Pagination,
}

/// The pipeline lists use plain `paginate` (counted); keyset is not supported there, so a
/// keyset request falls back to the first offset page.
fn counted(pagination: Pagination) -> Pagination {
    match pagination {
        Pagination::Offset { page, per_page, .. } => Pagination::Offset {
            page,
            per_page,
            count: true,
        },
        Pagination::Keyset { per_page, .. } => Pagination::Offset {
            page: 1,
            per_page,
            count: true,
        },
    }
}
