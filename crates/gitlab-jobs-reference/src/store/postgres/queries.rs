//! The store's statements in PostgreSQL's SQL ([`Queries`]), in the calling store method's
//! transaction; the SQL itself is in `read.rs`, `write.rs` and `import.rs`.

use chrono::{DateTime, Utc};

use super::probe::data_version_of;
use super::tx::Tx;
use super::{import, read, runners, write};
use crate::model::{
    AgentAuthorization, Id, Job, JobDetails, JobScript, JobStatus, Pipeline, Project, User,
};
use crate::store::backend::{ArtifactsToDelete, Queries, Table};
use crate::store::{
    Changed, DataVersion, ImportSummary, JobFilter, Page, Pagination, PersonalAccessToken,
    ProjectKey, Record, RegisteredRunner, StoreError, StoredFile,
};

impl Queries for Tx<'_> {
    fn personal_access_token(
        &mut self,
        token: &str,
    ) -> Result<Option<PersonalAccessToken>, StoreError> {
        read::personal_access_token(self, token)
    }

    fn job_id_by_token(&mut self, token: &str) -> Result<Option<Id>, StoreError> {
        read::job_id_by_token(self, token)
    }

    fn user(&mut self, id: Id) -> Result<Option<User>, StoreError> {
        read::user(self, id)
    }

    fn project(&mut self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError> {
        read::project(self, key)
    }

    fn agent_authorizations(
        &mut self,
        project_id: Id,
    ) -> Result<Vec<(AgentAuthorization, Project)>, StoreError> {
        read::agent_authorizations(self, project_id)
    }

    fn pipeline(&mut self, id: Id) -> Result<Option<Pipeline>, StoreError> {
        read::pipeline(self, id)
    }

    fn list_jobs(
        &mut self,
        filter: &JobFilter,
        pagination: &Pagination,
    ) -> Result<Page<JobDetails>, StoreError> {
        read::list_jobs(self, filter, pagination)
    }

    fn trace(&mut self, job_id: Id) -> Result<Option<String>, StoreError> {
        read::trace(self, job_id)
    }

    fn artifacts_archive(&mut self, job_id: Id) -> Result<Option<StoredFile>, StoreError> {
        read::artifacts_archive(self, job_id)
    }

    fn latest_successful_build_id_for_ref(
        &mut self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Id>, StoreError> {
        read::latest_successful_build_id_for_ref(self, project_id, ref_name, job_name, now)
    }

    fn latest_build_id_with_artifacts_for_ref(
        &mut self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Id>, StoreError> {
        read::latest_build_id_with_artifacts_for_ref(self, project_id, ref_name, job_name, now)
    }

    fn pipeline_job_ids(&mut self, pipeline_id: Id) -> Result<Vec<Id>, StoreError> {
        read::pipeline_job_ids(self, pipeline_id)
    }

    fn has_projects(&mut self) -> Result<bool, StoreError> {
        Ok(self
            .query_one("SELECT EXISTS (SELECT 1 FROM projects)", &[])?
            .try_get(0)?)
    }

    fn data_version(&mut self) -> Result<DataVersion, StoreError> {
        data_version_of(&self.query_one(DataVersion::SELECT, &[])?)
    }

    fn exists(&mut self, table: Table, id: Id) -> Result<bool, StoreError> {
        let sql = format!("SELECT 1 FROM {} WHERE id = $1", table.name());
        Ok(self.query_opt(&sql, &[&id])?.is_some())
    }

    fn runner_by_token(&mut self, token: &str) -> Result<Option<RegisteredRunner>, StoreError> {
        runners::runner_by_token(self, token)
    }

    fn pending_build_ids(
        &mut self,
        project_id: Option<Id>,
        limit: i64,
    ) -> Result<Vec<Id>, StoreError> {
        runners::pending_build_ids(self, project_id, limit)
    }

    fn running_on_instance_runners(&mut self) -> Result<Vec<(Id, i64)>, StoreError> {
        runners::running_on_instance_runners(self)
    }

    fn job_script(&mut self, job_id: Id) -> Result<Option<JobScript>, StoreError> {
        runners::job_script(self, job_id)
    }

    fn insert_job_script(&mut self, job_id: Id, script: &JobScript) -> Result<(), StoreError> {
        runners::insert_job_script(self, job_id, script)
    }

    fn append_trace(&mut self, job_id: Id, patch: &str) -> Result<(), StoreError> {
        runners::append_trace(self, job_id, patch)
    }

    fn pipelines_by_source(
        &mut self,
        project_id: Id,
        source: &str,
    ) -> Result<Vec<(Id, JobStatus)>, StoreError> {
        runners::pipelines_by_source(self, project_id, source)
    }

    fn insert_pipeline(&mut self, pipeline: &Pipeline) -> Result<Id, StoreError> {
        runners::insert_pipeline(self, pipeline)
    }

    fn delete_pipeline(&mut self, pipeline_id: Id) -> Result<(), StoreError> {
        runners::delete_pipeline(self, pipeline_id)
    }

    fn lock_job(&mut self, project_id: Id, job_id: Id) -> Result<(), StoreError> {
        write::lock_job(self, project_id, job_id)
    }

    fn insert_job(&mut self, job: &Job) -> Result<Id, StoreError> {
        write::insert_job(self, job)
    }

    fn update_job(&mut self, job: &Job) -> Result<(), StoreError> {
        write::update_job(self, job)
    }

    fn set_pipeline_status(
        &mut self,
        pipeline_id: Id,
        status: JobStatus,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        write::set_pipeline_status(self, pipeline_id, status, now)
    }

    fn delete_artifacts(&mut self, job_id: Id, which: ArtifactsToDelete) -> Result<(), StoreError> {
        write::delete_artifacts(self, job_id, which)
    }

    fn delete_trace(&mut self, job_id: Id) -> Result<(), StoreError> {
        write::delete_trace(self, job_id)
    }

    fn bump_data_version(&mut self, changed: Changed) -> Result<(), StoreError> {
        self.execute(changed.bump(), &[])?;
        Ok(())
    }

    fn revoke_personal_access_token(&mut self, token: &str) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE personal_access_tokens SET revoked = true WHERE token = $1",
            &[&token],
        )? > 0)
    }

    fn delete_member(&mut self, project_id: Id, user_id: Id) -> Result<bool, StoreError> {
        Ok(self.execute(
            "DELETE FROM project_members WHERE project_id = $1 AND user_id = $2",
            &[&project_id, &user_id],
        )? > 0)
    }

    fn lock_for_import(&mut self) -> Result<(), StoreError> {
        self.batch_execute(import::LOCK)
    }

    fn insert_records(
        &mut self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError> {
        import::import(self, records)
    }
}
