//! Which artifacts a job has, and which paths inside an archive may be asked for.

use chrono::{DateTime, Utc};

use super::groups::StatusGroup;
use crate::model::{ArtifactFormat, Job, JobArtifact, JobDetails};

/// `artifacts_expired?` (`app/models/ci/build.rb`): an expiry date that has passed.
pub fn expired(job: &Job, now: DateTime<Utc>) -> bool {
    job.artifacts_expire_at
        .is_some_and(|expire_at| expire_at < now)
}

/// `artifacts?` = `!artifacts_expired? && artifacts_file&.exists?`: decides whether the job
/// shows `artifacts_file`, whether it can be kept and whether its archive can be downloaded.
pub fn has_downloadable_archive(details: &JobDetails, now: DateTime<Utc>) -> bool {
    !expired(&details.job, now) && archive(details).is_some()
}

/// Whether GitLab's expiry worker has destroyed the job's artifacts by `now`:
/// `Ci::JobArtifacts::DestroyAllExpiredService#destroy_unlocked_job_artifacts`
/// (app/services/ci/job_artifacts/destroy_all_expired_service.rb) removes
/// `expired_before(@start_at).non_trace.artifact_unlocked`: expired artifacts of pipelines
/// whose artifacts are not locked, never the log. Modelled as done the moment they expire.
pub fn artifacts_gone(details: &JobDetails, now: DateTime<Utc>) -> bool {
    expired(&details.job, now) && !details.pipeline.artifacts_locked
}

/// Whether the archive can be downloaded, by id or by ref. Two GitLab checks reduce to this:
/// the archive routes only check that the file exists (`present_artifacts_file!`, and
/// `not_found! unless latest_build.artifacts_file&.exists?` in lib/api/ci/job_artifacts.rb),
/// which it does until [`artifacts_gone`]; the single-file route asks `available_artifacts?`
/// = `(!artifacts_expired? || pipeline.artifacts_locked?) && job_artifacts_archive&.exists?`
/// (app/models/ci/build.rb), the same condition. Unlike [`has_downloadable_archive`], an
/// expired archive of a locked pipeline (the latest of its ref) stays available.
pub fn available_archive(details: &JobDetails, now: DateTime<Utc>) -> bool {
    !artifacts_gone(details, now) && archive(details).is_some()
}

pub fn archive(details: &JobDetails) -> Option<&JobArtifact> {
    details
        .artifacts
        .iter()
        .find(|artifact| artifact.file_type == JobArtifact::ARCHIVE)
}

/// The `artifacts` array of `Entities::Ci::Job`: the stored artifacts that still exist (none
/// but the log once [`artifacts_gone`]), plus the log once the job is complete (GitLab
/// archives the live trace into a `trace` artifact, `job.log`, when the job finishes) unless a
/// `trace` entry was stored explicitly.
pub fn listed_artifacts(details: &JobDetails, now: DateTime<Utc>) -> Vec<JobArtifact> {
    let gone = artifacts_gone(details, now);
    let mut artifacts: Vec<JobArtifact> = details
        .artifacts
        .iter()
        .filter(|artifact| !gone || artifact.file_type == JobArtifact::TRACE)
        .cloned()
        .collect();
    let has_trace_entry = artifacts.iter().any(|a| a.file_type == JobArtifact::TRACE);
    if let Some(size) = details.trace_size
        && size > 0
        && !has_trace_entry
        && StatusGroup::Completed.contains(details.job.status)
    {
        artifacts.push(JobArtifact {
            file_type: JobArtifact::TRACE.to_owned(),
            size,
            filename: "job.log".to_owned(),
            file_format: ArtifactFormat::Raw,
        });
    }
    artifacts
}

/// A path inside an artifacts archive that is safe to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactPath(String);

