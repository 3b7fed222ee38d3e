//! Streams over every page of a list operation.
//!
//! The caller builds the first request with the generated builder (so every filter stays
//! typed) and hands it to [`Client::pages`] or [`Client::items`]. Each further page is found
//! the way python-gitlab finds it:
//!
//! 1. the `Link: <…>; rel="next"` URL, with its path and query as sent (they carry every
//!    parameter of the first request, plus `page` or, with keyset pagination, `cursor`),
//!    on the origin of the configured base URL;
//! 2. otherwise `X-Next-Page`, requested by the same builder with `.page(n)`;
//! 3. otherwise, or after an empty page, the stream ends.
//!
//! The builders keep their client private, which is why the stream needs the client as
//! well: the `Link` URL is fetched with the same `reqwest::Client`, hence the same
//! credentials and timeouts. Use the client the builder came from.

use std::collections::HashSet;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::{self, BoxFuture};
use futures::stream::{self, BoxStream, Stream, StreamExt};
use reqwest::header::{ACCEPT, HeaderValue};
use serde::de::DeserializeOwned;
use url::Url;

use crate::{Client, ClientInfo, Error, Page, ResponseValue, builder, types};

type ListResult<T> = Result<ResponseValue<Vec<T>>, Error<types::Error>>;

mod sealed {
    pub trait Sealed {}
}

/// A generated list builder that [`Client::pages`] and [`Client::items`] can page through:
/// [`builder::ListProjectJobs`], [`builder::ListPipelineJobs`],
/// [`builder::ListPipelineBridges`] and [`builder::ListPipelineTriggerJobs`].
///
/// Sealed: the stream relies on how these operations paginate.
pub trait ListRequest<'a>: sealed::Sealed + Clone + Send + 'a {
    /// The type of the listed items.
    type Item: DeserializeOwned + Send + 'a;

    /// The statuses the operation documents as error responses: on a `Link`-followed page
    /// they become [`Error::ErrorResponse`] and any other non-200 status
    /// [`Error::UnexpectedResponse`], exactly as the generated `send()` does.
    #[doc(hidden)]
    const ERROR_STATUSES: &'static [u16];

    /// The same request for page `page`.
    #[doc(hidden)]
    fn at_page(self, page: u64) -> Self;

    /// The generated `send()`.
    #[doc(hidden)]
    fn send_list(self) -> BoxFuture<'a, ListResult<Self::Item>>;
}

macro_rules! list_request {
    ($builder:ident, $item:ty) => {
        impl sealed::Sealed for builder::$builder<'_> {}

        impl<'a> ListRequest<'a> for builder::$builder<'a> {
            type Item = $item;
            const ERROR_STATUSES: &'static [u16] = builder::$builder::ERROR_STATUSES;

            fn at_page(self, page: u64) -> Self {
                self.page(page)
            }

            fn send_list(self) -> BoxFuture<'a, ListResult<$item>> {
                Box::pin(self.send())
            }
        }
    };
}

list_request!(ListProjectJobs, types::Job);
list_request!(ListPipelineJobs, types::Job);
list_request!(ListPipelineBridges, types::Bridge);
list_request!(ListPipelineTriggerJobs, types::Bridge);

impl Client {
    /// Every page of a list, one [`Page`] (items and pagination headers) at a time.
    ///
    /// Nothing is sent until the stream is polled. An error (HTTP, GitLab error body,
    /// decoding) is yielded as an `Err` item and ends the stream; so does a server that
    /// points back to a page it already sent (as [`Error::Custom`]), instead of looping.
    pub fn pages<'a, R: ListRequest<'a>>(&'a self, request: R) -> Pages<'a, R::Item> {
        let state = State {
            client: self,
            request,
            next: Next::First,
            seen_pages: HashSet::new(),
            seen_links: HashSet::new(),
        };
        Pages {
            inner: stream::unfold(state, State::step).boxed(),
        }
    }

    /// Every item of a list, across all pages; see [`Client::pages`].
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// use futures::TryStreamExt;
    /// use gitlab_jobs_client::{Auth, ProjectId, connect, types::JobStatus};
    ///
    /// let client = connect("https://gitlab.example.com", Auth::PrivateToken("glpat-…".into()))?;
    /// let project = ProjectId::from("group/project");
    /// let failed: Vec<_> = client
    ///     .items(
    ///         client
    ///             .list_project_jobs()
    ///             .id(&project)
    ///             .scope(vec![JobStatus::Failed])
    ///             .per_page(100),
    ///     )
    ///     .try_collect()
    ///     .await?;
    /// println!("{} failed jobs", failed.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn items<'a, R: ListRequest<'a>>(&'a self, request: R) -> Items<'a, R::Item> {
        self.pages(request).items()
    }
}

