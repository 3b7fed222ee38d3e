//! The downstream crate tested the way a user tests theirs: against a live reference server
//! loaded with the demo data, through the client, over HTTP.

use gitlab_jobs_client::{Auth, ProjectId, connect};
use gitlab_jobs_downstream_example::failures;
use gitlab_jobs_reference::TestServer;
use gitlab_jobs_reference::demo::tokens;

#[tokio::test]
async fn reports_the_failed_jobs_of_a_project_with_reason_and_last_log_line() -> anyhow::Result<()>
{
    let server = TestServer::demo().await?;
    let client = connect(
        &server.api_url(),
        Auth::PrivateToken(tokens::MAINTAINER.into()),
    )?;

    let report = failures(&client, &ProjectId::from("acme/backend")).await?;

    let rspec = report
        .iter()
        .find(|failure| failure.name == "rspec")
        .expect("the demo's failed rspec job is reported");
    assert_eq!(rspec.reason, "script_failure");
    assert_eq!(
        rspec.last_log_line.as_deref(),
        Some("ERROR: Job failed: exit code 1")
    );
    assert!(
        report
            .windows(2)
            .all(|pair| pair[0].job_id > pair[1].job_id),
        "newest first: {report:?}"
    );
    server.shutdown().await;
    Ok(())
}
