//! The store's statements in SQLite's SQL ([`Queries`]), on the connection of the calling
//! store method's transaction; the SQL itself is in `read.rs`, `write.rs` and `import.rs`.

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;

use super::batch::Batch;
use super::{import, read, runners, write};
use crate::model::{
    AgentAuthorization, Id, Job, JobDetails, JobScript, JobStatus, Pipeline, Project, User,
};
use crate::store::backend::{ArtifactsToDelete, Queries, Table};
use crate::store::{
    Changed, DataVersion, ImportSummary, JobFilter, Page, Pagination, PersonalAccessToken,
    ProjectKey, Record, RegisteredRunner, StoreError, StoredFile,
};

impl Queries for Batch<'_> {
    fn personal_access_token(
        &mut self,
        token: &str,
    ) -> Result<Option<PersonalAccessToken>, StoreError> {
        read::personal_access_token(self.0, token)
    }

    fn job_id_by_token(&mut self, token: &str) -> Result<Option<Id>, StoreError> {
        read::job_id_by_token(self.0, token)
    }

    fn user(&mut self, id: Id) -> Result<Option<User>, StoreError> {
        read::user(self.0, id)
    }

    fn project(&mut self, key: ProjectKey<'_>) -> Result<Option<Project>, StoreError> {
        read::project(self.0, key)
    }

    fn agent_authorizations(
        &mut self,
        project_id: Id,
    ) -> Result<Vec<(AgentAuthorization, Project)>, StoreError> {
        read::agent_authorizations(self.0, project_id)
    }

    fn pipeline(&mut self, id: Id) -> Result<Option<Pipeline>, StoreError> {
        read::pipeline(self.0, id)
    }

    fn list_jobs(
        &mut self,
        filter: &JobFilter,
        pagination: &Pagination,
    ) -> Result<Page<JobDetails>, StoreError> {
        read::list_jobs(self.0, filter, pagination)
    }

    fn trace(&mut self, job_id: Id) -> Result<Option<String>, StoreError> {
        read::trace(self.0, job_id)
    }

    fn artifacts_archive(&mut self, job_id: Id) -> Result<Option<StoredFile>, StoreError> {
        read::artifacts_archive(self.0, job_id)
    }

    fn latest_successful_build_id_for_ref(
        &mut self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Id>, StoreError> {
        read::latest_successful_build_id_for_ref(self.0, project_id, ref_name, job_name, now)
    }

    fn latest_build_id_with_artifacts_for_ref(
        &mut self,
        project_id: Id,
        ref_name: &str,
        job_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Id>, StoreError> {
        read::latest_build_id_with_artifacts_for_ref(self.0, project_id, ref_name, job_name, now)
    }

    fn pipeline_job_ids(&mut self, pipeline_id: Id) -> Result<Vec<Id>, StoreError> {
        read::pipeline_job_ids(self.0, pipeline_id)
    }

    fn has_projects(&mut self) -> Result<bool, StoreError> {
        Ok(self
            .0
            .query_row("SELECT EXISTS (SELECT 1 FROM projects)", [], |row| {
                row.get(0)
            })?)
    }

    fn data_version(&mut self) -> Result<DataVersion, StoreError> {
        Ok(self
            .0
            .prepare_cached(DataVersion::SELECT)?
            .query_row([], |row| {
                Ok(DataVersion {
                    data: row.get(0)?,
                    identities: row.get(1)?,
                })
            })?)
    }

    fn exists(&mut self, table: Table, id: Id) -> Result<bool, StoreError> {
        let sql = format!("SELECT 1 FROM {} WHERE id = ?1", table.name());
        Ok(self
            .0
            .prepare_cached(&sql)?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The immediate transaction holds the database's write lock already.
    fn runner_by_token(&mut self, token: &str) -> Result<Option<RegisteredRunner>, StoreError> {
        runners::runner_by_token(self.0, token)
    }

    fn pending_build_ids(
        &mut self,
        project_id: Option<Id>,
        limit: i64,
    ) -> Result<Vec<Id>, StoreError> {
        runners::pending_build_ids(self.0, project_id, limit)
    }

    fn running_on_instance_runners(&mut self) -> Result<Vec<(Id, i64)>, StoreError> {
        runners::running_on_instance_runners(self.0)
    }

    fn job_script(&mut self, job_id: Id) -> Result<Option<JobScript>, StoreError> {
        runners::job_script(self.0, job_id)
    }

    fn insert_job_script(&mut self, job_id: Id, script: &JobScript) -> Result<(), StoreError> {
        runners::insert_job_script(self.0, job_id, script)
    }

    fn append_trace(&mut self, job_id: Id, patch: &str) -> Result<(), StoreError> {
        runners::append_trace(self.0, job_id, patch)
    }

    fn pipelines_by_source(
        &mut self,
        project_id: Id,
        source: &str,
    ) -> Result<Vec<(Id, JobStatus)>, StoreError> {
        runners::pipelines_by_source(self.0, project_id, source)
    }

    fn insert_pipeline(&mut self, pipeline: &Pipeline) -> Result<Id, StoreError> {
        runners::insert_pipeline(self.0, pipeline)
    }

    fn delete_pipeline(&mut self, pipeline_id: Id) -> Result<(), StoreError> {
        runners::delete_pipeline(self.0, pipeline_id)
    }

    fn lock_job(&mut self, _project_id: Id, _job_id: Id) -> Result<(), StoreError> {
        Ok(())
    }

    fn insert_job(&mut self, job: &Job) -> Result<Id, StoreError> {
        write::insert_job(self.0, job)
    }

    fn update_job(&mut self, job: &Job) -> Result<(), StoreError> {
        write::update_job(self.0, job)
    }

    fn set_pipeline_status(
        &mut self,
        pipeline_id: Id,
        status: JobStatus,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        write::set_pipeline_status(self.0, pipeline_id, status, now)
    }

    fn delete_artifacts(&mut self, job_id: Id, which: ArtifactsToDelete) -> Result<(), StoreError> {
        write::delete_artifacts(self.0, job_id, which)
    }

    fn delete_trace(&mut self, job_id: Id) -> Result<(), StoreError> {
        write::delete_trace(self.0, job_id)
    }

    fn bump_data_version(&mut self, changed: Changed) -> Result<(), StoreError> {
        self.0.prepare_cached(changed.bump())?.execute([])?;
        Ok(())
    }

    fn revoke_personal_access_token(&mut self, token: &str) -> Result<bool, StoreError> {
        Ok(self
            .0
            .prepare_cached("UPDATE personal_access_tokens SET revoked = 1 WHERE token = ?1")?
            .execute([token])?
            > 0)
    }

    fn delete_member(&mut self, project_id: Id, user_id: Id) -> Result<bool, StoreError> {
        Ok(self
            .0
            .prepare_cached("DELETE FROM project_members WHERE project_id = ?1 AND user_id = ?2")?
            .execute([project_id, user_id])?
            > 0)
    }

    /// The immediate transaction holds the database's write lock already.
    fn lock_for_import(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn insert_records(
        &mut self,
        records: &mut dyn Iterator<Item = Record>,
    ) -> Result<ImportSummary, StoreError> {
        let mut summary = ImportSummary::default();
        for record in records {
            import::insert(self.0, &record)?;
            summary.count(&record);
        }
        Ok(summary)
    }
}
