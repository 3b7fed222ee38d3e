//! The order of the walk: lists first (they name the jobs and pipelines to look at), then
//! single jobs, traces and artifacts, each request checked as soon as it is answered.

use std::collections::BTreeSet;
use std::io::Cursor;

use serde_json::Value;

use super::{Case, Limits, NotExercised, Report, Target};
use crate::conformance::{self, Observed};
use crate::http::{Api, Credential, encode_segment};
use crate::validate::Validators;

/// Scope filters tried on the project's job list, one page each.
const SCOPES: [&[&str]; 4] = [
    &["success"],
    &["failed"],
    &["pending", "running"],
    &["canceled", "skipped", "manual", "created"],
];

struct Walk<'v, 't> {
    api: Api,
    validators: &'v Validators<'v>,
    target: &'t Target,
    limits: Limits,
    project: String,
    report: Report,
}

pub(super) async fn run(validators: &Validators<'_>, target: &Target, limits: Limits) -> Report {
    let mut report = Report {
        api_url: target.api_url.clone(),
        project: target.project.clone(),
        credential: target.credential.kind(),
        document: validators.spec().source().display().to_string(),
        cases: Vec::new(),
        not_exercised: Vec::new(),
        aborted: None,
    };
    let api = match Api::new(&target.api_url, &target.credential) {
        Ok(api) => api,
        Err(error) => {
            report.aborted = Some(format!("{error:#}"));
            return report;
        }
    };
    let mut walk = Walk {
        api,
        validators,
        target,
        limits,
        project: target
            .project
            .as_deref()
            .map(encode_segment)
            .unwrap_or_default(),
        report,
    };
    if let Err(reason) = walk.all().await {
        walk.report.aborted = Some(reason);
    }
    walk.not_exercised_writes();
    walk.report
}

impl Walk<'_, '_> {
    async fn all(&mut self) -> Result<(), String> {
        if let Credential::JobToken(_) = self.target.credential {
            self.current_job().await?;
        } else {
            self.not_exercised(
                "get_current_job",
                "needs a job token (--job-token / CI_JOB_TOKEN)",
            );
            self.not_exercised(
                "get_current_job_allowed_agents",
                "needs a job token (--job-token / CI_JOB_TOKEN)",
            );
        }
        if self.project.is_empty() {
            return Err("no project to check: give --project (id or group/project)".to_owned());
        }
        let jobs = self.project_lists().await?;
        self.pipelines(&jobs).await;
        self.single_jobs(&jobs).await;
        self.artifacts(&jobs).await;
        Ok(())
    }

    /// `GET path`, checked and recorded; the answer when one came.
    async fn check(&mut self, operation_id: &str, path: String) -> Option<Observed> {
        let mut case = Case {
            operation_id: operation_id.to_owned(),
            request: format!("GET {path}"),
            status: None,
            findings: Vec::new(),
            error: None,
        };
        let observed = match self.api.get(&path).await {
            Ok(observed) => observed,
            Err(error) => {
                case.error = Some(format!("{error:#}"));
                self.report.cases.push(case);
                return None;
            }
        };
        case.status = Some(observed.status);
        match conformance::check(self.validators, operation_id, &observed) {
            Ok(findings) => case.findings = findings,
            Err(error) => case.error = Some(format!("the document could not be used: {error:#}")),
        }
        self.report.cases.push(case);
        Some(observed)
    }

    fn not_exercised(&mut self, operation_id: &str, reason: &str) {
        self.report.not_exercised.push(NotExercised {
            operation_id: operation_id.to_owned(),
            reason: reason.to_owned(),
        });
    }

    /// Every non-GET operation of the document: never called.
    fn not_exercised_writes(&mut self) {
        let Ok(operations) = self.validators.spec().operations() else {
            return;
        };
        let writes: Vec<String> = operations
            .iter()
            .filter(|op| op.method != "get")
            .map(|op| op.label())
            .collect();
        for label in writes {
            self.not_exercised(&label, "it changes the server; verify only reads");
        }
    }

    async fn current_job(&mut self) -> Result<(), String> {
        let job = self.check("get_current_job", "/job".to_owned()).await;
        let Some(job) = job else {
            return Err(self.no_answer());
        };
        if job.status == 401 {
            return Err("the job token was refused (401): is the job still running?".to_owned());
        }
        self.check(
            "get_current_job_allowed_agents",
            "/job/allowed_agents".to_owned(),
        )
        .await;
        if self.project.is_empty()
            && let Some(id) = json(&job).and_then(|j| j.pointer("/pipeline/project_id").cloned())
        {
            self.project = id.to_string();
            self.report.project = Some(self.project.clone());
        }
        Ok(())
    }

