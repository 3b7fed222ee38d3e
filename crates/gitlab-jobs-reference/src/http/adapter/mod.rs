//! [`Reference`]: the generated [`JobsApi`] trait served by [`JobsService`].
//!
//! Each method translates its request into the service call of the same name, runs it on the
//! blocking pool (the store is synchronous), and turns the result into the response variant
//! of the same status. The reads the service's cache answers (GET job and the jobs lists) are
//! tried from memory first, on the async thread, at the data version the store's probe reads
//! (`Reference::read`). The router's credentials are the service's own type. The bridges live
//! beside it, one job each: `pages` (pagination both ways), `respond` (errors into variants,
//! allowed agents into their type) and `disposition` (download headers).

mod disposition;
mod pages;
mod respond;
mod runner;

use std::sync::Arc;

use axum::body::Bytes;
use gitlab_jobs_server::pagination::PageHeaders;
use gitlab_jobs_server::requests::*;
use gitlab_jobs_server::responses::*;
use gitlab_jobs_server::{Encoded, JobsApi, RequestContext, types};
use tokio::sync::Semaphore;

use self::pages::ProjectJobsPaging;
use self::respond::{FromApiError, entity};
use crate::model::{InputValues, JobStatus, JobVariable};
use crate::service::auth::Credentials;
use crate::service::cache::Reads;
use crate::service::error_bodies::ApiError;
use crate::service::{Download, JobsService, PipelineJobsQuery};
use crate::store::{DataVersion, Page, Pagination, VersionProbe};

/// The reference implementation of the Jobs API, for [`gitlab_jobs_server::router`].
#[derive(Clone)]
pub struct Reference {
    service: Arc<JobsService>,
    /// One permit per store connection: the service calls beyond those wait here, in arrival
    /// order (Tokio's semaphore is fair), instead of as blocking threads in the pool's
    /// checkout, where the one the OS wakes first goes first.
    turns: Arc<Semaphore>,
    /// Reads the data version on the async threads, so that an answer the service's cache
    /// holds needs no blocking call at all (`None`: every call goes to the blocking pool).
    probe: Option<Arc<dyn VersionProbe>>,
}

impl Reference {
    pub fn new(service: JobsService) -> Reference {
        let turns = Arc::new(Semaphore::new(service.store().connections().max(1)));
        let probe = service.store().data_version_probe();
        Reference {
            service: Arc::new(service),
            turns,
            probe,
        }
    }

