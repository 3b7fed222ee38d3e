//! Offset and keyset pagination, with GitLab's limits (`lib/api/pagination_params.rb`,
//! `config/initializers/kaminari_config.rb`, `lib/gitlab/pagination/offset_pagination.rb`).

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
/// GitLab's page sizes and count limit, as the server crate states them for every list.
pub use gitlab_jobs_server::pagination::{DEFAULT_PER_PAGE, MAX_COUNT, MAX_PER_PAGE};
use serde_json::json;

use super::StoreError;
use crate::model::Id;

/// How a list request wants its page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pagination {
    /// `page`/`per_page`. `count` asks for `X-Total` (the project jobs list never counts:
    /// `without_count: true` in `lib/api/ci/jobs.rb`).
    Offset {
        page: u64,
        per_page: u64,
        count: bool,
    },
    /// `pagination=keyset`: `id < cursor`, ordered `id DESC` (project jobs list only).
    Keyset {
        per_page: u64,
        cursor: Option<Cursor>,
    },
}

fn clamp_per_page(per_page: Option<u64>) -> u64 {
    per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE)
}

impl Pagination {
    /// Defaults (page 1, 20 per page) and caps as GitLab applies them; Kaminari treats pages
    /// below 1 as the first.
    pub fn offset(page: Option<u64>, per_page: Option<u64>, count: bool) -> Pagination {
        Pagination::Offset {
            page: page.unwrap_or(1).max(1),
            per_page: clamp_per_page(per_page),
            count,
        }
    }

    pub fn keyset(per_page: Option<u64>, cursor: Option<Cursor>) -> Pagination {
        Pagination::Keyset {
            per_page: clamp_per_page(per_page),
            cursor,
        }
    }

    pub fn per_page(&self) -> u64 {
        match self {
            Pagination::Offset { per_page, .. } | Pagination::Keyset { per_page, .. } => *per_page,
        }
    }
}

/// The ids a store fetches for one page of a list (ordered `id DESC`): those below `before`
/// when given, `limit` of them after skipping `offset`. `limit` is one more than the page holds:
/// the extra id tells whether another page follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdWindow {
    pub before: Option<Id>,
    pub limit: u64,
    pub offset: u64,
}

impl IdWindow {
    /// `offset + limit`: how many of the newest ids the window may reach into (saturating: a
    /// page far past the end is just empty).
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.limit)
    }
}

impl Pagination {
    /// The ids to fetch for this page. The store fetches them, and [`Pagination::page_of`]
    /// makes the page of them: both stores' lists go through the pair.
    pub(crate) fn id_window(&self) -> IdWindow {
        match self {
            Pagination::Offset { page, per_page, .. } => IdWindow {
                before: None,
                limit: per_page + 1,
                offset: (page - 1).saturating_mul(*per_page),
            },
            Pagination::Keyset { per_page, cursor } => IdWindow {
                before: cursor.as_ref().map(Cursor::last_id),
                limit: per_page + 1,
                offset: 0,
            },
        }
    }

    /// The page's ids out of those fetched for [`Pagination::id_window`], and what its headers
    /// say. `count` (the total, `None` above `MAX_COUNT`) is called only when the request
    /// asked for one (`X-Total`).
    pub(crate) fn page_of(
        &self,
        mut ids: Vec<Id>,
        count: impl FnOnce() -> Result<Option<u64>, StoreError>,
    ) -> Result<(Vec<Id>, PageInfo), StoreError> {
        let fetched = ids.len() as u64;
        ids.truncate(usize::try_from(self.per_page()).unwrap_or(usize::MAX));
        let info = match self {
            Pagination::Offset {
                page,
                per_page,
                count: counted,
            } => {
                let total = if *counted { count()? } else { None };
                PageInfo::offset(*page, *per_page, fetched, total)
            }
            Pagination::Keyset { per_page, .. } => PageInfo::Keyset {
                per_page: *per_page,
                next_cursor: ids
                    .last()
                    .filter(|_| fetched > *per_page)
                    .map(|id| Cursor::after(*id)),
            },
        };
        Ok((ids, info))
    }
}

/// A keyset cursor. Opaque to clients; like GitLab's (`Gitlab::Pagination::Keyset`) it is the
/// URL-safe Base64 of a small JSON object holding the last id seen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    encoded: String,
    last_id: Id,
}

impl Cursor {
    /// The cursor of the page that follows a page ending with `last_id`.
    pub fn after(last_id: Id) -> Cursor {
        let json = json!({ "id": last_id.to_string(), "_kd": "n" }).to_string();
        Cursor {
            encoded: base64url::encode(json.as_bytes()),
            last_id,
        }
    }