    fn no_answer(&self) -> String {
        let error = self
            .report
            .cases
            .last()
            .and_then(|case| case.error.clone())
            .unwrap_or_default();
        format!("{} did not answer: {error}", self.api.base())
    }

    /// The project's job list: unfiltered over several pages (offset and keyset), then one
    /// page per scope filter. Returns every job seen.
    async fn project_lists(&mut self) -> Result<Vec<Value>, String> {
        let base = format!("/projects/{}/jobs", self.project);
        let per_page = self.limits.per_page;
        let mut jobs = Vec::new();
        let mut next = Some(format!("{base}?per_page={per_page}"));
        for page in 0..self.limits.pages {
            let Some(path) = next.take() else { break };
            let Some(answer) = self.check("list_project_jobs", path).await else {
                return Err(self.no_answer());
            };
            if page == 0 {
                self.refuse_unusable(&answer)?;
            }
            jobs.extend(json_items(&answer));
            next = answer
                .header("x-next-page")
                .map(str::trim)
                .filter(|page| !page.is_empty())
                .map(|page| format!("{base}?per_page={per_page}&page={page}"));
        }
        let mut next = Some(format!("{base}?pagination=keyset&per_page={per_page}"));
        for _ in 0..self.limits.pages {
            let Some(path) = next.take() else { break };
            let Some(answer) = self.check("list_project_jobs", path).await else {
                break;
            };
            next = answer
                .header("link")
                .and_then(next_link)
                .and_then(|url| url.strip_prefix(self.api.base()).map(str::to_owned));
        }
        for scopes in SCOPES {
            let query: String = scopes.iter().map(|s| format!("&scope[]={s}")).collect();
            let path = format!("{base}?per_page={per_page}{query}");
            if let Some(answer) = self.check("list_project_jobs", path).await {
                jobs.extend(json_items(&answer));
            }
        }
        let mut seen = BTreeSet::new();
        jobs.retain(|job| {
            job.get("id")
                .and_then(Value::as_i64)
                .is_some_and(|id| seen.insert(id))
        });
        Ok(jobs)
    }

    /// A first answer that makes the rest pointless: a refused credential or no project.
    fn refuse_unusable(&self, answer: &Observed) -> Result<(), String> {
        let message = json(answer)
            .and_then(|body| body.get("message").or(body.get("error")).cloned())
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        let project = self.target.project.as_deref().unwrap_or(&self.project);
        match answer.status {
            401 => Err(format!(
                "the {} credential was refused (401{message}): check the token and its scopes (read_api)",
                self.target.credential.kind()
            )),
            403 => Err(format!(
                "the credential may not read the jobs of {project} (403{message})"
            )),
            404 => Err(format!(
                "project {project} was not found (404{message}): check the id or path; a private project looks the same to a user who is not a member"
            )),
            _ => Ok(()),
        }
    }

    async fn pipelines(&mut self, jobs: &[Value]) {
        let mut pipelines: Vec<i64> = Vec::new();
        for id in jobs
            .iter()
            .filter_map(|j| j.pointer("/pipeline/id")?.as_i64())
        {
            if !pipelines.contains(&id) && pipelines.len() < self.limits.pipelines {
                pipelines.push(id);
            }
        }
        if pipelines.is_empty() {
            for op in ["list_pipeline_jobs", "list_pipeline_bridges"] {
                self.not_exercised(op, "no job of the project names a pipeline");
            }
        }
        let per_page = self.limits.per_page;
        for id in pipelines {
            let base = format!("/projects/{}/pipelines/{id}", self.project);
            self.check(
                "list_pipeline_jobs",
                format!("{base}/jobs?per_page={per_page}"),
            )
            .await;
            self.check(
                "list_pipeline_jobs",
                format!("{base}/jobs?include_retried=true&per_page={per_page}"),
            )
            .await;
            self.check(
                "list_pipeline_bridges",
                format!("{base}/bridges?per_page={per_page}"),
            )
            .await;
        }
    }