    /// A use case that only reads, answered on the async thread when the service's cache
    /// holds its answer at the data version just read; else on the blocking pool at that
    /// version.
    async fn read<T, F>(&self, use_case: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: Fn(&JobsService, &Reads<'_>) -> Result<T, ApiError> + Send + 'static,
    {
        let version = self.data_version().await;
        let kept = version.and_then(|version| {
            self.service
                .in_memory(version, |reads| use_case(&self.service, reads))
        });
        match kept {
            Some(answer) => answer,
            None => {
                self.call(move |service| service.at(version, |reads| use_case(service, reads)))
                    .await
            }
        }
    }

    /// The data version, read without a blocking call; `None` when the store has no probe or
    /// it failed (the blocking path then reads the version itself, and reports a failure).
    async fn data_version(&self) -> Option<DataVersion> {
        let probe = self.probe.as_ref()?;
        probe
            .read()
            .await
            .inspect_err(|error| tracing::debug!(%error, "the version probe failed"))
            .ok()
    }

    pub fn service(&self) -> &JobsService {
        &self.service
    }

    /// GET …/bridges and its successor GET …/trigger_jobs (GitLab 19.2): both routes run
    /// `present_pipeline_trigger_jobs` (`lib/api/ci/pipelines.rb`), so one implementation.
    async fn trigger_jobs(
        &self,
        query: TriggerJobsQuery,
        context: &RequestContext,
    ) -> Result<(Vec<types::Bridge>, PageHeaders), ApiError> {
        let scope = scope(&query.scope);
        let pagination = pages::offset(query.page, query.per_page);
        let credentials = query.credentials;
        let (project, pipeline_id) = (query.project, query.pipeline_id);
        let use_case = query.use_case;
        let page = self
            .call(move |service| {
                use_case(
                    service,
                    &credentials,
                    &project,
                    pipeline_id,
                    &scope,
                    pagination,
                )
            })
            .await?;
        let headers = pages::headers(context, &page);
        Ok((page.items, headers))
    }

    /// A use case of one job (`project`, `job_id`) with the request's credentials, on the
    /// blocking pool.
    async fn on_job<T, F>(
        &self,
        credentials: Credentials,
        project: String,
        job_id: i64,
        use_case: F,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&JobsService, &Credentials, &str, i64) -> Result<T, ApiError> + Send + 'static,
    {
        self.call(move |service| use_case(service, &credentials, &project, job_id))
            .await
    }

    /// Runs one service call on the blocking pool. A panic there is answered as GitLab answers
    /// an uncaught exception.
    async fn call<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&JobsService) -> Result<T, ApiError> + Send + 'static,
    {
        let service = Arc::clone(&self.service);
        // Never closed, so the permit always comes; if it did not, the call runs without one.
        let turn = Arc::clone(&self.turns).acquire_owned().await.ok();
        tokio::task::spawn_blocking(move || {
            let answer = work(&service);
            drop(turn);
            answer
        })
        .await
        .unwrap_or_else(|failure| {
            tracing::error!(%failure, "a service call panicked");
            Err(ApiError::internal())
        })
    }
}

/// The request of either trigger jobs route (their generated request types are alike).
struct TriggerJobsQuery {
    /// The route's own use case (each accepts the credentials its operation's SECURITY lists).
    use_case: TriggerJobsUseCase,
    credentials: Credentials,
    project: String,
    pipeline_id: i64,
    scope: Vec<types::JobStatus>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// `JobsService::list_pipeline_bridges` or `JobsService::list_pipeline_trigger_jobs`.
type TriggerJobsUseCase = fn(
    &JobsService,
    &Credentials,
    &str,
    i64,
    &[JobStatus],
    Pagination,
) -> Result<Page<types::Bridge>, ApiError>;

/// `scope[]` values in the model's status type. The router has read them with the enum's
/// strict `FromStr` (an unlisted value is answered 400 before the adapter runs), so no
/// `Unknown` reaches here; the model has the document's statuses (`service::present` maps
/// them both ways).
fn scope(values: &[types::JobStatus]) -> Vec<JobStatus> {
    values.iter().filter_map(JobStatus::from_document).collect()
}

fn variables(body: Option<types::PlayJobRequest>) -> Vec<JobVariable> {
    body.map(|body| body.job_variables_attributes)
        .unwrap_or_default()
        .into_iter()
        .map(|variable| JobVariable {
            key: variable.key,
            value: variable.value,
            variable_type: Some(variable.variable_type.to_string()),
        })
        .collect()
}

/// A request's JSON object of CI job input values.
fn input_values(object: serde_json::Map<String, serde_json::Value>) -> InputValues {
    object.into_iter().collect()
}

/// A download's body and `Content-Disposition`.
fn attachment(download: Download) -> (Bytes, Option<String>) {
    let disposition = disposition::attachment(&download.filename);
    (Bytes::from(download.content), Some(disposition))
}

/// An archive download's body, `Content-Disposition` and `ETag`.
fn archive(download: Download) -> (Bytes, Option<String>, Option<String>) {
    let e_tag = disposition::archive_etag(&download.content);
    let (body, content_disposition) = attachment(download);
    (body, content_disposition, Some(e_tag))
}

impl JobsApi for Reference {
    async fn list_project_jobs(&self, request: ListProjectJobsRequest) -> ListProjectJobsResponse {
        let result = async {
            let pagination = pages::project_jobs(ProjectJobsPaging {
                pagination: request.pagination,
                order_by: request.order_by.as_deref(),
                sort: request.sort.as_deref(),
                cursor: request.cursor.as_deref(),
                page: request.page,
                per_page: request.per_page,
            });
            let scope = scope(&request.scope);
            let credentials = request.credentials;
            let project = request.id;
            let page = self
                .read(move |service, reads| {
                    let list = |pagination| {
                        service.list_project_jobs_with(
                            reads,
                            &credentials,
                            &project,
                            &scope,
                            pagination,
                        )
                    };
                    match &pagination {
                        Ok(pagination) => list(pagination.clone()),
                        // GitLab paginates last (`paginate_with_strategies` after
                        // authentication, `find_project!` and `authorize_read_builds!`): their
                        // errors come first.
                        Err(refused) => {
                            list(Pagination::offset(None, Some(1), false))?;
                            Err(refused.clone())
                        }
                    }
                })
                .await?;
            let headers = pages::headers(&request.context, &page);
            Ok(ListProjectJobsResponse::Ok {
                body: page.items.into_iter().collect::<Encoded<Vec<_>>>().into(),
                // Never counted (`without_count: true`), so the type has no X-Total.
                headers: headers.into(),
            })
        };
        result.await.unwrap_or_else(FromApiError::from_error)
    }

