//! GitLab's pagination, for implementations of list operations.
//!
//! Sources: `lib/api/helpers/pagination.rb`, `lib/gitlab/pagination/offset_pagination.rb`,
//! `offset_header_builder.rb`, `keyset/`, and Kaminari (`config/initializers/kaminari_config.rb`).

use crate::RequestContext;

/// Kaminari's default page size in GitLab (`lib/api/pagination_params.rb`).
pub const DEFAULT_PER_PAGE: u64 = 20;
/// `max_per_page`: larger values are silently capped.
pub const MAX_PER_PAGE: u64 = 100;
/// Above this many rows GitLab stops counting and leaves out `X-Total`/`X-Total-Pages`.
pub const MAX_COUNT: u64 = 10_000;

/// A page request as Kaminari reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based.
    pub page: u64,
    pub per_page: u64,
}

impl PageRequest {
    /// Kaminari's reading of `page` and `per_page`: pages below 1 are page 1, a negative
    /// `per_page` is ignored, and more than 100 is capped (`per_page=0` is rejected earlier).
    pub fn new(page: Option<i64>, per_page: Option<i64>) -> PageRequest {
        let page = page.filter(|page| *page >= 1).unwrap_or(1) as u64;
        let per_page = match per_page {
            Some(n) if n > 0 => (n as u64).min(MAX_PER_PAGE),
            _ => DEFAULT_PER_PAGE,
        };
        PageRequest { page, per_page }
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// What the implementation learned while fetching one page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageOutcome {
    /// Rows on this page.
    pub rows: u64,
    /// Whether a row exists after this page (fetch `per_page + 1` to know).
    pub has_next: bool,
    /// The total, when counted (`None` when GitLab does not count for this list).
    pub total: Option<u64>,
}

/// The values of GitLab's offset pagination headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetHeaders {
    pub x_page: i64,
    pub x_per_page: i64,
    /// Empty when there is no next page.
    pub x_next_page: String,
    /// Empty when there is no previous page (and on an out-of-range page).
    pub x_prev_page: String,
    /// Only when counted and at most [`MAX_COUNT`].
    pub x_total: Option<i64>,
    pub x_total_pages: Option<i64>,
    pub link: String,
}

/// GitLab's pagination headers for one page, whatever the list; `None` leaves a header out.
/// Every generated `Ok` headers struct made of these headers only (the lists') converts from
/// and to it with `From`, so one implementation serves every list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageHeaders {
    pub x_page: Option<i64>,
    pub x_per_page: Option<i64>,
    pub x_next_page: Option<String>,
    pub x_prev_page: Option<String>,
    /// Only on counted lists with at most [`MAX_COUNT`] rows.
    pub x_total: Option<i64>,
    pub x_total_pages: Option<i64>,
    pub link: Option<String>,
}

impl PageHeaders {
    /// A keyset page's headers: only `Link: <…cursor=…>; rel="next"`, and only when a next
    /// page exists (see [`keyset_link`]).
    pub fn keyset(link: Option<String>) -> PageHeaders {
        PageHeaders {
            link,
            ..PageHeaders::default()
        }
    }
}

/// An offset page sends every header but the uncounted totals.
impl From<OffsetHeaders> for PageHeaders {
    fn from(headers: OffsetHeaders) -> PageHeaders {
        PageHeaders {
            x_page: Some(headers.x_page),
            x_per_page: Some(headers.x_per_page),
            x_next_page: Some(headers.x_next_page),
            x_prev_page: Some(headers.x_prev_page),
            x_total: headers.x_total,
            x_total_pages: headers.x_total_pages,
            link: Some(headers.link),
        }
    }
}

/// Builds the headers GitLab's `OffsetHeaderBuilder` writes for one page.
pub fn offset_headers(
    context: &RequestContext,
    request: PageRequest,
    outcome: PageOutcome,
) -> OffsetHeaders {
    let counted = outcome.total.filter(|total| *total <= MAX_COUNT);
    // Kaminari's `out_of_range?`: past the last page, both neighbours are nil.
    let out_of_range = outcome.rows == 0 && request.page > 1;
    let next = (!out_of_range && outcome.has_next).then(|| request.page + 1);
    let prev = (!out_of_range && request.page > 1).then(|| request.page - 1);
    let total_pages = counted.map(|total| total.div_ceil(request.per_page).max(1));

    let mut links = Vec::new();
    if let Some(prev) = prev {
        links.push(format!(
            "<{}>; rel=\"prev\"",
            page_url(context, prev, request.per_page)
        ));
    }
    if let Some(next) = next {
        links.push(format!(
            "<{}>; rel=\"next\"",
            page_url(context, next, request.per_page)
        ));
    }
    links.push(format!(
        "<{}>; rel=\"first\"",
        page_url(context, 1, request.per_page)
    ));
    if let Some(last) = total_pages {
        links.push(format!(
            "<{}>; rel=\"last\"",
            page_url(context, last, request.per_page)
        ));
    }

    OffsetHeaders {
        x_page: request.page as i64,
        x_per_page: request.per_page as i64,
        x_next_page: next.map(|n| n.to_string()).unwrap_or_default(),
        x_prev_page: prev.map(|n| n.to_string()).unwrap_or_default(),
        x_total: counted.map(|total| total as i64),
        x_total_pages: total_pages.map(|pages| pages as i64),
        link: links.join(", "),
    }
}