    /// One job per status first, then the most recent others, up to `limits.jobs`.
    async fn single_jobs(&mut self, jobs: &[Value]) {
        let mut chosen: Vec<i64> = Vec::new();
        let mut statuses = BTreeSet::new();
        for job in jobs {
            if let (Some(id), Some(status)) = (
                job.get("id").and_then(Value::as_i64),
                job.get("status").and_then(Value::as_str),
            ) && statuses.insert(status)
            {
                chosen.push(id);
            }
        }
        for id in jobs.iter().filter_map(|j| j.get("id")?.as_i64()) {
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        chosen.truncate(self.limits.jobs);
        if chosen.is_empty() {
            for op in ["get_job", "get_job_trace"] {
                self.not_exercised(op, "the project has no jobs");
            }
        }
        for id in chosen {
            let base = format!("/projects/{}/jobs/{id}", self.project);
            self.check("get_job", base.clone()).await;
            self.check("get_job_trace", format!("{base}/trace")).await;
        }
    }

    async fn artifacts(&mut self, jobs: &[Value]) {
        let with_archive: Vec<&Value> = jobs
            .iter()
            .filter(|job| {
                job.get("artifacts_file")
                    .is_some_and(|file| !file.is_null())
            })
            .take(self.limits.artifacts)
            .collect();
        if with_archive.is_empty() {
            for op in [
                "get_job_artifacts",
                "get_job_artifact_file",
                "download_artifacts_by_ref",
                "get_artifact_file_by_ref",
            ] {
                self.not_exercised(op, "no job of the project has an artifacts archive");
            }
            return;
        }
        for job in with_archive {
            let (Some(id), Some(name), Some(ref_name)) = (
                job.get("id").and_then(Value::as_i64),
                job.get("name").and_then(Value::as_str),
                job.get("ref").and_then(Value::as_str),
            ) else {
                continue;
            };
            let base = format!("/projects/{}/jobs", self.project);
            let Some(archive) = self
                .check("get_job_artifacts", format!("{base}/{id}/artifacts"))
                .await
            else {
                continue;
            };
            let bytes = match archive.status {
                200 => Some(archive.body),
                300..=399 => self.api.follow(&archive).await.ok().map(|o| o.body),
                _ => None,
            };
            let file = bytes.as_deref().and_then(first_file);
            let by_ref = format!("{base}/artifacts/{}", encode_segment(ref_name));
            let job_query = format!("job={}", encode_segment(name));
            self.check(
                "download_artifacts_by_ref",
                format!("{by_ref}/download?{job_query}"),
            )
            .await;
            match file {
                Some(path) => {
                    let path = encode_path(&path);
                    self.check(
                        "get_job_artifact_file",
                        format!("{base}/{id}/artifacts/{path}"),
                    )
                    .await;
                    self.check(
                        "get_artifact_file_by_ref",
                        format!("{by_ref}/raw/{path}?{job_query}"),
                    )
                    .await;
                }
                None => {
                    for op in ["get_job_artifact_file", "get_artifact_file_by_ref"] {
                        self.not_exercised(
                            op,
                            &format!("the archive of job {id} has no file (or is not a zip)"),
                        );
                    }
                }
            }
        }
    }
}

/// The body as JSON, when it is.
fn json(observed: &Observed) -> Option<Value> {
    serde_json::from_slice(&observed.body).ok()
}

/// The items of a JSON array body (nothing for an error or a non-array).
fn json_items(observed: &Observed) -> Vec<Value> {
    if !(200..300).contains(&observed.status) {
        return Vec::new();
    }
    match json(observed) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_owned()
            })
    })
}

/// The first file (not directory) of a zip archive.
fn first_file(bytes: &[u8]) -> Option<String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    (0..archive.len()).find_map(|index| {
        let entry = archive.by_index_raw(index).ok()?;
        let name = entry.name().ok()?.into_owned();
        (!entry.is_dir()).then_some(name)
    })
}

/// An archive path with each segment encoded and the slashes kept (GitLab's
/// `*artifact_path` wildcard).
fn encode_path(path: &str) -> String {
    path.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_next_link() {
        let link = r#"<http://h/api/v4/projects/1/jobs?cursor=abc&pagination=keyset>; rel="next", <http://h/x>; rel="first""#;
        assert_eq!(
            next_link(link).as_deref(),
            Some("http://h/api/v4/projects/1/jobs?cursor=abc&pagination=keyset")
        );
        assert_eq!(next_link(r#"<http://h/x>; rel="first""#), None);
    }

    #[test]
    fn archive_paths_keep_their_slashes() {
        assert_eq!(encode_path("target/release/a b"), "target/release/a%20b");
    }
}