    async fn list_pipeline_jobs(
        &self,
        request: ListPipelineJobsRequest,
    ) -> ListPipelineJobsResponse {
        let result = async {
            let scope = scope(&request.scope);
            let pagination = pages::offset(request.page, request.per_page);
            let credentials = request.credentials;
            let (project, pipeline_id) = (request.id, request.pipeline_id);
            let query = PipelineJobsQuery {
                pipeline_id,
                include_retried: request.include_retried.unwrap_or(false),
                pagination,
            };
            let page = self
                .read(move |service, reads| {
                    let query = query.clone();
                    service.list_pipeline_jobs_with(reads, &credentials, &project, &scope, query)
                })
                .await?;
            let headers = pages::headers(&request.context, &page).into();
            Ok(ListPipelineJobsResponse::Ok {
                body: page.items.into_iter().collect::<Encoded<Vec<_>>>().into(),
                headers,
            })
        };
        result.await.unwrap_or_else(FromApiError::from_error)
    }

    async fn list_pipeline_bridges(
        &self,
        request: ListPipelineBridgesRequest,
    ) -> ListPipelineBridgesResponse {
        let query = TriggerJobsQuery {
            use_case: JobsService::list_pipeline_bridges,
            credentials: request.credentials,
            project: request.id,
            pipeline_id: request.pipeline_id,
            scope: request.scope,
            page: request.page,
            per_page: request.per_page,
        };
        self.trigger_jobs(query, &request.context)
            .await
            .map_or_else(FromApiError::from_error, |(body, headers)| {
                ListPipelineBridgesResponse::Ok {
                    body: body.into(),
                    headers: headers.into(),
                }
            })
    }

    async fn list_pipeline_trigger_jobs(
        &self,
        request: ListPipelineTriggerJobsRequest,
    ) -> ListPipelineTriggerJobsResponse {
        let query = TriggerJobsQuery {
            use_case: JobsService::list_pipeline_trigger_jobs,
            credentials: request.credentials,
            project: request.id,
            pipeline_id: request.pipeline_id,
            scope: request.scope,
            page: request.page,
            per_page: request.per_page,
        };
        self.trigger_jobs(query, &request.context)
            .await
            .map_or_else(FromApiError::from_error, |(body, headers)| {
                ListPipelineTriggerJobsResponse::Ok {
                    body: body.into(),
                    headers: headers.into(),
                }
            })
    }

    async fn get_current_job(&self, request: GetCurrentJobRequest) -> GetCurrentJobResponse {
        let credentials = request.credentials;
        self.call(move |service| service.get_current_job(&credentials))
            .await
            .map_or_else(FromApiError::from_error, |body| {
                GetCurrentJobResponse::Ok(body.into())
            })
    }

    async fn get_current_job_allowed_agents(
        &self,
        request: GetCurrentJobAllowedAgentsRequest,
    ) -> GetCurrentJobAllowedAgentsResponse {
        let credentials = request.credentials;
        self.call(move |service| service.get_current_job_allowed_agents(&credentials))
            .await
            .and_then(entity::<types::AllowedAgents>)
            .map_or_else(FromApiError::from_error, |body| {
                GetCurrentJobAllowedAgentsResponse::Ok(body.into())
            })
    }

