//! The artifact endpoints (`lib/api/ci/job_artifacts.rb`).

use gitlab_jobs_types as types;

use super::JobsService;
use gitlab_jobs_server::{
    DeleteJobArtifactsRequest, DownloadArtifactsByRefRequest, GetArtifactFileByRefRequest,
    GetJobArtifactFileRequest, GetJobArtifactsRequest, KeepJobArtifactsRequest,
};

use crate::archive::{self, ArchiveError};
use crate::model::{Id, JobDetails};
use crate::rules::artifacts::{ArtifactPath, available_archive};
use crate::service::auth::{Ability, Credentials, Route};
use crate::service::error_bodies::ApiError;
use crate::store::{RefBuild, StoreError};

/// A file to send as `application/octet-stream` with `Content-Disposition: attachment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    pub filename: String,
    pub content: Vec<u8>,
}

impl JobsService {
    /// The archive of a job, if it still exists (`present_artifacts_file!`,
    /// `available_artifacts?`: see [`available_archive`]); `404 Not Found` otherwise.
    fn archive_of(&self, details: &JobDetails) -> Result<Download, ApiError> {
        if !available_archive(details, self.now()) {
            return Err(ApiError::not_found(None));
        }
        let file = self
            .store()
            .artifacts_archive(details.job.id)?
            .ok_or_else(|| ApiError::not_found(None))?;
        Ok(Download {
            filename: file.filename,
            content: file.content,
        })
    }

    /// `Gitlab::Ci::Build::Artifacts::Path#valid?` (stricter here): `400 Bad request`.
    fn artifact_path(raw_path: &str) -> Result<ArtifactPath, ApiError> {
        Ok(ArtifactPath::parse(raw_path).map_err(StoreError::from)?)
    }

    /// One file of an archive, as Workhorse serves it: 404 when it is not there.
    fn entry_of(archive: &Download, path: &ArtifactPath) -> Result<Download, ApiError> {
        let content = archive::read_entry(&archive.content, path).map_err(|error| match error {
            ArchiveError::NotFound(path) => StoreError::ArtifactEntryNotFound(path),
            ArchiveError::Corrupt(reason) => StoreError::CorruptArchive(reason),
        })?;
        Ok(Download {
            filename: path.file_name().to_owned(),
            content,
        })
    }

    /// The build both by-ref routes serve (lib/api/ci/job_artifacts.rb, `get
    /// ':id/jobs/artifacts/:ref_name/download'` and `.../raw/*artifact_path`): with
    /// `search_recent_successful_pipelines`, `Ci::Build.latest_with_artifacts_for_ref` and
    /// `not_found!('Job')` (`404 Job Not Found`) when none; otherwise
    /// `user_project.latest_successful_build_for_ref!`, `404 Not found` (RecordNotFound).
    fn latest_build_for_ref(
        &self,
        route: Route,
        credentials: &Credentials,
        project: &str,
        ref_name: &str,
        job_name: &str,
        search_recent: bool,
    ) -> Result<JobDetails, ApiError> {
        let access = self.project_access(credentials, route, project)?;
        access.authorize(Ability::ReadBuild, None)?;
        let (project_id, now) = (access.project.id, self.now());
        let which = if search_recent {
            RefBuild::LatestWithArtifacts
        } else {
            RefBuild::LatestSuccessful
        };
        let build = self
            .store()
            .build_for_ref(project_id, ref_name, job_name, which, now)?;
        build.ok_or_else(|| match which {
            RefBuild::LatestWithArtifacts => ApiError::not_found(Some("Job")),
            RefBuild::LatestSuccessful => ApiError::record_not_found(),
        })
    }

    /// GET /projects/:id/jobs/:job_id/artifacts.
    pub fn get_job_artifacts(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
    ) -> Result<Download, ApiError> {
        let (_, details) = self.authorized_build(
            credentials,
            Route::of(GetJobArtifactsRequest::SECURITY),
            project,
            Ability::ReadBuild,
            job_id,
        )?;
        self.archive_of(&details)
    }

    /// GET /projects/:id/jobs/artifacts/:ref_name/download?job=NAME
    /// [&search_recent_successful_pipelines=true].
    pub fn download_artifacts_by_ref(
        &self,
        credentials: &Credentials,
        project: &str,
        ref_name: &str,
        job_name: &str,
        search_recent: bool,
    ) -> Result<Download, ApiError> {
        let details = self.latest_build_for_ref(
            Route::of(DownloadArtifactsByRefRequest::SECURITY),
            credentials,
            project,
            ref_name,
            job_name,
            search_recent,
        )?;
        self.archive_of(&details)
    }

    /// GET /projects/:id/jobs/:job_id/artifacts/*artifact_path: `404 Not Found` without
    /// available artifacts, then `400 Bad request` for an invalid path, then the file or 404.
    pub fn get_job_artifact_file(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
        artifact_path: &str,
    ) -> Result<Download, ApiError> {
        let (_, details) = self.authorized_build(
            credentials,
            Route::of(GetJobArtifactFileRequest::SECURITY),
            project,
            Ability::ReadBuild,
            job_id,
        )?;
        // `not_found! unless build.available_artifacts?` comes before the path check.
        let archive = self.archive_of(&details)?;
        let path = Self::artifact_path(artifact_path)?;
        Self::entry_of(&archive, &path)
    }

    /// GET /projects/:id/jobs/artifacts/:ref_name/raw/*artifact_path?job=NAME
    /// [&search_recent_successful_pipelines=true].
    pub fn get_artifact_file_by_ref(
        &self,
        credentials: &Credentials,
        project: &str,
        ref_name: &str,
        artifact_path: &str,
        job_name: &str,
        search_recent: bool,
    ) -> Result<Download, ApiError> {
        let details = self.latest_build_for_ref(
            Route::of(GetArtifactFileByRefRequest::SECURITY),
            credentials,
            project,
            ref_name,
            job_name,
            search_recent,
        )?;
        let path = Self::artifact_path(artifact_path)?;
        Self::entry_of(&self.archive_of(&details)?, &path)
    }

    /// POST /projects/:id/jobs/:job_id/artifacts/keep → 200 with the job.
    pub fn keep_job_artifacts(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
    ) -> Result<types::Job, ApiError> {
        // A POST: `authenticate_non_get!` needs a user; job tokens are not accepted here.
        let (access, details) = self.authorized_build(
            credentials,
            Route::of(KeepJobArtifactsRequest::SECURITY),
            project,
            Ability::UpdateBuild,
            job_id,
        )?;
        access.authorize(Ability::UpdateBuild, Some(&details.job))?;
        let kept = self
            .store()
            .keep_artifacts(access.project.id, job_id, self.now())?;
        self.presenter().job(&kept)
    }

    /// DELETE /projects/:id/jobs/:job_id/artifacts → 204. Maintainers only; does not check
    /// that there is anything to delete.
    pub fn delete_job_artifacts(
        &self,
        credentials: &Credentials,
        project: &str,
        job_id: Id,
    ) -> Result<(), ApiError> {
        let (access, details) = self.authorized_build(
            credentials,
            Route::of(DeleteJobArtifactsRequest::SECURITY),
            project,
            Ability::DestroyArtifacts,
            job_id,
        )?;
        access.authorize(Ability::DestroyArtifacts, Some(&details.job))?;
        self.store().delete_artifacts(access.project.id, job_id)?;
        Ok(())
    }
}