/// The stream of [`Client::pages`].
pub struct Pages<'a, T> {
    inner: BoxStream<'a, Result<Page<T>, Error<types::Error>>>,
}

impl<'a, T: Send + 'a> Pages<'a, T> {
    /// The items of every page, in order.
    pub fn items(self) -> Items<'a, T> {
        let inner = self
            .inner
            .flat_map(|page| match page {
                Ok(page) => stream::iter(page.items).map(Ok).left_stream(),
                Err(e) => stream::once(future::ready(Err(e))).right_stream(),
            })
            .boxed();
        Items { inner }
    }
}

impl<T> Stream for Pages<'_, T> {
    type Item = Result<Page<T>, Error<types::Error>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<T> fmt::Debug for Pages<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

/// The stream of [`Client::items`].
pub struct Items<'a, T> {
    inner: BoxStream<'a, Result<T, Error<types::Error>>>,
}

impl<T> Stream for Items<'_, T> {
    type Item = Result<T, Error<types::Error>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<T> fmt::Debug for Items<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items").finish_non_exhaustive()
    }
}

/// What the stream requests next.
enum Next {
    /// The caller's request as built.
    First,
    /// The caller's request with `.page(n)`, from `X-Next-Page`.
    Page(u64),
    /// A `Link rel="next"` URL.
    Link(Url),
    /// Yield this error, then end.
    Fail(String),
    Done,
}

struct State<'a, R> {
    client: &'a Client,
    request: R,
    next: Next,
    // Requests already made from headers, to stop a server that keeps pointing back.
    seen_pages: HashSet<u64>,
    seen_links: HashSet<Url>,
}

impl<'a, R: ListRequest<'a>> State<'a, R> {
    async fn step(mut self) -> Option<(Result<Page<R::Item>, Error<types::Error>>, Self)> {
        let result = match std::mem::replace(&mut self.next, Next::Done) {
            Next::Done => return None,
            Next::Fail(message) => return Some((Err(Error::Custom(message)), self)),
            Next::First => self.request.clone().send_list().await,
            Next::Page(n) => self.request.clone().at_page(n).send_list().await,
            Next::Link(url) => get_page(self.client, url, R::ERROR_STATUSES).await,
        };
        // On an error `next` stays `Done`: the stream ends after yielding it.
        let page = match result {
            Ok(response) => Page::from(response),
            Err(e) => return Some((Err(e), self)),
        };
        self.next = self.after(&page);
        Some((Ok(page), self))
    }

    fn after(&mut self, page: &Page<R::Item>) -> Next {
        // GitLab answers a page past the end with `[]`; an empty page is always the end.
        if page.items.is_empty() {
            return Next::Done;
        }
        if let Some(link) = &page.next_link {
            let url = same_origin(self.client.baseurl(), link);
            if !self.seen_links.insert(url.clone()) {
                return Next::Fail(format!(
                    "pagination loop: the server sent the next link {} a second time",
                    url.path()
                ));
            }
            return Next::Link(url);
        }
        if let Some(next) = page.next_page {
            if page.page.is_some_and(|current| next <= current) || !self.seen_pages.insert(next) {
                return Next::Fail(format!(
                    "pagination loop: the server sent X-Next-Page {next} on page {}",
                    page.page.map_or("?".to_string(), |p| p.to_string())
                ));
            }
            return Next::Page(next);
        }
        Next::Done
    }
}

/// The `Link` target with the scheme, host and port of the configured base URL.
///
/// GitLab builds `Link` from its own `external_url` setting, which behind a proxy or a
/// tunnel can name a host the caller never configured. Its path and query are kept as sent,
/// but the request goes to the origin the client was built for, so that the token is never
/// sent elsewhere. This is python-gitlab's `keep_base_url=True`; its default only warns
/// about the mismatch and follows the link.
fn same_origin(base_url: &str, link: &Url) -> Url {
    match Url::parse(base_url) {
        Ok(mut url) => {
            url.set_path(link.path());
            url.set_query(link.query());
            url
        }
        // Unreachable with a client from `connect`; a hand-made `Client::new("garbage")`
        // could not have made the first request either.
        Err(_) => link.clone(),
    }
}

/// GET one page from a `Link` URL and decode it like the generated `send()` would.
async fn get_page<T: DeserializeOwned>(
    client: &Client,
    url: Url,
    error_statuses: &[u16],
) -> ListResult<T> {
    let response = client
        .client()
        .get(url)
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .send()
        .await
        .map_err(Error::CommunicationError)?;
    let status = response.status().as_u16();
    if status == 200 {
        ResponseValue::from_response(response).await
    } else if error_statuses.contains(&status) {
        Err(Error::ErrorResponse(
            ResponseValue::from_response(response).await?,
        ))
    } else {
        Err(Error::UnexpectedResponse(response))
    }
}
