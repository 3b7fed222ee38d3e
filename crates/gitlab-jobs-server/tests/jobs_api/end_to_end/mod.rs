//! Every response variant of every operation, through the generated client and the wire.
//!
//! Each section starts its own server (fresh fake state) and records in a [`Coverage`]
//! table which variants it reached; the test ends by checking the table against the
//! variants of `src/generated.rs`, so a new variant fails here until a section reaches it.

mod artifacts;
mod current_job;
mod jobs;
mod lists;

use bytes::Bytes;
use futures::TryStreamExt as _;
use gitlab_jobs_client::{ByteStream, Error, ResponseValue};
use gitlab_jobs_server::types;
use reqwest::header::HeaderMap;

use self::artifacts::{
    artifact_file, artifact_file_by_ref, artifacts, delete_artifacts, download_by_ref, keep,
};
use self::current_job::{allowed_agents, current_job};
use self::jobs::{cancel, erase, get_job, play, retry, trace};
use self::lists::{
    list_pipeline_bridges, list_pipeline_jobs, list_pipeline_trigger_jobs, list_project_jobs,
};
use crate::coverage::Coverage;
use crate::fake::{self, EXPIRED, EXPIRED_CHALLENGE, GUEST, MAINTAINER, error, message};
use crate::{Auth, Server};

const MAINT: Auth = Auth::PrivateToken(MAINTAINER);
const EXPIRED_BEARER: Auth = Auth::Bearer(EXPIRED);
const GUEST_TOKEN: Auth = Auth::PrivateToken(GUEST);
const BROKEN_TOKEN: Auth = Auth::PrivateToken(fake::BROKEN);

type Sent<T> = Result<ResponseValue<T>, Error<types::Error>>;

/// The error answer of a call: its headers and body, after checking its status.
#[track_caller]
fn refused<T>(result: Sent<T>, status: u16) -> (HeaderMap, types::Error) {
    match result {
        Err(Error::ErrorResponse(response)) => {
            assert_eq!(response.status().as_u16(), status);
            let headers = response.headers().clone();
            (headers, response.into_inner())
        }
        Ok(response) => panic!("expected {status}, got {}", response.status()),
        Err(other) => panic!("expected {status}, got {other}"),
    }
}

/// The `Location` of a 302 (the typed client declares no 3xx, so it arrives unexpected).
#[track_caller]
fn redirected<T>(result: Sent<T>) -> String {
    match result {
        Err(Error::UnexpectedResponse(response)) => {
            assert_eq!(response.status().as_u16(), 302);
            text(response.headers(), "location").expect("a Location header")
        }
        Ok(response) => panic!("expected 302, got {}", response.status()),
        Err(other) => panic!("expected 302, got {other}"),
    }
}

#[track_caller]
fn success<T>(result: Sent<T>, status: u16) -> ResponseValue<T> {
    match result {
        Ok(response) => {
            assert_eq!(response.status().as_u16(), status);
            response
        }
        Err(other) => panic!("expected {status}, got {other}"),
    }
}

fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|value| value.to_str().expect("a text header").to_string())
}

fn number(headers: &HeaderMap, name: &str) -> Option<i64> {
    text(headers, name).map(|value| value.parse().expect("a numeric header"))
}

async fn bytes_of(response: ResponseValue<ByteStream>) -> Bytes {
    let chunks: Vec<Bytes> = response
        .into_inner()
        .into_inner()
        .try_collect()
        .await
        .expect("a body");
    chunks.concat().into()
}

fn ids(jobs: &[types::Job]) -> Vec<i64> {
    jobs.iter().map(|job| job.id).collect()
}

/// One refusal a kind of route shares: who asks, about what (a job or pipeline id, or
/// nothing for the by-ref routes), and the answer (status, the variant the fake gave, body).
struct Refusal<I> {
    auth: Auth,
    id: I,
    status: u16,
    variant: &'static str,
    body: types::Error,
}

impl<I> Refusal<I> {
    fn new(auth: Auth, id: I, status: u16, variant: &'static str, body: types::Error) -> Self {
        Refusal {
            auth,
            id,
            status,
            variant,
            body,
        }
    }

