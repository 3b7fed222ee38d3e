//! The pipeline lists: …/jobs, …/bridges and …/trigger_jobs.

use anyhow::{Result, ensure};
use futures::TryStreamExt;
use gitlab_jobs_client::types::JobStatus;
use gitlab_jobs_reference::demo::tokens;

use crate::harness::{Live, header, ids, link};
use crate::{FORBIDDEN, PER_PAGE_ZERO, PROJECT_NOT_FOUND, RECORD_NOT_FOUND, UNAUTHORIZED};

/// GET /projects/:id/pipelines/:pipeline_id/jobs, …/bridges and …/trigger_jobs.
pub(crate) async fn pipeline_jobs_and_bridges(live: &mut Live) -> Result<()> {
    const JOBS: &str = "list_pipeline_jobs";
    const BRIDGES: &str = "list_pipeline_bridges";
    const TRIGGER_JOBS: &str = "list_pipeline_trigger_jobs";
    let bob = live.token(tokens::DEVELOPER);

    // Pipeline 2: the retried lint (9) is hidden; counted pages of 2.
    let (jobs, exchanges) = live
        .pages(
            JOBS,
            bob.items(bob.list_pipeline_jobs().id("1").pipeline_id(2).per_page(2))
                .try_collect::<Vec<_>>(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [11, 10, 8, 7],
        "{JOBS}: pipeline 2 gave {:?}",
        ids(&jobs)
    );
    ensure!(
        exchanges.len() == 2,
        "{JOBS}: 4 jobs at 2 per page are 2 pages, fetched {}",
        exchanges.len()
    );
    for (index, exchange) in exchanges.iter().enumerate() {
        live.check(
            header(exchange, "x-total").as_deref() == Some("4")
                && header(exchange, "x-total-pages").as_deref() == Some("2"),
            || {
                format!(
                    "{JOBS}: {}: X-Total {:?} X-Total-Pages {:?}, expected 4 and 2",
                    exchange.summary(),
                    header(exchange, "x-total"),
                    header(exchange, "x-total-pages")
                )
            },
        );
        live.check(
            link(exchange, "last").is_some() && link(exchange, "first").is_some(),
            || {
                format!(
                    "{JOBS}: {}: a counted list links rel=\"first\" and rel=\"last\"",
                    exchange.summary()
                )
            },
        );
        let expected_prev = if index == 0 { "" } else { "1" };
        live.check(
            header(exchange, "x-prev-page").as_deref() == Some(expected_prev),
            || {
                format!(
                    "{JOBS}: {}: X-Prev-Page {:?}, expected {expected_prev:?}",
                    exchange.summary(),
                    header(exchange, "x-prev-page")
                )
            },
        );
    }
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            bob.list_pipeline_jobs()
                .id("1")
                .pipeline_id(2)
                .include_retried(true)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [11, 10, 9, 8, 7],
        "{JOBS} include_retried: {:?}",
        ids(&jobs)
    );
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            bob.list_pipeline_jobs()
                .id("1")
                .pipeline_id(2)
                .scope(vec![JobStatus::Failed])
                .send(),
        )
        .await?;
    ensure!(ids(&jobs) == [8], "{JOBS} scope failed: {:?}", ids(&jobs));
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            bob.list_pipeline_jobs()
                .id("1")
                .pipeline_id(2)
                .scope(vec![JobStatus::Failed])
                .include_retried(true)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [9, 8],
        "{JOBS} scope failed, include_retried: {:?}",
        ids(&jobs)
    );
    // Bridges are not in the jobs list.
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            bob.list_pipeline_jobs().id("1").pipeline_id(1).send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [6, 5, 3, 2, 1],
        "{JOBS} pipeline 1: {:?}",
        ids(&jobs)
    );

    // A public project answers anonymously.
    let anonymous = live.anonymous();
    let (jobs, _) = live
        .ok(
            JOBS,
            200,
            anonymous
                .list_pipeline_jobs()
                .id("acme/website")
                .pipeline_id(7)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [20, 19],
        "{JOBS} anonymous on acme/website: {:?}",
        ids(&jobs)
    );

    live.refused_with(
        JOBS,
        PER_PAGE_ZERO,
        bob.list_pipeline_jobs()
            .id("1")
            .pipeline_id(2)
            .per_page(0)
            .send(),
    )
    .await?;
    let unknown = live.token("no-such-token");
    live.refused_with(
        JOBS,
        UNAUTHORIZED,
        unknown.list_pipeline_jobs().id("1").pipeline_id(2).send(),
    )
    .await?;
    // A guest of acme/infra (private, public pipelines off) may not read its pipelines.
    let dave = live.token(tokens::GUEST);
    live.refused_with(
        JOBS,
        FORBIDDEN,
        dave.list_pipeline_jobs()
            .id("acme/infra")
            .pipeline_id(2)
            .send(),
    )
    .await?;
    live.refused_with(
        JOBS,
        PROJECT_NOT_FOUND,
        anonymous.list_pipeline_jobs().id("1").pipeline_id(2).send(),
    )
    .await?;
    live.refused_with(
        JOBS,
        RECORD_NOT_FOUND,
        bob.list_pipeline_jobs().id("1").pipeline_id(999).send(),
    )
    .await?;
    // Pipeline 7 exists, in another project.
    live.refused_with(
        JOBS,
        RECORD_NOT_FOUND,
        bob.list_pipeline_jobs().id("1").pipeline_id(7).send(),
    )
    .await?;

    // Bridges.
    let (bridges, _) = live
        .ok(
            BRIDGES,
            200,
            bob.list_pipeline_bridges().id("1").pipeline_id(1).send(),
        )
        .await?;
    let found: Vec<(i64, Option<i64>)> = bridges
        .iter()
        .map(|bridge| (bridge.id, bridge.downstream_pipeline.as_ref().map(|p| p.id)))
        .collect();
    ensure!(
        found == [(4, Some(3))],
        "{BRIDGES} pipeline 1: (id, downstream) {found:?}"
    );
    let (bridges, exchanges) = live
        .pages(
            BRIDGES,
            bob.items(
                bob.list_pipeline_bridges()
                    .id("acme/backend")
                    .pipeline_id(4),
            )
            .try_collect::<Vec<_>>(),
        )
        .await?;
    ensure!(
        bridges.iter().map(|b| b.id).collect::<Vec<_>>() == [15],
        "{BRIDGES} pipeline 4: {bridges:?}"
    );
    ensure!(
        exchanges.len() == 1,
        "{BRIDGES}: one page, fetched {}",
        exchanges.len()
    );
    let (bridges, _) = live
        .ok(
            BRIDGES,
            200,
            bob.list_pipeline_bridges()
                .id("1")
                .pipeline_id(4)
                .scope(vec![JobStatus::Running])
                .send(),
        )
        .await?;
    ensure!(bridges.is_empty(), "{BRIDGES} scope running: {bridges:?}");
    let (bridges, _) = live
        .ok(
            BRIDGES,
            200,
            anonymous
                .list_pipeline_bridges()
                .id("2")
                .pipeline_id(7)
                .send(),
        )
        .await?;
    ensure!(
        bridges.is_empty(),
        "{BRIDGES} acme/website pipeline 7: {bridges:?}"
    );

    live.refused_with(
        BRIDGES,
        PER_PAGE_ZERO,
        bob.list_pipeline_bridges()
            .id("1")
            .pipeline_id(1)
            .per_page(0)
            .send(),
    )
    .await?;
    live.refused_with(
        BRIDGES,
        UNAUTHORIZED,
        unknown
            .list_pipeline_bridges()
            .id("1")
            .pipeline_id(1)
            .send(),
    )
    .await?;
    live.refused_with(
        BRIDGES,
        FORBIDDEN,
        dave.list_pipeline_bridges().id("1").pipeline_id(1).send(),
    )
    .await?;
    live.refused_with(
        BRIDGES,
        RECORD_NOT_FOUND,
        bob.list_pipeline_bridges().id("1").pipeline_id(999).send(),
    )
    .await?;

    // …/trigger_jobs (GitLab 19.2) runs the same helper as …/bridges: the same answers.
    for (project, pipeline) in [("1", 1), ("acme/backend", 4), ("2", 7)] {
        let (bridges, _) = live
            .ok(
                BRIDGES,
                200,
                bob.list_pipeline_bridges()
                    .id(project)
                    .pipeline_id(pipeline)
                    .send(),
            )
            .await?;
        let (trigger_jobs, _) = live
            .ok(
                TRIGGER_JOBS,
                200,
                bob.list_pipeline_trigger_jobs()
                    .id(project)
                    .pipeline_id(pipeline)
                    .send(),
            )
            .await?;
        ensure!(
            serde_json::to_value(&*trigger_jobs)? == serde_json::to_value(&*bridges)?,
            "{TRIGGER_JOBS} {project} pipeline {pipeline}: {trigger_jobs:?} is not {bridges:?}"
        );
    }
    let (trigger_jobs, exchanges) = live
        .pages(
            TRIGGER_JOBS,
            bob.items(
                bob.list_pipeline_trigger_jobs()
                    .id("acme/backend")
                    .pipeline_id(4),
            )
            .try_collect::<Vec<_>>(),
        )
        .await?;
    ensure!(
        trigger_jobs.iter().map(|b| b.id).collect::<Vec<_>>() == [15] && exchanges.len() == 1,
        "{TRIGGER_JOBS} pipeline 4: {trigger_jobs:?} in {} pages",
        exchanges.len()
    );
    live.refused_with(
        TRIGGER_JOBS,
        PER_PAGE_ZERO,
        bob.list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(1)
            .per_page(0)
            .send(),
    )
    .await?;
    live.refused_with(
        TRIGGER_JOBS,
        UNAUTHORIZED,
        unknown
            .list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(1)
            .send(),
    )
    .await?;
    live.refused_with(
        TRIGGER_JOBS,
        FORBIDDEN,
        dave.list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(1)
            .send(),
    )
    .await?;
    live.refused_with(
        TRIGGER_JOBS,
        RECORD_NOT_FOUND,
        bob.list_pipeline_trigger_jobs()
            .id("1")
            .pipeline_id(999)
            .send(),
    )
    .await?;
    Ok(())
}
