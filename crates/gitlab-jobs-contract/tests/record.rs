//! `record` → fixture file → a reference server loading it answers the same: every recorded
//! job's JSON (the host in URLs apart), pipeline lists with bridges, traces, and artifacts
//! archives byte for byte, a binary one included.

use std::io::{Cursor, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gitlab_jobs_contract::http::{Api, Credential};
use gitlab_jobs_contract::record::{self, Options};
use gitlab_jobs_reference::demo::{demo_fixtures, tokens};
use gitlab_jobs_reference::{Fixtures, TestServer};
use serde_json::Value;

const PROJECT: &str = "acme%2Fbackend";
const REPLAY_TOKEN: &str = "replay-secret";
/// Bytes no text field could carry.
const BINARY: &[u8] = b"\x7fELF\x02\x01\x01\x00\xff\xfe\xfd\x00\x80 binary";

/// The demo data, where the archive of the first job with artifacts holds a binary file.
fn source_fixtures() -> (Fixtures, i64) {
    let mut fixtures = demo_fixtures();
    let job = fixtures
        .jobs
        .iter_mut()
        .find(|job| job.project_id == 1 && job.artifacts_files.is_some())
        .expect("a demo job with artifacts");
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("bin/tool", stored).expect("zip entry");
    zip.write_all(BINARY).expect("zip write");
    let bytes = zip.finish().expect("zip").into_inner();
    job.artifacts_files = None;
    job.artifacts_archive = Some(STANDARD.encode(&bytes));
    let id = job.id;
    (fixtures, id)
}

async fn get(base: &str, token: &str, path: &str) -> (u16, Vec<u8>) {
    let response = reqwest::Client::new()
        .get(format!("{base}/api/v4{path}"))
        .header("private-token", token)
        .send()
        .await
        .expect("the server answers");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}

/// JSON with the servers' addresses replaced (the recording keeps the recorded URLs), and the
/// durations of unfinished jobs (which grow with the clock on the source server) removed.
fn normalised(body: &[u8], bases: [&str; 2]) -> Value {
    let mut text = String::from_utf8(body.to_vec()).expect("JSON is UTF-8");
    for base in bases {
        text = text.replace(base, "http://HOST");
    }
    let mut value: Value = serde_json::from_str(&text).expect("JSON");
    strip_running_durations(&mut value);
    value
}

fn strip_running_durations(value: &mut Value) {
    match value {
        Value::Array(items) => items.iter_mut().for_each(strip_running_durations),
        Value::Object(map)
            if map.get("finished_at") == Some(&Value::Null) && map.contains_key("status") =>
        {
            map.remove("duration");
            map.remove("queued_duration");
        }
        _ => {}
    }
}

#[tokio::test]
async fn a_recording_replays_the_same_answers() {
    let (fixtures, binary_job) = source_fixtures();
    let source = TestServer::start(fixtures).await.expect("source server");
    let api = Api::new(
        &source.api_url(),
        &Credential::PrivateToken(tokens::MAINTAINER.into()),
    )
    .expect("client");
    let recording = record::record(
        &api,
        &Options {
            project: "acme/backend".into(),
            limit: 1000,
            replay_token: Some(REPLAY_TOKEN.into()),
        },
    )
    .await
    .expect("records");
    assert!(recording.warnings.is_empty(), "{:?}", recording.warnings);
    assert!(
        recording.archives >= 2 && recording.traces >= 5,
        "{recording:?}"
    );
    assert_eq!(recording.tokens[0].token, REPLAY_TOKEN);
    assert_eq!(recording.tokens[0].role, "maintainer");
    assert!(recording.tokens.len() > 1, "recorded users get tokens");

    // The file is valid against the format's JSON Schema and loads like `serve --fixtures`.
    let schema = Fixtures::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&recording.fixtures)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let text = serde_json::to_string_pretty(&recording.fixtures).expect("serialises");
    let replay = TestServer::start(Fixtures::from_json(&text).expect("the file parses"))
        .await
        .expect("replay server loads the recording");

    let (a, b) = (source.base_url(), replay.base_url());
    let jobs = recording.fixtures["jobs"].as_array().expect("jobs");
    let mut compared = 0;
    for job in jobs
        .iter()
        .filter(|j| j.get("downstream_pipeline").is_none())
    {
        let id = job["id"].as_i64().expect("id");
        for suffix in ["", "/trace"] {
            let path = format!("/projects/{PROJECT}/jobs/{id}{suffix}");
            let (status_a, body_a) = get(&a, tokens::MAINTAINER, &path).await;
            let (status_b, body_b) = get(&b, REPLAY_TOKEN, &path).await;
            assert_eq!(status_a, status_b, "{path}");
            if suffix.is_empty() {
                assert_eq!(
                    normalised(&body_a, [&a, &b]),
                    normalised(&body_b, [&a, &b]),
                    "{path}"
                );
            } else {
                assert_eq!(body_a, body_b, "{path}");
            }
            compared += 1;
        }
        if job.get("artifacts_archive").is_some() {
            let path = format!("/projects/{PROJECT}/jobs/{id}/artifacts");
            let (_, archive_a) = get(&a, tokens::MAINTAINER, &path).await;
            let (status, archive_b) = get(&b, REPLAY_TOKEN, &path).await;
            assert_eq!((status, &archive_b), (200, &archive_a), "{path}");
        }
    }
    assert!(compared >= 20, "only {compared} answers compared");

    // The binary file, through the single-file endpoint.
    let path = format!("/projects/{PROJECT}/jobs/{binary_job}/artifacts/bin/tool");
    let (status, bytes) = get(&b, REPLAY_TOKEN, &path).await;
    assert_eq!((status, bytes.as_slice()), (200, BINARY));

    // Pipelines answer the same lists, bridges and retried jobs included.
    let pipelines = recording.fixtures["pipelines"]
        .as_array()
        .expect("pipelines");
    for pipeline in pipelines.iter().filter(|p| p["project_id"] == 1) {
        let id = &pipeline["id"];
        for list in ["jobs", "jobs?include_retried=true", "bridges"] {
            let path = format!("/projects/{PROJECT}/pipelines/{id}/{list}");
            let (_, body_a) = get(&a, tokens::MAINTAINER, &path).await;
            let (_, body_b) = get(&b, REPLAY_TOKEN, &path).await;
            assert_eq!(
                normalised(&body_a, [&a, &b]),
                normalised(&body_b, [&a, &b]),
                "{path}"
            );
        }
    }

    // Every recorded user's token works on the replay.
    for token in &recording.tokens {
        let (status, _) = get(&b, &token.token, &format!("/projects/{PROJECT}/jobs")).await;
        assert_eq!(status, 200, "{} ({})", token.username, token.role);
    }
    replay.shutdown().await;
    source.shutdown().await;
}