/// Why a path was refused; the API answers `400 Bad request` for all of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidArtifactPath {
    #[error("the artifact path is empty")]
    Empty,
    #[error("the artifact path contains a NUL byte")]
    Nul,
    #[error("the artifact path is absolute")]
    Absolute,
    #[error("the artifact path leaves the archive (`..`)")]
    Traversal,
    #[error("the artifact path has an empty or `.` segment")]
    EmptySegment,
}

impl ArtifactPath {
    /// GitLab's own check (`lib/gitlab/ci/build/artifacts/path.rb#valid?`) only rejects NUL
    /// bytes and invalid UTF-8 (a `&str` is valid UTF-8), and Workhorse then fails to find odd
    /// paths. This server is stricter, as its brief asks: empty, absolute (`/x`, `C:\x`,
    /// `\x`), `..` and empty or `.` segments are refused before the archive is opened.
    pub fn parse(raw: &str) -> Result<ArtifactPath, InvalidArtifactPath> {
        if raw.is_empty() {
            return Err(InvalidArtifactPath::Empty);
        }
        if raw.contains('\0') {
            return Err(InvalidArtifactPath::Nul);
        }
        let has_drive =
            raw.len() >= 2 && raw.as_bytes()[1] == b':' && raw.as_bytes()[0].is_ascii_alphabetic();
        if raw.starts_with('/') || raw.starts_with('\\') || has_drive {
            return Err(InvalidArtifactPath::Absolute);
        }
        let segments: Vec<&str> = raw.split(['/', '\\']).collect();
        if segments.contains(&"..") {
            return Err(InvalidArtifactPath::Traversal);
        }
        // A trailing slash names a directory; interior empty or `.` segments are refused.
        let last = segments.len() - 1;
        let odd_segment = segments
            .iter()
            .enumerate()
            .any(|(index, segment)| (segment.is_empty() && index != last) || *segment == ".");
        if odd_segment {
            return Err(InvalidArtifactPath::EmptySegment);
        }
        Ok(ArtifactPath(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment, used as the download's file name.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    pub fn is_directory(&self) -> bool {
        self.0.ends_with('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::JobStatus;
    use crate::rules::test_support::{at, build};

    #[test]
    fn valid_paths_are_accepted() {
        for raw in [
            "a.txt",
            "coverage/index.html",
            "dir/",
            "with space/ü.txt",
            "..hidden",
            "a..b",
        ] {
            let path = ArtifactPath::parse(raw).expect(raw);
            assert_eq!(path.as_str(), raw);
        }
        assert_eq!(
            ArtifactPath::parse("coverage/index.html").map(|p| p.file_name().to_owned()),
            Ok("index.html".into())
        );
    }

    #[test]
    fn invalid_paths_are_refused_with_their_reason() {
        assert_eq!(ArtifactPath::parse(""), Err(InvalidArtifactPath::Empty));
        assert_eq!(ArtifactPath::parse("a\0b"), Err(InvalidArtifactPath::Nul));
        assert_eq!(
            ArtifactPath::parse("/etc/passwd"),
            Err(InvalidArtifactPath::Absolute)
        );
        assert_eq!(
            ArtifactPath::parse("C:\\x"),
            Err(InvalidArtifactPath::Absolute)
        );
        assert_eq!(
            ArtifactPath::parse("../x"),
            Err(InvalidArtifactPath::Traversal)
        );
        assert_eq!(
            ArtifactPath::parse("a/../../x"),
            Err(InvalidArtifactPath::Traversal)
        );
        assert_eq!(
            ArtifactPath::parse("a\\..\\x"),
            Err(InvalidArtifactPath::Traversal)
        );
        assert_eq!(
            ArtifactPath::parse("a//b"),
            Err(InvalidArtifactPath::EmptySegment)
        );
        assert_eq!(
            ArtifactPath::parse("./a"),
            Err(InvalidArtifactPath::EmptySegment)
        );
    }

    #[test]
    fn expiry_is_a_date_in_the_past() {
        let mut job = build(JobStatus::Success);
        assert!(!expired(&job, at(100)));
        job.artifacts_expire_at = Some(at(50));
        assert!(expired(&job, at(100)));
        assert!(!expired(&job, at(10)));
    }

    fn details(job: Job, artifacts: Vec<JobArtifact>, trace_size: Option<i64>) -> JobDetails {
        use crate::model::*;
        JobDetails {
            project: Project {
                id: job.project_id,
                path_with_namespace: "g/p".into(),
                name: "p".into(),
                description: None,
                visibility: Visibility::Private,
                public_builds: true,
                ci_job_token_scope_enabled: false,
                restrict_user_defined_variables: false,
                pipeline_variables_role: PipelineVariablesRole::Maintainer,
                created_at: at(0),
                group_ids: vec![],
                members: vec![],
            },
            pipeline: Pipeline {
                id: job.pipeline_id,
                iid: 1,
                project_id: job.project_id,
                sha: "abc".into(),
                ref_name: "main".into(),
                status: JobStatus::Success,
                source: None,
                created_at: at(0),
                updated_at: at(0),
                web_url: None,
                artifacts_locked: true,
            },
            downstream_pipeline: None,
            user: None,
            commit: Some(Commit::from_sha("abc")),
            runner: None,
            runner_manager: None,
            artifacts,
            trace_size,
            job: Job {
                preset: PresetFields::default(),
                ..job
            },
        }
    }

    fn archive_entry() -> JobArtifact {
        JobArtifact {
            file_type: "archive".into(),
            size: 10,
            filename: "artifacts.zip".into(),
            file_format: ArtifactFormat::Zip,
        }
    }

    #[test]
    fn finished_job_lists_its_log_as_a_trace_artifact() {
        let listed = listed_artifacts(
            &details(build(JobStatus::Success), vec![archive_entry()], Some(42)),
            at(100),
        );
        assert_eq!(listed.len(), 2);
        assert_eq!(
            (
                listed[1].file_type.as_str(),
                listed[1].size,
                listed[1].filename.as_str()
            ),
            ("trace", 42, "job.log")
        );
        let running = listed_artifacts(
            &details(build(JobStatus::Running), vec![], Some(42)),
            at(100),
        );
        assert!(running.is_empty(), "a live log is not an artifact yet");
    }

    #[test]
    fn downloadable_archive_needs_an_unexpired_archive() {
        let with_archive = details(build(JobStatus::Success), vec![archive_entry()], None);
        assert!(has_downloadable_archive(&with_archive, at(100)));
        let mut expired_job = with_archive.clone();
        expired_job.job.artifacts_expire_at = Some(at(50));
        assert!(!has_downloadable_archive(&expired_job, at(100)));
        let without = details(build(JobStatus::Success), vec![], Some(3));
        assert!(!has_downloadable_archive(&without, at(100)));
    }

    #[test]
    fn expired_artifacts_of_a_locked_pipeline_stay_available() {
        let mut job = build(JobStatus::Success);
        job.artifacts_expire_at = Some(at(50));
        let locked = details(job, vec![archive_entry()], Some(7));
        assert!(
            !has_downloadable_archive(&locked, at(100)),
            "artifacts? is false"
        );
        assert!(available_archive(&locked, at(100)));
        assert!(!artifacts_gone(&locked, at(100)));
        assert_eq!(listed_artifacts(&locked, at(100)).len(), 2);

        let mut unlocked = locked.clone();
        unlocked.pipeline.artifacts_locked = false;
        assert!(available_archive(&unlocked, at(10)), "not expired yet");
        assert!(artifacts_gone(&unlocked, at(100)));
        assert!(!available_archive(&unlocked, at(100)));
        let listed = listed_artifacts(&unlocked, at(100));
        assert_eq!(listed.len(), 1, "only the log is left: {listed:?}");
        assert_eq!(listed[0].file_type, JobArtifact::TRACE);
    }
}
