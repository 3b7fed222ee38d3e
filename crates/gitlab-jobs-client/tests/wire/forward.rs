//! A newer GitLab than the document: values the document does not list, and keys it does not
//! declare, reach the client without failing the response.

use futures::TryStreamExt as _;
use gitlab_jobs_client::types::{
    ArtifactFileFileFormat, FailureReason, Job, JobStatus, RunnerRunnerType,
};
use gitlab_jobs_client::{Auth, ProjectId, connect};
use serde_json::{Value, json};

use crate::server::{TestServer, job, json_response};

/// A job as a future GitLab might send it: a new status, failure reason, runner type and
/// artifact format, and keys (top-level and nested) that the document does not declare.
fn job_from_the_future(id: i64) -> Value {
    let mut job = job(id);
    let fields = job.as_object_mut().expect("a job object");
    // As chrono writes it, so that the comparison below is about the keys, not the format.
    fields.insert("created_at".into(), json!("2024-01-01T00:00:00Z"));
    fields.insert("status".into(), json!("waiting_for_quantum_runner"));
    fields.insert("failure_reason".into(), json!("cosmic_ray_bit_flip"));
    fields.insert(
        "runner".into(),
        json!({
            "id": 3, "description": "shared", "ip_address": null, "active": true,
            "paused": false, "is_shared": true, "created_by": null, "runner_type": "satellite_type",
            "name": "gitlab-runner", "online": true, "status": "online",
            "maintenance_window": "sundays"
        }),
    );
    fields.insert(
        "artifacts".into(),
        json!([{"file_type": "trace", "size": 63, "filename": "job.log",
                "file_format": "zstd_stream"}]),
    );
    fields.insert("carbon_footprint_grams".into(), json!(12.5));
    fields["pipeline"]
        .as_object_mut()
        .expect("a pipeline object")
        .insert("merge_train_position".into(), json!(2));
    job
}

/// The job without the keys the document does not declare: what a client keeps.
fn declared_keys_only(mut job: Value) -> Value {
    let fields = job.as_object_mut().expect("a job object");
    fields.remove("carbon_footprint_grams");
    fields["pipeline"]
        .as_object_mut()
        .expect("a pipeline object")
        .remove("merge_train_position");
    fields["runner"]
        .as_object_mut()
        .expect("a runner object")
        .remove("maintenance_window");
    job
}

fn assert_kept(job: &Job, sent: Value) {
    assert_eq!(
        job.status,
        JobStatus::Unknown("waiting_for_quantum_runner".into())
    );
    assert_eq!(
        job.failure_reason,
        Some(FailureReason::Unknown("cosmic_ray_bit_flip".into()))
    );
    let runner = job.runner.as_ref().expect("a runner");
    assert_eq!(
        runner.runner_type,
        Some(RunnerRunnerType::Unknown("satellite_type".into()))
    );
    let artifacts = &job.artifacts;
    assert_eq!(
        artifacts[0].file_format,
        ArtifactFileFileFormat::Unknown("zstd_stream".into())
    );
    // Known values stay typed.
    assert_eq!(job.pipeline.status, JobStatus::Failed);
    // Re-serialised: every declared key as sent, unknown enum values included.
    assert_eq!(
        serde_json::to_value(job).expect("serialise"),
        declared_keys_only(sent)
    );
}

#[tokio::test]
async fn a_job_from_a_newer_gitlab_decodes_and_serialises_back_unchanged() {
    let server = TestServer::start(|r| {
        if r.path.ends_with("/jobs") {
            json_response(json!([job_from_the_future(5), job(6)]), &[])
        } else {
            json_response(job_from_the_future(5), &[])
        }
    })
    .await;
    let client = connect(&server.url(), Auth::PrivateToken("t".into())).expect("client");
    let project = ProjectId::from("group/project");

    let one = client
        .get_job()
        .id(&project)
        .job_id(5)
        .send()
        .await
        .expect("get_job decodes a job with unknown values");
    assert_kept(&one, job_from_the_future(5));

    let listed: Vec<Job> = client
        .items(client.list_project_jobs().id(&project))
        .try_collect()
        .await
        .expect("a page with an unknown status is not failed whole");
    assert_eq!(listed.len(), 2);
    assert_kept(&listed[0], job_from_the_future(5));
    assert_eq!(listed[1].status, JobStatus::Failed);
    assert_eq!(listed[1].failure_reason, Some(FailureReason::ScriptFailure));
}

#[test]
fn unknown_values_parse_strictly_but_deserialise_openly() {
    // `parse()` is what a server reads request parameters with: GitLab rejects these.
    assert!("waiting_for_quantum_runner".parse::<JobStatus>().is_err());
    assert_eq!(
        "canceling".parse::<JobStatus>().ok(),
        Some(JobStatus::Canceling)
    );
    let status: JobStatus =
        serde_json::from_value(json!("waiting_for_quantum_runner")).expect("open");
    assert_eq!(status.as_str(), "waiting_for_quantum_runner");
    assert_eq!(status.to_string(), "waiting_for_quantum_runner");
    // Not a string at all is still an error.
    assert!(serde_json::from_value::<JobStatus>(json!(3)).is_err());
}
