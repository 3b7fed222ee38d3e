//! Between the router's pagination and the store's: a request's `page`/`per_page`/keyset
//! parameters become a [`Pagination`], and a store [`Page`] becomes GitLab's headers, built by
//! `gitlab_jobs_server::pagination` (the one `Link` builder).

use gitlab_jobs_server::RequestContext;
use gitlab_jobs_server::pagination::{
    PageHeaders, PageOutcome, PageRequest, keyset_link, offset_headers,
};
use gitlab_jobs_server::types::ListProjectJobsPagination;

use crate::service::error_bodies::ApiError;
use crate::store::{Cursor, Page, PageInfo, Pagination};

/// Offset pagination as Kaminari reads `page` and `per_page` (defaults, caps, pages below 1).
/// Whether the page is counted is the service's decision.
pub fn offset(page: Option<i64>, per_page: Option<i64>) -> Pagination {
    let request = PageRequest::new(page, per_page);
    Pagination::offset(Some(request.page), Some(request.per_page), false)
}

/// The parameters of GET /projects/:id/jobs that choose its pagination.
#[derive(Debug, Clone, Copy)]
pub struct ProjectJobsPaging<'a> {
    pub pagination: Option<ListProjectJobsPagination>,
    /// Undeclared in jobs.rb, so free text: only keyset pagination reads them.
    pub order_by: Option<&'a str>,
    pub sort: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// `paginate_with_strategies` (`lib/api/helpers/pagination_strategies.rb`): keyset when
/// `pagination=keyset`, which `Gitlab::Pagination::Keyset.available?` allows only in the
/// ordering `CursorBasedKeyset::SUPPORTED_ORDERING` lists for builds (`id` desc, also the
/// defaults of `order_by` and `sort`). Another ordering is 405.
pub fn project_jobs(paging: ProjectJobsPaging<'_>) -> Result<Pagination, ApiError> {
    match paging.pagination {
        None => Ok(offset(paging.page, paging.per_page)),
        Some(ListProjectJobsPagination::Keyset) => {
            let ordering = (
                paging.order_by.unwrap_or("id"),
                paging.sort.unwrap_or("desc"),
            );
            if ordering != ("id", "desc") {
                return Err(ApiError::error(
                    405,
                    "Keyset pagination is not yet available for this type of request",
                ));
            }
            // A blank cursor asks for the first page (`decode_cursor_attributes` in
            // lib/gitlab/pagination/keyset/paginator.rb: `cursor.blank? ? {} : parse(cursor)`).
            let cursor = paging
                .cursor
                .filter(|cursor| !cursor.trim().is_empty())
                .map(Cursor::parse)
                .transpose()?;
            let per_page = PageRequest::new(None, paging.per_page).per_page;
            Ok(Pagination::keyset(Some(per_page), cursor))
        }
    }
}