    async fn get_job(&self, request: GetJobRequest) -> GetJobResponse {
        let (credentials, project, job_id) = (request.credentials, request.id, request.job_id);
        self.read(move |service, reads| service.get_job_with(reads, &credentials, &project, job_id))
            .await
            .map_or_else(FromApiError::from_error, |body| {
                GetJobResponse::Ok(body.into())
            })
    }

    async fn get_job_trace(&self, request: GetJobTraceRequest) -> GetJobTraceResponse {
        self.on_job(
            request.credentials,
            request.id,
            request.job_id,
            JobsService::get_job_trace,
        )
        .await
        .map_or_else(FromApiError::from_error, |trace| GetJobTraceResponse::Ok {
            headers: GetJobTraceOkHeaders {
                content_disposition: Some(disposition::trace(&trace)),
            },
            body: trace.content,
        })
    }

    async fn cancel_job(&self, request: CancelJobRequest) -> CancelJobResponse {
        let force = request.force.unwrap_or(false);
        self.on_job(
            request.credentials,
            request.id,
            request.job_id,
            move |service, credentials, project, job_id| {
                service.cancel_job(credentials, project, job_id, force)
            },
        )
        .await
        .map_or_else(FromApiError::from_error, |body| {
            CancelJobResponse::Created(body.into())
        })
    }

    /// CI job inputs come as `job_inputs`, or under GitLab 18.x's name `inputs` when
    /// `job_inputs` is absent (lib/api/ci/jobs.rb at 0286e4c: `optional :inputs, type: Hash`).
    async fn retry_job(&self, request: RetryJobRequest) -> RetryJobResponse {
        let inputs = request
            .body
            .map(|body| {
                if body.job_inputs.is_empty() {
                    body.inputs
                } else {
                    body.job_inputs
                }
            })
            .map(input_values)
            .unwrap_or_default();
        self.on_job(
            request.credentials,
            request.id,
            request.job_id,
            move |service, credentials, project, job_id| {
                service.retry_job(credentials, project, job_id, &inputs)
            },
        )
        .await
        .map_or_else(FromApiError::from_error, |body| {
            RetryJobResponse::Created(body.into())
        })
    }

    async fn erase_job(&self, request: EraseJobRequest) -> EraseJobResponse {
        self.on_job(
            request.credentials,
            request.id,
            request.job_id,
            JobsService::erase_job,
        )
        .await
        .map_or_else(FromApiError::from_error, |body| {
            EraseJobResponse::Created(body.into())
        })
    }

    async fn play_job(&self, request: PlayJobRequest) -> PlayJobResponse {
        let inputs = request
            .body
            .as_ref()
            .map(|body| input_values(body.job_inputs.clone()))
            .unwrap_or_default();
        let variables = variables(request.body);
        self.on_job(
            request.credentials,
            request.id,
            request.job_id,
            move |service, credentials, project, job_id| {
                service.play_job(credentials, project, job_id, &variables, &inputs)
            },
        )
        .await
        .map_or_else(FromApiError::from_error, |body| {
            PlayJobResponse::Ok(body.into())
        })
    }

    async fn get_job_artifacts(&self, request: GetJobArtifactsRequest) -> GetJobArtifactsResponse {
        self.on_job(
            request.credentials,
            request.id,
            request.job_id,
            JobsService::get_job_artifacts,
        )
        .await
        .map(archive)
        .map_or_else(
            FromApiError::from_error,
            |(body, content_disposition, e_tag)| GetJobArtifactsResponse::Ok {
                body,
                headers: GetJobArtifactsOkHeaders {
                    content_disposition,
                    e_tag,
                },
            },
        )
    }

    async fn delete_job_artifacts(
        &self,
        request: DeleteJobArtifactsRequest,
    ) -> DeleteJobArtifactsResponse {
        self.on_job(
            request.credentials,
            request.id,
            request.job_id,
            JobsService::delete_job_artifacts,
        )
        .await
        .map_or_else(FromApiError::from_error, |()| {
            DeleteJobArtifactsResponse::NoContent
        })
    }

