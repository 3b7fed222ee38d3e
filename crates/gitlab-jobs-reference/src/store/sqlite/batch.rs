//! The batched reads of `store::hydrate` on SQLite. A list of ids is bound as one JSON array
//! and read with `json_each`: the SQL text stays the same whatever the number of ids, so each
//! statement is prepared once per connection (an `IN (?, ?, …)` per page size would not be),
//! and SQLite still looks each id up in the primary key or index.

use std::collections::HashMap;

use rusqlite::{Connection, Params, Row};
use serde::de::DeserializeOwned;

use super::codec::{
    JOB_COLUMNS, Json, PIPELINE_COLUMNS, PROJECT_COLUMNS, job_from_row, pipeline_from_row,
    project_from_row,
};
use crate::model::{
    AccessLevel, ArtifactFormat, Commit, Id, Job, JobArtifact, JobVariable, Pipeline, Project,
};
use crate::store::StoreError;
use crate::store::hydrate::{BatchRead, BodyTable};

/// The batched reads on one connection (or transaction).
pub struct Batch<'c>(pub &'c Connection);

/// Ids as the JSON array `json_each` reads.
fn json_ids<T: serde::Serialize>(ids: &[T]) -> Result<String, StoreError> {
    Ok(serde_json::to_string(ids)?)
}

impl Batch<'_> {
    fn rows<T>(
        &self,
        sql: &str,
        params: impl Params,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        Ok(self
            .0
            .prepare_cached(sql)?
            .query_map(params, map)?
            .collect::<Result<_, _>>()?)
    }

    /// Runs `sql` with `{IDS}` as `= ?1` for one id and as a `json_each` list for several:
    /// single-job reads keep the plain primary-key lookup, without building a list.
    fn id_rows<T>(
        &self,
        sql: &str,
        ids: &[Id],
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        match ids {
            [id] => self.rows(&sql.replace("{IDS}", "= ?1"), [id], map),
            _ => self.rows(
                &sql.replace("{IDS}", "IN (SELECT value FROM json_each(?1))"),
                [json_ids(ids)?],
                map,
            ),
        }
    }

    /// Job rows, without their variables.
    fn job_rows(&self, ids: &[Id]) -> Result<Vec<Job>, StoreError> {
        self.id_rows(
            &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id {{IDS}}"),
            ids,
            job_from_row,
        )
    }

    /// `(job_id, variable)`, each job's by key.
    fn variables(&self, job_ids: &[Id]) -> Result<Vec<(Id, JobVariable)>, StoreError> {
        self.id_rows(
            "SELECT job_id, key, value, variable_type FROM job_variables
             WHERE job_id {IDS} ORDER BY job_id, key",
            job_ids,
            |row| {
                let variable = JobVariable {
                    key: row.get(1)?,
                    value: row.get(2)?,
                    variable_type: row.get(3)?,
                };
                Ok((row.get(0)?, variable))
            },
        )
    }

    /// Project rows, without their members.
    fn project_rows(&self, ids: &[Id]) -> Result<Vec<Project>, StoreError> {
        self.id_rows(
            &format!(
                "SELECT {PROJECT_COLUMNS} FROM projects \
                 WHERE id {{IDS}}"
            ),
            ids,
            project_from_row,
        )
    }

    /// `(project_id, user_id, level)`, each project's members by user id.
    pub fn members(&self, project_ids: &[Id]) -> Result<Vec<(Id, Id, AccessLevel)>, StoreError> {
        let rows: Vec<(Id, Id, u8)> = self.id_rows(
            "SELECT project_id, user_id, access_level FROM project_members
             WHERE project_id {IDS} ORDER BY project_id, user_id",
            project_ids,
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        rows.into_iter()
            .map(|(project_id, user_id, level)| {
                let level = AccessLevel::try_from(level).map_err(StoreError::Database)?;
                Ok((project_id, user_id, level))
            })
            .collect()
    }
}

impl BatchRead for Batch<'_> {
    fn jobs(&mut self, ids: &[Id]) -> Result<Vec<Job>, StoreError> {
        let mut jobs: HashMap<Id, Job> = self
            .job_rows(ids)?
            .into_iter()
            .map(|job| (job.id, job))
            .collect();
        for (job_id, variable) in self.variables(ids)? {
            if let Some(job) = jobs.get_mut(&job_id) {
                job.variables.push(variable);
            }
        }
        Ok(jobs.into_values().collect())
    }

    fn projects(&mut self, ids: &[Id]) -> Result<Vec<Project>, StoreError> {
        let mut projects: HashMap<Id, Project> = self
            .project_rows(ids)?
            .into_iter()
            .map(|project| (project.id, project))
            .collect();
        for (project_id, user_id, level) in self.members(ids)? {
            if let Some(project) = projects.get_mut(&project_id) {
                project.members.push((user_id, level));
            }
        }
        Ok(projects.into_values().collect())
    }

    fn pipelines(&mut self, ids: &[Id]) -> Result<Vec<Pipeline>, StoreError> {
        self.id_rows(
            &format!(
                "SELECT {PIPELINE_COLUMNS} FROM pipelines \
                 WHERE id {{IDS}}"
            ),
            ids,
            pipeline_from_row,
        )
    }

    fn bodies<T: DeserializeOwned + 'static>(
        &mut self,
        table: BodyTable,
        ids: &[Id],
    ) -> Result<Vec<(Id, T)>, StoreError> {
        self.id_rows(
            &format!("SELECT id, body FROM {} WHERE id {{IDS}}", table.name()),
            ids,
            |row| Ok((row.get(0)?, row.get::<_, Json<T>>(1)?.0)),
        )
    }

    fn commits(&mut self, keys: &[(Id, String)]) -> Result<Vec<(Id, String, Commit)>, StoreError> {
        self.rows(
            // A join led by the keys: `(project_id, sha) IN (…)` would use only the first
            // column of the primary key and read every commit of the project.
            "SELECT c.project_id, c.sha, c.body FROM json_each(?1) AS k
             CROSS JOIN commits c ON c.project_id = k.value ->> 0 AND c.sha = k.value ->> 1",
            [json_ids(keys)?],
            |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, Json<Commit>>(2)?.0)),
        )
    }

    fn artifacts(&mut self, job_ids: &[Id]) -> Result<Vec<(Id, JobArtifact)>, StoreError> {
        let rows: Vec<(Id, String, String, String, i64)> = self.id_rows(
            "SELECT job_id, file_type, file_format, filename, size FROM job_artifacts
             WHERE job_id {IDS} ORDER BY job_id, rowid",
            job_ids,
            |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                ))
            },
        )?;
        rows.into_iter()
            .map(|(job_id, file_type, format, filename, size)| {
                let file_format = ArtifactFormat::parse(&format).ok_or_else(|| {
                    StoreError::Database(format!("bad artifact format {format:?}"))
                })?;
                let artifact = JobArtifact {
                    file_type,
                    size,
                    filename,
                    file_format,
                };
                Ok((job_id, artifact))
            })
            .collect()
    }

    fn trace_sizes(&mut self, job_ids: &[Id]) -> Result<Vec<(Id, i64)>, StoreError> {
        self.id_rows(
            "SELECT job_id, length(CAST(content AS BLOB)) FROM traces
             WHERE job_id {IDS}",
            job_ids,
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
    }
}
