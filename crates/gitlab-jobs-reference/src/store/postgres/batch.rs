//! The batched reads of `store::hydrate` on PostgreSQL: one `= ANY($1)` statement each, so a
//! page costs about ten round trips whatever its size. Jobs come with their variables and
//! projects with their members as arrays, in the same statement.

use ::postgres::Row;
use serde::de::DeserializeOwned;

use super::codec::{
    self, JOB_COLUMNS, MEMBER_ARRAYS, PIPELINE_COLUMNS, PROJECT_COLUMNS, VARIABLE_ARRAYS, get,
    job_with_variables, pipeline_from_row, project_with_members,
};
use super::tx::Tx;
use crate::model::{ArtifactFormat, Commit, Id, Job, JobArtifact, Pipeline, Project};
use crate::store::StoreError;
use crate::store::hydrate::{BatchRead, BodyTable};

/// Runs `sql` with `{IDS}` as `= $1` for one id and `= ANY($1)` for several. A prepared
/// `= ANY($1)` run with one id is planned anew at every execution (its generic plan assumes ten
/// ids and looks dearer than the custom one), which cost a single-job read more than the round
/// trips it saved; `= $1` keeps a cached plan. Pages of many ids get the generic plan either way.
fn by_ids(tx: &mut Tx<'_>, sql: &str, ids: &[Id]) -> Result<Vec<Row>, StoreError> {
    match ids {
        [id] => tx.query(&sql.replace("{IDS}", "= $1"), &[id]),
        _ => tx.query(&sql.replace("{IDS}", "= ANY($1)"), &[&ids]),
    }
}

fn decode<T>(
    rows: Vec<Row>,
    decode: impl FnMut(&Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(decode).collect()
}

impl BatchRead for Tx<'_> {
    fn jobs(&mut self, ids: &[Id]) -> Result<Vec<Job>, StoreError> {
        let rows = by_ids(
            self,
            &format!("SELECT {JOB_COLUMNS}, {VARIABLE_ARRAYS} FROM jobs j WHERE id {{IDS}}"),
            ids,
        )?;
        decode(rows, job_with_variables)
    }

    fn pipelines(&mut self, ids: &[Id]) -> Result<Vec<Pipeline>, StoreError> {
        let rows = by_ids(
            self,
            &format!("SELECT {PIPELINE_COLUMNS} FROM pipelines WHERE id {{IDS}}"),
            ids,
        )?;
        decode(rows, pipeline_from_row)
    }

    fn projects(&mut self, ids: &[Id]) -> Result<Vec<Project>, StoreError> {
        let rows = by_ids(
            self,
            &format!("SELECT {PROJECT_COLUMNS}, {MEMBER_ARRAYS} FROM projects p WHERE id {{IDS}}"),
            ids,
        )?;
        decode(rows, project_with_members)
    }

    fn bodies<T: DeserializeOwned + 'static>(
        &mut self,
        table: BodyTable,
        ids: &[Id],
    ) -> Result<Vec<(Id, T)>, StoreError> {
        let rows = by_ids(
            self,
            &format!("SELECT id, body FROM {} WHERE id {{IDS}}", table.name()),
            ids,
        )?;
        decode(rows, |row| Ok((get(row, 0)?, codec::json(row, 1)?)))
    }

    fn commits(&mut self, keys: &[(Id, String)]) -> Result<Vec<(Id, String, Commit)>, StoreError> {
        let rows = if let [(project_id, sha)] = keys {
            self.query(
                "SELECT project_id, sha, body FROM commits WHERE project_id = $1 AND sha = $2",
                &[project_id, sha],
            )?
        } else {
            let (project_ids, shas): (Vec<Id>, Vec<&str>) = keys
                .iter()
                .map(|(project_id, sha)| (*project_id, sha.as_str()))
                .unzip();
            self.query(
                "SELECT project_id, sha, body FROM commits
                 WHERE (project_id, sha) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))",
                &[&project_ids, &shas],
            )?
        };
        decode(rows, |row| {
            Ok((get(row, 0)?, get(row, 1)?, codec::json(row, 2)?))
        })
    }

    fn artifacts(&mut self, job_ids: &[Id]) -> Result<Vec<(Id, JobArtifact)>, StoreError> {
        let rows = by_ids(
            self,
            "SELECT job_id, file_type, file_format, filename, size FROM job_artifacts
             WHERE job_id {IDS} ORDER BY job_id, position",
            job_ids,
        )?;
        decode(rows, |row| {
            let artifact = JobArtifact {
                file_type: get(row, 1)?,
                file_format: codec::parsed(row, 2, ArtifactFormat::parse)?,
                filename: get(row, 3)?,
                size: get(row, 4)?,
            };
            Ok((get(row, 0)?, artifact))
        })
    }

    fn trace_sizes(&mut self, job_ids: &[Id]) -> Result<Vec<(Id, i64)>, StoreError> {
        let rows = by_ids(
            self,
            "SELECT job_id, octet_length(content)::bigint FROM traces WHERE job_id {IDS}",
            job_ids,
        )?;
        decode(rows, |row| Ok((get(row, 0)?, get(row, 1)?)))
    }
}