/// The `Link` header of a keyset page: `rel="next"` with the cursor, only when a next page
/// exists (GitLab's `Keyset::Pager`). `Keyset::HeaderBuilder#page_href` merges only the cursor
/// into `params`, so the link keeps the requested `per_page` (or Grape's default 20, even above
/// the cap of 100) and `page`.
pub fn keyset_link(context: &RequestContext, next_cursor: Option<&str>) -> Option<String> {
    let cursor = next_cursor?;
    let query = context
        .params
        .merged_query(&[("cursor", cursor.to_string())]);
    Some(format!("<{}>; rel=\"next\"", url(context, &query)))
}

/// `OffsetHeaderBuilder#page_href`: `params.merge(page:, per_page: per_page)`, where
/// `per_page` is the page's `limit_value`, the size after Kaminari's cap (current
/// `offset_header_builder.rb`, gitlabhq f61bb2a; 8b573c9 and older merged the requested
/// `params[:per_page]`).
fn page_url(context: &RequestContext, page: u64, per_page: u64) -> String {
    let query = context.params.merged_query(&[
        ("page", page.to_string()),
        ("per_page", per_page.to_string()),
    ]);
    url(context, &query)
}

fn url(context: &RequestContext, query: &str) -> String {
    format!("{}{}?{}", context.origin(), context.uri.path(), query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(uri: &str) -> RequestContext {
        let mut headers = http::HeaderMap::new();
        headers.insert("host", http::HeaderValue::from_static("gitlab.example.com"));
        RequestContext::new(http::Method::GET, uri.parse().expect("uri"), headers)
    }

    #[test]
    fn kaminari_reads_page_and_per_page() {
        assert_eq!(
            PageRequest::new(None, None),
            PageRequest {
                page: 1,
                per_page: 20
            }
        );
        assert_eq!(
            PageRequest::new(Some(0), Some(500)),
            PageRequest {
                page: 1,
                per_page: 100
            }
        );
        assert_eq!(
            PageRequest::new(Some(3), Some(-5)),
            PageRequest {
                page: 3,
                per_page: 20
            }
        );
    }

    #[test]
    fn middle_page_links_every_neighbour() {
        let ctx =
            context("/api/v4/projects/1/pipelines/2/jobs?scope%5B%5D=failed&page=2&per_page=2");
        let headers = offset_headers(
            &ctx,
            PageRequest::new(Some(2), Some(2)),
            PageOutcome {
                rows: 2,
                has_next: true,
                total: Some(5),
            },
        );
        assert_eq!(headers.x_next_page, "3");
        assert_eq!(headers.x_prev_page, "1");
        assert_eq!(headers.x_total, Some(5));
        assert_eq!(headers.x_total_pages, Some(3));
        assert!(headers.link.contains(
            "<http://gitlab.example.com/api/v4/projects/1/pipelines/2/jobs?page=3&per_page=2&scope%5B%5D=failed>; rel=\"next\""
        ), "{}", headers.link);
        assert!(headers.link.contains("rel=\"last\""));
    }

    #[test]
    fn uncounted_and_out_of_range_pages() {
        let ctx = context("/api/v4/projects/1/jobs?page=9");
        let headers = offset_headers(
            &ctx,
            PageRequest::new(Some(9), None),
            PageOutcome {
                rows: 0,
                has_next: false,
                total: None,
            },
        );
        assert_eq!(headers.x_next_page, "");
        assert_eq!(headers.x_prev_page, "");
        assert_eq!(headers.x_total, None);
        assert!(!headers.link.contains("rel=\"last\""));
    }

    #[test]
    fn counts_above_the_limit_are_not_shown() {
        let ctx = context("/api/v4/projects/1/pipelines/1/jobs");
        let headers = offset_headers(
            &ctx,
            PageRequest::new(None, None),
            PageOutcome {
                rows: 20,
                has_next: true,
                total: Some(10_001),
            },
        );
        assert_eq!(headers.x_total, None);
        assert_eq!(headers.x_total_pages, None);
    }

    #[test]
    fn keyset_link_only_with_a_next_page() {
        let ctx = context("/api/v4/projects/1/jobs?pagination=keyset&per_page=2");
        assert_eq!(keyset_link(&ctx, None), None);
        let link = keyset_link(&ctx, Some("abc")).expect("link");
        assert_eq!(
            link,
            "<http://gitlab.example.com/api/v4/projects/1/jobs?cursor=abc&pagination=keyset&per_page=2>; rel=\"next\""
        );
    }

    /// What the generated handler adds to the query (`id`, a declared default, a coerced
    /// array) is repeated, and `per_page` is the capped size (`limit_value`).
    #[test]
    fn offset_links_repeat_grape_params() {
        let mut ctx =
            context("/api/v4/projects/acme%2Fweb/pipelines/2/jobs?scope=failed&per_page=500");
        ctx.params.set("id", "acme/web".into());
        ctx.params.set("pipeline_id", "2".into());
        ctx.params.set_default("include_retried", "false");
        ctx.params.set_many("scope", vec!["failed".into()]);
        let headers = offset_headers(
            &ctx,
            PageRequest::new(None, Some(500)),
            PageOutcome {
                rows: 100,
                has_next: true,
                total: None,
            },
        );
        assert_eq!(
            headers.link,
            "<http://gitlab.example.com/api/v4/projects/acme%2Fweb/pipelines/2/jobs?id=acme%2Fweb&include_retried=false&page=2&per_page=100&pipeline_id=2&scope%5B%5D=failed>; rel=\"next\", \
             <http://gitlab.example.com/api/v4/projects/acme%2Fweb/pipelines/2/jobs?id=acme%2Fweb&include_retried=false&page=1&per_page=100&pipeline_id=2&scope%5B%5D=failed>; rel=\"first\""
        );
    }
}