    pub fn parse(encoded: &str) -> Result<Cursor, StoreError> {
        let bytes = base64url::decode(encoded).ok_or(StoreError::InvalidCursor)?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| StoreError::InvalidCursor)?;
        let last_id = match &value["id"] {
            serde_json::Value::String(id) => id.parse().ok(),
            serde_json::Value::Number(id) => id.as_i64(),
            _ => None,
        }
        .ok_or(StoreError::InvalidCursor)?;
        Ok(Cursor {
            encoded: encoded.to_owned(),
            last_id,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.encoded
    }

    pub fn last_id(&self) -> Id {
        self.last_id
    }
}

/// What the response headers say about the page (`X-Page`, `X-Next-Page`, `Link`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageInfo {
    Offset {
        page: u64,
        per_page: u64,
        next_page: Option<u64>,
        prev_page: Option<u64>,
        /// Only when counted and at most `MAX_COUNT`.
        total: Option<u64>,
        total_pages: Option<u64>,
    },
    Keyset {
        per_page: u64,
        /// Present only when there is a next page.
        next_cursor: Option<Cursor>,
    },
}

impl PageInfo {
    /// Kaminari's page arithmetic. `fetched` is how many rows came back when asking for
    /// `per_page + 1` (the extra one tells whether a next page exists); `total` is the
    /// count when one was taken and did not exceed `MAX_COUNT`.
    pub fn offset(page: u64, per_page: u64, fetched: u64, total: Option<u64>) -> PageInfo {
        let (next_page, prev_page, total_pages) = match total {
            Some(total) => {
                let total_pages = total.div_ceil(per_page).max(1);
                let out_of_range = page > total_pages;
                // `then`, not `then_some`: `page + 1` overflows on the last page there is.
                let next = (!out_of_range && page < total_pages).then(|| page + 1);
                let prev = (!out_of_range && page > 1).then(|| page - 1);
                (next, prev, Some(total_pages))
            }
            None => {
                // `PaginatableWithoutCount#out_of_range?` is "this page is empty".
                let out_of_range = fetched == 0;
                let next = (!out_of_range && fetched > per_page).then(|| page + 1);
                let prev = (!out_of_range && page > 1).then(|| page - 1);
                (next, prev, None)
            }
        };
        PageInfo::Offset {
            page,
            per_page,
            next_page,
            prev_page,
            total,
            total_pages,
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub info: PageInfo,
}

impl<T> Page<T> {
    /// The page of an empty relation (`type.none`), with the headers Kaminari gives it: no
    /// neighbours, and when counted a total of 0 on 1 page.
    pub fn empty(pagination: &Pagination) -> Page<T> {
        let info = match pagination {
            Pagination::Offset {
                page,
                per_page,
                count,
            } => PageInfo::offset(*page, *per_page, 0, count.then_some(0)),
            Pagination::Keyset { per_page, .. } => PageInfo::Keyset {
                per_page: *per_page,
                next_cursor: None,
            },
        };
        Page {
            items: Vec::new(),
            info,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            info: self.info,
        }
    }

    /// `map` with a step that can fail; the first failure is the result.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            info: self.info,
        })
    }
}

/// URL-safe Base64 (RFC 4648 §5) of cursors: written without padding, read with or without
/// (Ruby's `urlsafe_encode64` pads), and lenient about the unused bits of the last character.
mod base64url {
    use super::*;

    const CURSOR: GeneralPurpose = GeneralPurpose::new(
        &URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );

    pub fn encode(bytes: &[u8]) -> String {
        CURSOR.encode(bytes)
    }