    /// The same refusal, asked about `id`.
    fn about<J>(self, id: J) -> Refusal<J> {
        Refusal::new(self.auth, id, self.status, self.variant, self.body)
    }
}

/// The refusals every job route shares: a negative job id (400 from the fake), an expired
/// OAuth token (401 with a challenge), a store that fails (500), a guest (403) and an
/// unknown job (404).
fn job_refusals() -> Vec<Refusal<i64>> {
    id_refusals("job_id", -1, 1, 999)
}

/// The same for a pipeline's lists, by pipeline id: `invalid` is refused by the fake with
/// 400, `unknown` answers 404.
fn pipeline_refusals(invalid: i64, unknown: i64) -> Vec<Refusal<i64>> {
    id_refusals("pipeline_id", invalid, 10, unknown)
}

/// `param` is the id's name in Grape's 400; `known` is an id the maintainer may read.
fn id_refusals(param: &str, invalid: i64, known: i64, unknown: i64) -> Vec<Refusal<i64>> {
    let mut refusals = vec![Refusal::new(
        MAINT,
        invalid,
        400,
        "BadRequest",
        error(&format!("{param} is invalid")),
    )];
    refusals.extend(
        credential_refusals()
            .into_iter()
            .map(|refusal| refusal.about(known)),
    );
    refusals.push(Refusal::new(
        MAINT,
        unknown,
        404,
        "NotFound",
        message("404 Not found"),
    ));
    refusals
}

/// The refusals that depend on the credentials alone: an expired OAuth token (401 with a
/// challenge), a store that fails (500) and a guest (403).
fn credential_refusals() -> Vec<Refusal<()>> {
    vec![
        Refusal::new(
            EXPIRED_BEARER,
            (),
            401,
            "Unauthorized",
            fake::expired_body(),
        ),
        Refusal::new(
            BROKEN_TOKEN,
            (),
            500,
            "InternalServerError",
            message("500 Internal Server Error"),
        ),
        Refusal::new(GUEST_TOKEN, (), 403, "Forbidden", message("403 Forbidden")),
    ]
}

/// Sends `call` (a client and the row's id) once per refusal and checks each answer over the
/// wire: status, body, the 401's `WWW-Authenticate` challenge, and the variant the fake
/// answered.
async fn assert_refusals<I, T, F, Fut>(
    server: &Server,
    coverage: &mut Coverage,
    op: &str,
    refusals: Vec<Refusal<I>>,
    call: F,
) where
    F: Fn(gitlab_jobs_client::Client, I) -> Fut,
    Fut: Future<Output = Sent<T>>,
{
    for refusal in refusals {
        let (headers, body) = refused(
            call(server.client(refusal.auth), refusal.id).await,
            refusal.status,
        );
        assert_eq!(body, refusal.body, "{op} {}", refusal.variant);
        if refusal.status == 401 {
            assert_eq!(
                text(&headers, "www-authenticate").as_deref(),
                Some(EXPIRED_CHALLENGE),
                "{op}: the challenge of an expired OAuth token"
            );
        }
        coverage.reached(server, op, refusal.variant, refusal.status);
    }
}

#[tokio::test]
async fn every_variant_of_every_operation_over_the_wire() {
    let mut coverage = Coverage::new();
    list_project_jobs(&mut coverage).await;
    list_pipeline_jobs(&mut coverage).await;
    list_pipeline_bridges(&mut coverage).await;
    list_pipeline_trigger_jobs(&mut coverage).await;
    current_job(&mut coverage).await;
    allowed_agents(&mut coverage).await;
    get_job(&mut coverage).await;
    trace(&mut coverage).await;
    cancel(&mut coverage).await;
    retry(&mut coverage).await;
    erase(&mut coverage).await;
    play(&mut coverage).await;
    artifacts(&mut coverage).await;
    delete_artifacts(&mut coverage).await;
    download_by_ref(&mut coverage).await;
    artifact_file(&mut coverage).await;
    keep(&mut coverage).await;
    artifact_file_by_ref(&mut coverage).await;
    coverage.assert_complete();
    assert_eq!(coverage.count(), (18, 114));
}
