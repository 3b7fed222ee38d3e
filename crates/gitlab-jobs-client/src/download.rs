//! Non-JSON responses: job logs and artifact downloads, collected into memory or streamed.
//!
//! The generated builders return these bodies as a [`ByteStream`]. The helpers here collect
//! it, and follow the redirect GitLab answers with when artifacts live in object storage
//! (a `302` to a pre-signed URL on another host): that request is made **without** the
//! client's credentials, which the signed URL does not need and the storage host must not
//! see.

use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use futures::future::BoxFuture;
use reqwest::header::LOCATION;
use reqwest::redirect::Policy;

use crate::connect::{CONNECT_TIMEOUT, DEFAULT_USER_AGENT, READ_TIMEOUT};
use crate::{ByteStream, Client, Error, ProjectId, ResponseValue, builder, types};

type DownloadResult = Result<ResponseValue<ByteStream>, Error<types::Error>>;

/// Upper bound of the buffer reserved from `Content-Length` before any byte arrives, so that
/// a wrong header cannot make the client allocate gigabytes up front.
const MAX_PREALLOCATION: u64 = 16 * 1024 * 1024;

mod sealed {
    pub trait Sealed {}
}

/// A generated builder whose response body is a file: [`builder::GetJobTrace`],
/// [`builder::GetJobArtifacts`], [`builder::GetJobArtifactFile`],
/// [`builder::DownloadArtifactsByRef`] and [`builder::GetArtifactFileByRef`].
pub trait DownloadRequest<'a>: sealed::Sealed + Send + 'a {
    /// The generated `send()`.
    #[doc(hidden)]
    fn send_download(self) -> BoxFuture<'a, DownloadResult>;
}

macro_rules! download_request {
    ($($builder:ident),* $(,)?) => {$(
        impl sealed::Sealed for builder::$builder<'_> {}

        impl<'a> DownloadRequest<'a> for builder::$builder<'a> {
            fn send_download(self) -> BoxFuture<'a, DownloadResult> {
                Box::pin(self.send())
            }
        }
    )*};
}

download_request!(
    GetJobTrace,
    GetJobArtifacts,
    GetJobArtifactFile,
    DownloadArtifactsByRef,
    GetArtifactFileByRef,
);

impl Client {
    /// Sends a download request built with the generated builder and returns the whole body.
    ///
    /// A redirect to another host (object storage) is followed without credentials. Errors
    /// are the generated call's; a body cut off mid-way is [`Error::ResponseBodyError`].
    ///
    /// ```no_run
    /// # async fn example(client: gitlab_jobs_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let report = client
    ///     .download(
    ///         client
    ///             .get_job_artifact_file()
    ///             .id("group/project")
    ///             .job_id(42)
    ///             .artifact_path("reports/junit.xml"),
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn download<'a, R: DownloadRequest<'a>>(
        &'a self,
        request: R,
    ) -> Result<Bytes, Error<types::Error>> {
        collect(self.download_stream(request).await?).await
    }

    /// Like [`Client::download`], but the body is left to the caller as it arrives (for a
    /// progress bar, or to write a large archive without holding it in memory): the answer's
    /// headers and [`ResponseValue::content_length`] are there before the first byte.
    ///
    /// ```no_run
    /// # async fn example(client: gitlab_jobs_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use futures::StreamExt;
    ///
    /// let response = client
    ///     .download_stream(client.get_job_artifacts().id("group/project").job_id(42))
    ///     .await?;
    /// let total = response.content_length();
    /// let mut body = response.into_inner_stream();
    /// while let Some(chunk) = body.next().await {
    ///     let chunk = chunk?;
    ///     println!("{} of {total:?} bytes", chunk.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn download_stream<'a, R: DownloadRequest<'a>>(
        &'a self,
        request: R,
    ) -> Result<ResponseValue<ByteStream>, Error<types::Error>> {
        match request.send_download().await {
            Ok(response) => Ok(response),
            Err(Error::UnexpectedResponse(response)) if response.status().is_redirection() => {
                follow_without_credentials(response).await
            }
            Err(e) => Err(e),
        }
    }

    /// The log of a job as text (GET `/projects/:id/jobs/:job_id/trace`); an empty string when
    /// the job has no log yet.
    ///
    /// Logs are raw runner output and need not be valid UTF-8: invalid sequences become
    /// U+FFFD. Use [`Client::download`] with [`Client::get_job_trace`] for the exact bytes.
    pub async fn job_trace(
        &self,
        project: impl Into<ProjectId>,
        job_id: i64,
    ) -> Result<String, Error<types::Error>> {
        let request = self.get_job_trace().id(project.into()).job_id(job_id);
        let bytes = self.download(request).await?;
        Ok(match String::from_utf8(Vec::from(bytes)) {
            Ok(text) => text,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// The artifacts archive of a job (GET `/projects/:id/jobs/:job_id/artifacts`), usually a
    /// zip file.
    pub async fn job_artifacts(
        &self,
        project: impl Into<ProjectId>,
        job_id: i64,
    ) -> Result<Bytes, Error<types::Error>> {
        let request = self.get_job_artifacts().id(project.into()).job_id(job_id);
        self.download(request).await
    }
}

/// The whole body of a streamed response.
async fn collect(response: ResponseValue<ByteStream>) -> Result<Bytes, Error<types::Error>> {
    let capacity = response
        .content_length()
        .unwrap_or(0)
        .min(MAX_PREALLOCATION);
    let mut buffer = BytesMut::with_capacity(usize::try_from(capacity).unwrap_or(0));
    let mut stream = response.into_inner_stream();
    while let Some(chunk) = stream.next().await {
        buffer.extend_from_slice(&chunk.map_err(Error::ResponseBodyError)?);
    }
    Ok(buffer.freeze())
}

/// Follows a redirect that the client's policy stopped (it leaves the GitLab origin) with a
/// fresh `reqwest::Client` that has no default headers, hence no token.
async fn follow_without_credentials(
    response: reqwest::Response,
) -> Result<ResponseValue<ByteStream>, Error<types::Error>> {
    let target = response
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|location| response.url().join(location).ok());
    let Some(target) = target else {
        return Err(Error::UnexpectedResponse(response));
    };
    let http = reqwest::Client::builder()
        .user_agent(DEFAULT_USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .redirect(Policy::limited(10))
        .build()
        .map_err(Error::CommunicationError)?;
    let response = http
        .get(target)
        .send()
        .await
        .map_err(Error::CommunicationError)?;
    if !response.status().is_success() {
        return Err(Error::UnexpectedResponse(response));
    }
    Ok(ResponseValue::stream(response))
}
