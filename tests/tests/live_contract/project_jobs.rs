//! GET /projects/:id/jobs.

use anyhow::{Result, ensure};
use futures::TryStreamExt;
use gitlab_jobs_client::Auth;
use gitlab_jobs_client::types::{self, JobStatus};
use gitlab_jobs_reference::demo::tokens;

use crate::harness::{Live, header, ids, link};
use crate::{
    BACKEND_BUILDS, FORBIDDEN, KEYSET_UNSUPPORTED, PER_PAGE_ZERO, PROJECT_NOT_FOUND, UNAUTHORIZED,
};

/// GET /projects/:id/jobs: offset and keyset pagination, scopes, paths, job tokens, and every
/// error the reference server gives.
pub(crate) async fn project_jobs(live: &mut Live) -> Result<()> {
    const OP: &str = "list_project_jobs";
    let bob = live.token(tokens::DEVELOPER);

    // Offset pagination, 3 per page: 16 builds in 6 pages, never counted.
    let (jobs, exchanges) = live
        .pages(
            OP,
            bob.items(bob.list_project_jobs().id("1").per_page(3))
                .try_collect::<Vec<_>>(),
        )
        .await?;
    ensure!(
        ids(&jobs) == BACKEND_BUILDS,
        "{OP}: offset pages gave {:?}, expected {BACKEND_BUILDS:?}",
        ids(&jobs)
    );
    ensure!(
        exchanges.len() == 6,
        "{OP}: 16 jobs at 3 per page are 6 pages, the client fetched {}",
        exchanges.len()
    );
    for (index, exchange) in exchanges.iter().enumerate() {
        let page = (index + 1).to_string();
        let last = index == exchanges.len() - 1;
        // Links repeat every request parameter (`params.merge(page:, per_page:).to_query`).
        let next = link(exchange, "next");
        live.check(
            next.as_deref().is_none_or(|url| {
                url.contains("per_page=3") && url.contains(&format!("page={}", index + 2))
            }),
            || {
                format!(
                    "{OP}: {}: Link rel=\"next\" {next:?} loses per_page or the page",
                    exchange.summary()
                )
            },
        );
        live.check(
            header(exchange, "x-page").as_deref() == Some(page.as_str()),
            || {
                format!(
                    "{OP}: {}: X-Page {:?}, expected {page}",
                    exchange.summary(),
                    header(exchange, "x-page")
                )
            },
        );
        live.check(
            header(exchange, "x-per-page").as_deref() == Some("3"),
            || {
                format!(
                    "{OP}: {}: X-Per-Page {:?}, expected 3",
                    exchange.summary(),
                    header(exchange, "x-per-page")
                )
            },
        );
        live.check(header(exchange, "x-total").is_none() && header(exchange, "x-total-pages").is_none(), || {
            format!("{OP}: {}: the project jobs list is never counted (without_count), yet X-Total/X-Total-Pages came", exchange.summary())
        });
        let next = header(exchange, "x-next-page").unwrap_or_default();
        let expected_next = if last {
            String::new()
        } else {
            (index + 2).to_string()
        };
        live.check(next == expected_next, || {
            format!(
                "{OP}: {}: X-Next-Page {next:?}, expected {expected_next:?}",
                exchange.summary()
            )
        });
        live.check(link(exchange, "next").is_some() != last, || {
            format!(
                "{OP}: {}: Link rel=\"next\" should be there exactly when a next page exists",
                exchange.summary()
            )
        });
        live.check(link(exchange, "last").is_none(), || {
            format!(
                "{OP}: {}: an uncounted list has no rel=\"last\" link",
                exchange.summary()
            )
        });
    }

    // The project by its full path (encoded on the wire).
    let (jobs, exchange) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("acme/backend")
                .per_page(100)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == BACKEND_BUILDS,
        "{OP} by path: {:?}",
        ids(&jobs)
    );
    ensure!(
        exchange.target.contains("/projects/acme%2Fbackend/jobs"),
        "{OP}: the path went out as {}",
        exchange.target
    );

    // Keyset pagination, 5 per page: only Link rel="next" with a cursor, while pages remain.
    let keyset = bob
        .list_project_jobs()
        .id("1")
        .pagination(types::ListProjectJobsPagination::Keyset)
        .per_page(5);
    let (jobs, exchanges) = live
        .pages(OP, bob.items(keyset).try_collect::<Vec<_>>())
        .await?;
    ensure!(
        ids(&jobs) == BACKEND_BUILDS,
        "{OP}: keyset pages gave {:?}",
        ids(&jobs)
    );
    ensure!(
        exchanges.len() == 4,
        "{OP}: 16 jobs at 5 per page are 4 keyset pages, fetched {}",
        exchanges.len()
    );
    for (index, exchange) in exchanges.iter().enumerate() {
        let last = index == exchanges.len() - 1;
        let next = link(exchange, "next");
        live.check(next.as_deref().is_some_and(|url| url.contains("cursor=")) != last, || {
            format!("{OP}: {}: keyset Link rel=\"next\" with a cursor exactly while a next page exists, got {next:?}", exchange.summary())
        });
        let offset_headers: Vec<&str> = ["x-page", "x-next-page", "x-prev-page", "x-total"]
            .into_iter()
            .filter(|name| exchange.header(name).is_some())
            .collect();
        live.check(offset_headers.is_empty(), || {
            format!(
                "{OP}: {}: keyset pagination sends no offset headers, got {offset_headers:?}",
                exchange.summary()
            )
        });
        if index > 0 {
            live.check(exchange.target.contains("cursor="), || {
                format!(
                    "{OP}: keyset page {} was requested without a cursor: {}",
                    index + 1,
                    exchange.target
                )
            });
        }
    }
    // The one supported ordering, spelled out.
    let (jobs, _) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("1")
                .pagination(types::ListProjectJobsPagination::Keyset)
                .order_by("id")
                .sort("desc")
                .per_page(2)
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [18, 17],
        "{OP}: keyset id desc first page {:?}",
        ids(&jobs)
    );

    // Scopes, sent as scope[]=…
    let (jobs, exchange) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("1")
                .scope(vec![JobStatus::Failed])
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [9, 8],
        "{OP} scope[]=failed: {:?} (the retried job 9 belongs in the project list)",
        ids(&jobs)
    );
    ensure!(
        exchange.target.contains("scope%5B%5D=failed")
            || exchange.target.contains("scope[]=failed"),
        "{OP}: scope went out as {}",
        exchange.target
    );
    let (jobs, _) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("1")
                .scope(vec![JobStatus::Success, JobStatus::Manual])
                .send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == [17, 12, 10, 7, 6, 5, 3, 2, 1],
        "{OP} scope success+manual: {:?}",
        ids(&jobs)
    );
    let (jobs, _) = live
        .ok(
            OP,
            200,
            bob.list_project_jobs()
                .id("1")
                .scope(vec![JobStatus::WaitingForCallback])
                .send(),
        )
        .await?;
    ensure!(
        jobs.is_empty(),
        "{OP} scope waiting_for_callback: {:?}",
        ids(&jobs)
    );

    // A page past the end: 200 [] and empty next/prev.
    let (jobs, exchange) = live
        .ok(OP, 200, bob.list_project_jobs().id("1").page(99).send())
        .await?;
    ensure!(jobs.is_empty(), "{OP} page 99: {:?}", ids(&jobs));
    live.check(
        header(&exchange, "x-next-page").as_deref() == Some("") && header(&exchange, "x-prev-page").as_deref() == Some(""),
        || format!("{OP}: {}: out of range, X-Next-Page and X-Prev-Page must be empty strings, got {:?} / {:?}", exchange.summary(), header(&exchange, "x-next-page"), header(&exchange, "x-prev-page")),
    );

    // A job token reaches its own project, nothing else.
    let job_token = live.client(Auth::JobToken(tokens::RUNNING_JOB.into()));
    let (jobs, _) = live
        .ok(
            OP,
            200,
            job_token.list_project_jobs().id("1").per_page(100).send(),
        )
        .await?;
    ensure!(
        ids(&jobs) == BACKEND_BUILDS,
        "{OP} with the job token: {:?}",
        ids(&jobs)
    );
    live.refused_with(
        OP,
        PROJECT_NOT_FOUND,
        job_token.list_project_jobs().id("2").send(),
    )
    .await?;

    // Errors with GitLab's text: who asks, for which project, and the answer.
    let anonymous = live.anonymous();
    let unknown = live.token("no-such-token");
    let dave = live.token(tokens::GUEST);
    let erin = live.token(tokens::OUTSIDER);
    let refusals = [
        (&anonymous, "1", UNAUTHORIZED),
        // Even on a public project: jobs.rb authenticates every route.
        (&anonymous, "2", UNAUTHORIZED),
        (&unknown, "1", UNAUTHORIZED),
        (&dave, "1", FORBIDDEN),
        (&erin, "1", PROJECT_NOT_FOUND),
        (&bob, "999", PROJECT_NOT_FOUND),
        (&bob, "acme/nothing", PROJECT_NOT_FOUND),
    ];
    for (client, project, refusal) in refusals {
        live.refused_with(OP, refusal, client.list_project_jobs().id(project).send())
            .await?;
    }
    live.refused_with(
        OP,
        PER_PAGE_ZERO,
        bob.list_project_jobs().id("1").per_page(0).send(),
    )
    .await?;
    let expired = live.token(tokens::EXPIRED);
    let (error, exchange) = live
        .refused(OP, 401, expired.list_project_jobs().id("1").send())
        .await?;
    ensure!(
        error.error.as_deref() == Some("invalid_token"),
        "{OP}: an expired token gives error invalid_token, got {error:?}"
    );
    let challenge = header(&exchange, "www-authenticate");
    live.check(
        challenge
            .as_deref()
            .is_some_and(|value| value.starts_with("Bearer") && value.contains("invalid_token")),
        || format!("{OP}: {}: an OAuth token error carries WWW-Authenticate: Bearer … error=\"invalid_token\", got {challenge:?}", exchange.summary()),
    );
    let revoked = live.token(tokens::REVOKED);
    let (error, _) = live
        .refused(OP, 401, revoked.list_project_jobs().id("1").send())
        .await?;
    ensure!(
        error.error.as_deref() == Some("invalid_token"),
        "{OP}: a revoked token gives error invalid_token, got {error:?}"
    );
    live.refused_with(
        OP,
        KEYSET_UNSUPPORTED,
        bob.list_project_jobs()
            .id("1")
            .pagination(types::ListProjectJobsPagination::Keyset)
            .sort("asc")
            .send(),
    )
    .await?;
    Ok(())
}