/// Offset pages get every `X-*` header and `Link` (prev, next, first, last when counted); a
/// keyset page only `Link: <…cursor=…>; rel="next"`, and only when a next page exists.
pub fn headers<T>(context: &RequestContext, page: &Page<T>) -> PageHeaders {
    match &page.info {
        PageInfo::Offset {
            page: number,
            per_page,
            next_page,
            total,
            ..
        } => {
            let request = PageRequest {
                page: *number,
                per_page: *per_page,
            };
            let outcome = PageOutcome {
                rows: page.items.len() as u64,
                has_next: next_page.is_some(),
                total: *total,
            };
            offset_headers(context, request, outcome).into()
        }
        PageInfo::Keyset { next_cursor, .. } => PageHeaders::keyset(keyset_link(
            context,
            next_cursor.as_ref().map(Cursor::as_str),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(uri: &str) -> RequestContext {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "host",
            axum::http::HeaderValue::from_static("gitlab.example.com"),
        );
        RequestContext::new(
            axum::http::Method::GET,
            uri.parse().expect("a uri"),
            headers,
        )
    }

    fn paging() -> ProjectJobsPaging<'static> {
        ProjectJobsPaging {
            pagination: None,
            order_by: None,
            sort: None,
            cursor: None,
            page: None,
            per_page: None,
        }
    }

    #[test]
    fn offset_requests_read_as_kaminari_does() {
        assert_eq!(
            offset(Some(-3), Some(500)),
            Pagination::Offset {
                page: 1,
                per_page: 100,
                count: false
            }
        );
        assert_eq!(offset(None, None).per_page(), 20);
    }

    #[test]
    fn keyset_needs_descending_ids_and_a_valid_cursor() {
        let keyset = ProjectJobsPaging {
            pagination: Some(ListProjectJobsPagination::Keyset),
            per_page: Some(2),
            ..paging()
        };
        assert_eq!(
            project_jobs(keyset).expect("keyset"),
            Pagination::keyset(Some(2), None)
        );
        let ascending = project_jobs(ProjectJobsPaging {
            sort: Some("asc"),
            ..keyset
        })
        .expect_err("asc is refused");
        let by_date = project_jobs(ProjectJobsPaging {
            order_by: Some("created_at"),
            ..keyset
        })
        .expect_err("only id is supported");
        assert_eq!(by_date.status, 405);
        let offset_ignores = project_jobs(ProjectJobsPaging {
            pagination: None,
            order_by: Some("created_at"),
            sort: Some("sideways"),
            ..keyset
        });
        assert!(
            offset_ignores.is_ok(),
            "offset pagination ignores the ordering"
        );
        assert_eq!(
            (ascending.status, ascending.text()),
            (
                405,
                "Keyset pagination is not yet available for this type of request"
            )
        );
        let garbage = project_jobs(ProjectJobsPaging {
            cursor: Some("!!"),
            ..keyset
        })
        .expect_err("garbage cursor");
        assert_eq!(garbage.status, 400);
        let cursor = Cursor::after(7);
        let Pagination::Keyset {
            cursor: Some(parsed),
            ..
        } = project_jobs(ProjectJobsPaging {
            cursor: Some(cursor.as_str()),
            ..keyset
        })
        .expect("a valid cursor")
        else {
            panic!("not keyset")
        };
        assert_eq!(parsed.last_id(), 7);
        // `sort` alone (without keyset) does not change offset pagination.
        assert!(matches!(
            project_jobs(ProjectJobsPaging {
                sort: Some("asc"),
                ..paging()
            }),
            Ok(Pagination::Offset { .. })
        ));
    }

    #[test]
    fn counted_offset_pages_have_every_header() {
        let page = Page {
            items: vec![(); 2],
            info: PageInfo::offset(2, 2, 2, Some(5)),
        };
        let headers = headers(
            &context("/api/v4/projects/1/pipelines/1/jobs?page=2&per_page=2"),
            &page,
        );
        assert_eq!(headers.x_page, Some(2));
        assert_eq!(headers.x_per_page, Some(2));
        assert_eq!(headers.x_next_page.as_deref(), Some("3"));
        assert_eq!(headers.x_prev_page.as_deref(), Some("1"));
        assert_eq!((headers.x_total, headers.x_total_pages), (Some(5), Some(3)));
        let link = headers.link.unwrap_or_default();
        assert!(link.contains("rel=\"last\""), "{link}");
        assert!(
            link.contains("<http://gitlab.example.com/api/v4/projects/1/pipelines/1/jobs?page=3&per_page=2>; rel=\"next\""),
            "{link}"
        );
    }

    #[test]
    fn keyset_pages_link_only_to_a_next_page() {
        let ctx = context("/api/v4/projects/1/jobs?pagination=keyset&per_page=1");
        let more = Page {
            items: vec![()],
            info: PageInfo::Keyset {
                per_page: 1,
                next_cursor: Some(Cursor::after(9)),
            },
        };
        let headers = headers(&ctx, &more);
        assert_eq!(headers.x_page, None);
        assert_eq!(headers.x_next_page, None);
        let link = headers.link.unwrap_or_default();
        assert!(link.contains(Cursor::after(9).as_str()), "{link}");
        assert!(link.ends_with("rel=\"next\""), "{link}");
        let last = Page {
            items: vec![()],
            info: PageInfo::Keyset {
                per_page: 1,
                next_cursor: None,
            },
        };
        assert_eq!(super::headers(&ctx, &last), PageHeaders::default());
    }
}
