//! Pagination headers across pages: offset (uncounted and counted) and keyset.

use futures::TryStreamExt;
use gitlab_jobs_client::types::ListProjectJobsPagination;

use crate::support::*;

const BACKEND_BUILDS: [i64; 16] = [18, 17, 16, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 3, 2, 1];

#[tokio::test]
async fn project_jobs_pages_are_linked_but_never_counted() {
    let server = demo().await;
    let client = client(&server, tokens::REPORTER);
    let first = client
        .list_project_jobs()
        .id(BACKEND)
        .per_page(5)
        .send()
        .await
        .expect("page 1");
    assert_eq!(header(&first, "x-page"), Some("1"));
    assert_eq!(header(&first, "x-per-page"), Some("5"));
    assert_eq!(header(&first, "x-next-page"), Some("2"));
    assert_eq!(header(&first, "x-prev-page"), Some(""));
    // `without_count: true`: no totals, no `last` link.
    assert_eq!(header(&first, "x-total"), None);
    assert_eq!(header(&first, "x-total-pages"), None);
    // `params.merge(page:, per_page:).to_query` (offset_header_builder.rb): the path's `id`
    // is a parameter too, and Rails sorts the keys.
    let link = header(&first, "link").expect("a Link header");
    let api = server.api_url();
    assert_eq!(
        link,
        format!(
            "<{api}/projects/acme%2Fbackend/jobs?id=acme%2Fbackend&page=2&per_page=5>; rel=\"next\", \
             <{api}/projects/acme%2Fbackend/jobs?id=acme%2Fbackend&page=1&per_page=5>; rel=\"first\""
        )
    );

    let last = client
        .list_project_jobs()
        .id(BACKEND)
        .per_page(5)
        .page(4)
        .send()
        .await
        .expect("page 4");
    assert_eq!(header(&last, "x-next-page"), Some(""));
    assert_eq!(header(&last, "x-prev-page"), Some("3"));
    assert_eq!(ids(&last.into_inner()), [1]);

    // The client follows the links through every page.
    let pages: Vec<_> = client
        .pages(client.list_project_jobs().id(BACKEND).per_page(5))
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(pages.len(), 4);
    let all: Vec<i64> = pages
        .iter()
        .flat_map(|page| page.items.iter().map(|job| job.id))
        .collect();
    assert_eq!(all, BACKEND_BUILDS);
}

#[tokio::test]
async fn out_of_range_pages_are_empty_without_neighbours() {
    let server = demo().await;
    let response = client(&server, tokens::REPORTER)
        .list_project_jobs()
        .id(BACKEND)
        .page(99)
        .send()
        .await
        .expect("an empty page");
    assert_eq!(header(&response, "x-next-page"), Some(""));
    assert_eq!(header(&response, "x-prev-page"), Some(""));
    assert!(response.into_inner().is_empty());
}

#[tokio::test]
async fn pipeline_jobs_are_counted() {
    let server = demo().await;
    let client = client(&server, tokens::REPORTER);
    let first = client
        .list_pipeline_jobs()
        .id(BACKEND)
        .pipeline_id(1)
        .per_page(2)
        .send()
        .await
        .expect("page 1");
    assert_eq!(header(&first, "x-total"), Some("5"));
    assert_eq!(header(&first, "x-total-pages"), Some("3"));
    assert_eq!(header(&first, "x-next-page"), Some("2"));
    let link = header(&first, "link").expect("a Link header");
    assert!(
        link.contains(&format!(
            "<{}/projects/acme%2Fbackend/pipelines/1/jobs?id=acme%2Fbackend&include_retried=false&page=3&per_page=2&pipeline_id=1>; rel=\"last\"",
            server.api_url()
        )),
        "{link}"
    );
    let jobs: Vec<_> = client
        .items(
            client
                .list_pipeline_jobs()
                .id(BACKEND)
                .pipeline_id(1)
                .per_page(2),
        )
        .try_collect()
        .await
        .expect("every job");
    assert_eq!(ids(&jobs), [6, 5, 3, 2, 1]);
}

#[tokio::test]
async fn keyset_pages_carry_only_a_next_link() {
    let server = demo().await;
    let client = client(&server, tokens::REPORTER);
    let first = client
        .list_project_jobs()
        .id(BACKEND)
        .pagination(ListProjectJobsPagination::Keyset)
        .per_page(10)
        .send()
        .await
        .expect("page 1");
    for name in [
        "x-page",
        "x-per-page",
        "x-next-page",
        "x-prev-page",
        "x-total",
    ] {
        assert_eq!(header(&first, name), None, "{name}");
    }
    let link = header(&first, "link").expect("a next link");
    assert!(
        link.contains("cursor=") && link.contains("pagination=keyset"),
        "{link}"
    );
    assert!(link.ends_with("rel=\"next\""), "{link}");
    assert_eq!(ids(&first.into_inner()), BACKEND_BUILDS[..10]);

    let pages: Vec<_> = client
        .pages(
            client
                .list_project_jobs()
                .id(BACKEND)
                .pagination(ListProjectJobsPagination::Keyset)
                .per_page(10),
        )
        .try_collect()
        .await
        .expect("every page");
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].next_link, None, "the last page has no Link");
    let all: Vec<i64> = pages
        .iter()
        .flat_map(|page| page.items.iter().map(|job| job.id))
        .collect();
    assert_eq!(all, BACKEND_BUILDS);
}

#[tokio::test]
async fn keyset_in_another_order_is_405() {
    let server = demo().await;
    let (status, body) = error_of(
        client(&server, tokens::REPORTER)
            .list_project_jobs()
            .id(BACKEND)
            .pagination(ListProjectJobsPagination::Keyset)
            .sort("asc")
            .send()
            .await,
    );
    assert_eq!(status, 405);
    assert_eq!(
        body.error.as_deref(),
        Some("Keyset pagination is not yet available for this type of request")
    );
}

#[tokio::test]
async fn pagination_is_checked_after_access_as_gitlab_does() {
    let server = demo().await;
    let keyset_asc = |client: gitlab_jobs_client::Client| async move {
        client
            .list_project_jobs()
            .id(BACKEND)
            .pagination(ListProjectJobsPagination::Keyset)
            .sort("asc")
            .send()
            .await
    };
    let (status, _) = error_of(keyset_asc(anonymous(&server)).await);
    assert_eq!(status, 401);
    let (status, _) = error_of(keyset_asc(client(&server, tokens::OUTSIDER)).await);
    assert_eq!(status, 404);
    let (status, _) = error_of(keyset_asc(client(&server, tokens::GUEST)).await);
    assert_eq!(status, 403);
    let (status, body) = error_of(
        client(&server, tokens::REPORTER)
            .list_project_jobs()
            .id(BACKEND)
            .pagination(ListProjectJobsPagination::Keyset)
            .cursor("not-a-cursor")
            .send()
            .await,
    );
    assert_eq!(
        (status, message(&body)),
        (400, "400 Bad request - Invalid cursor")
    );
}