    async fn download_artifacts_by_ref(
        &self,
        request: DownloadArtifactsByRefRequest,
    ) -> DownloadArtifactsByRefResponse {
        let credentials = request.credentials;
        let (project, ref_name, job) = (request.id, request.ref_name, request.job);
        let search_recent = request.search_recent_successful_pipelines.unwrap_or(false);
        self.call(move |service| {
            service.download_artifacts_by_ref(
                &credentials,
                &project,
                &ref_name,
                &job,
                search_recent,
            )
        })
        .await
        .map(archive)
        .map_or_else(
            FromApiError::from_error,
            |(body, content_disposition, e_tag)| DownloadArtifactsByRefResponse::Ok {
                body,
                headers: DownloadArtifactsByRefOkHeaders {
                    content_disposition,
                    e_tag,
                },
            },
        )
    }

    async fn get_job_artifact_file(
        &self,
        request: GetJobArtifactFileRequest,
    ) -> GetJobArtifactFileResponse {
        let path = request.artifact_path;
        self.on_job(
            request.credentials,
            request.id,
            request.job_id,
            move |service, credentials, project, job_id| {
                service.get_job_artifact_file(credentials, project, job_id, &path)
            },
        )
        .await
        .map(attachment)
        .map_or_else(FromApiError::from_error, |(body, content_disposition)| {
            GetJobArtifactFileResponse::Ok {
                body,
                headers: GetJobArtifactFileOkHeaders {
                    content_disposition,
                },
            }
        })
    }

    async fn keep_job_artifacts(
        &self,
        request: KeepJobArtifactsRequest,
    ) -> KeepJobArtifactsResponse {
        self.on_job(
            request.credentials,
            request.id,
            request.job_id,
            JobsService::keep_job_artifacts,
        )
        .await
        .map_or_else(FromApiError::from_error, |body| {
            KeepJobArtifactsResponse::Ok(body.into())
        })
    }

    async fn get_artifact_file_by_ref(
        &self,
        request: GetArtifactFileByRefRequest,
    ) -> GetArtifactFileByRefResponse {
        let credentials = request.credentials;
        let (project, ref_name) = (request.id, request.ref_name);
        let (path, job) = (request.artifact_path, request.job);
        let search_recent = request.search_recent_successful_pipelines.unwrap_or(false);
        self.call(move |service| {
            service.get_artifact_file_by_ref(
                &credentials,
                &project,
                &ref_name,
                &path,
                &job,
                search_recent,
            )
        })
        .await
        .map(attachment)
        .map_or_else(FromApiError::from_error, |(body, content_disposition)| {
            GetArtifactFileByRefResponse::Ok {
                body,
                headers: GetArtifactFileByRefOkHeaders {
                    content_disposition,
                },
            }
        })
    }

    async fn request_runner_job(
        &self,
        request: RequestRunnerJobRequest,
    ) -> RequestRunnerJobResponse {
        let token = request.body.token;
        self.call(move |service| service.request_runner_job(&token))
            .await
            .map_or_else(FromApiError::from_error, runner::request)
    }

    async fn update_runner_job(&self, request: UpdateRunnerJobRequest) -> UpdateRunnerJobResponse {
        let (job_id, body) = (request.id, request.body);
        self.call(move |service| service.update_runner_job(job_id, &body))
            .await
            .map_or_else(FromApiError::from_error, runner::update)
    }

    /// The job token is `params[:token] || env['HTTP_JOB_TOKEN']`
    /// (lib/api/ci/helpers/runner.rb): the query parameter first.
    async fn append_runner_job_trace(
        &self,
        request: AppendRunnerJobTraceRequest,
    ) -> AppendRunnerJobTraceResponse {
        let job_id = request.id;
        let header_token = match request.credentials {
            Credentials::JobToken(token) => Some(token),
            _ => None,
        };
        let token = request.token.or(header_token);
        let (content_range, patch) = (request.content_range, request.body);
        self.call(move |service| {
            service.append_runner_job_trace(
                job_id,
                token.as_deref(),
                content_range.as_deref(),
                &patch,
            )
        })
        .await
        .map_or_else(FromApiError::from_error, runner::append)
    }
}

#[cfg(test)]
mod tests;