    pub fn decode(text: &str) -> Option<Vec<u8>> {
        CURSOR.decode(text.trim_end_matches('=')).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_page_is_defaulted_and_capped() {
        assert_eq!(Pagination::offset(None, None, true).per_page(), 20);
        assert_eq!(Pagination::offset(None, Some(1000), true).per_page(), 100);
        assert_eq!(
            Pagination::offset(Some(0), Some(5), false),
            Pagination::Offset {
                page: 1,
                per_page: 5,
                count: false
            }
        );
        assert_eq!(Pagination::keyset(Some(500), None).per_page(), 100);
    }

    #[test]
    fn counted_pages_know_their_neighbours() {
        let middle = PageInfo::offset(2, 10, 10, Some(25));
        assert_eq!(
            middle,
            PageInfo::Offset {
                page: 2,
                per_page: 10,
                next_page: Some(3),
                prev_page: Some(1),
                total: Some(25),
                total_pages: Some(3)
            }
        );
        let PageInfo::Offset { next_page, .. } = PageInfo::offset(3, 10, 5, Some(25)) else {
            unreachable!()
        };
        assert_eq!(next_page, None);
    }

    #[test]
    fn out_of_range_pages_have_no_neighbours() {
        let PageInfo::Offset {
            next_page,
            prev_page,
            total_pages,
            ..
        } = PageInfo::offset(9, 10, 0, Some(25))
        else {
            unreachable!()
        };
        assert_eq!((next_page, prev_page, total_pages), (None, None, Some(3)));
        let PageInfo::Offset {
            next_page,
            prev_page,
            ..
        } = PageInfo::offset(9, 10, 0, None)
        else {
            unreachable!()
        };
        assert_eq!((next_page, prev_page), (None, None));
    }

    #[test]
    fn empty_list_has_one_page() {
        let PageInfo::Offset {
            total_pages,
            next_page,
            ..
        } = PageInfo::offset(1, 20, 0, Some(0))
        else {
            unreachable!()
        };
        assert_eq!((total_pages, next_page), (Some(1), None));
    }

    #[test]
    fn uncounted_pages_look_one_row_ahead() {
        let PageInfo::Offset {
            next_page,
            prev_page,
            total,
            ..
        } = PageInfo::offset(2, 10, 11, None)
        else {
            unreachable!()
        };
        assert_eq!((next_page, prev_page, total), (Some(3), Some(1), None));
        let PageInfo::Offset { next_page, .. } = PageInfo::offset(2, 10, 10, None) else {
            unreachable!()
        };
        assert_eq!(next_page, None);
    }

    #[test]
    fn offset_pages_fetch_one_id_more_than_they_show() {
        let pagination = Pagination::offset(Some(3), Some(2), true);
        let window = pagination.id_window();
        let expected = IdWindow {
            before: None,
            limit: 3,
            offset: 4,
        };
        assert_eq!((window, window.end()), (expected, 7));
        let (ids, info) = pagination
            .page_of(vec![9, 8, 7], || Ok(Some(9)))
            .expect("counted");
        assert_eq!(ids, vec![9, 8]);
        assert_eq!(info, PageInfo::offset(3, 2, 3, Some(9)));
        let (_, uncounted) = Pagination::offset(Some(3), Some(2), false)
            .page_of(vec![9], || panic!("not counted"))
            .expect("uncounted");
        assert_eq!(uncounted, PageInfo::offset(3, 2, 1, None));
        let far = Pagination::offset(Some(u64::MAX), Some(100), false).id_window();
        assert_eq!(far.end(), u64::MAX);
    }

    #[test]
    fn keyset_pages_start_below_the_cursor_and_point_past_their_last_id() {
        let pagination = Pagination::keyset(Some(2), Some(Cursor::after(10)));
        let window = pagination.id_window();
        assert_eq!((window.before, window.limit), (Some(10), 3));
        let never = || panic!("a keyset list is not counted");
        let (ids, info) = pagination.page_of(vec![9, 8, 7], never).expect("a page");
        assert_eq!(ids, vec![9, 8]);
        let next_cursor = Some(Cursor::after(8));
        assert_eq!(
            info,
            PageInfo::Keyset {
                per_page: 2,
                next_cursor
            }
        );
        let (last, info) = pagination.page_of(vec![2], never).expect("a page");
        assert_eq!(last, vec![2]);
        let next_cursor = None;
        assert_eq!(
            info,
            PageInfo::Keyset {
                per_page: 2,
                next_cursor
            }
        );
    }

    #[test]
    fn cursor_round_trips_and_looks_like_gitlabs() {
        let cursor = Cursor::after(1234);
        assert_eq!(cursor.as_str(), "eyJfa2QiOiJuIiwiaWQiOiIxMjM0In0");
        let parsed = Cursor::parse(cursor.as_str()).expect("valid cursor");
        assert_eq!(parsed.last_id(), 1234);
        // Ruby pads; padding is accepted too.
        assert_eq!(
            Cursor::parse("eyJpZCI6IjUifQ==").map(|c| c.last_id()).ok(),
            Some(5)
        );
    }

    #[test]
    fn garbage_cursors_are_refused() {
        for bad in ["", "!!!", "e", "bm90IGpzb24", "eyJ4IjoxfQ"] {
            assert!(
                matches!(Cursor::parse(bad), Err(StoreError::InvalidCursor)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn base64url_matches_rfc4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
        ] {
            assert_eq!(base64url::encode(plain.as_bytes()), encoded);
            assert_eq!(
                base64url::decode(encoded).as_deref(),
                Some(plain.as_bytes())
            );
        }
    }
}
