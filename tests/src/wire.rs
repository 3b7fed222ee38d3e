//! HTTP/1.1 on loopback as it really goes over the wire, for the live contract tests.
//!
//! - [`send`]: a client that writes a request exactly as given (no URL normalisation, so
//!   `../x`, `%2E%2E/x` and malformed bodies reach the server unchanged) and returns the
//!   response as it came: status, headers and body bytes (de-chunked).
//! - [`Recorder`]: a recording proxy to put between a real HTTP client (the generated one)
//!   and the server. Every exchange is kept, raw, so that a test can drive an operation
//!   through the typed client and still check the bytes against the document.
//! - [`verdict`]: one exchange against the document (expected status, never 5xx,
//!   [`conformance::check`]), as a message naming the operation,
//!   the request, the status and what broke.
//!
//! Blocking I/O on threads, on purpose: it needs nothing but `std`, and an async test calls
//! [`send`] through `tokio::task::spawn_blocking` so that the server keeps running.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

use crate::conformance::{self, Observed};
use crate::validate::Validators;

/// Longest wait for any single read or write; a test server answers in milliseconds.
const IO_TIMEOUT: Duration = Duration::from_secs(15);
/// Largest request or response head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Characters of a body quoted in a failure message.
const QUOTED_BODY: usize = 400;

/// A request to write verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The request target exactly as sent: path and query, already percent-encoded as wanted.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn new(method: &str, target: &str) -> Request {
        Request {
            method: method.to_owned(),
            target: target.to_owned(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn get(target: &str) -> Request {
        Request::new("GET", target)
    }

    pub fn post(target: &str) -> Request {
        Request::new("POST", target)
    }

    /// Adds a header (kept in order; `Host`, `Content-Length` and `Connection` are written
    /// by [`send`]).
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// `PRIVATE-TOKEN: token`.
    pub fn token(self, token: &str) -> Request {
        self.header("PRIVATE-TOKEN", token)
    }

    /// A body with its content type, sent as given even if it is not what it claims.
    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self.header("Content-Type", content_type)
    }

    /// `METHOD target`, for messages.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.target)
    }

    fn to_bytes(&self, host: &str) -> Vec<u8> {
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {host}\r\n",
            self.method, self.target
        );
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if !self.body.is_empty() || !matches!(self.method.as_str(), "GET" | "HEAD" | "DELETE") {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        head.push_str("Connection: close\r\n\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// One request and its response, as they crossed the wire.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    pub target: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Vec<u8>,
    pub response: Observed,
}

impl Exchange {
    /// `METHOD target → status`, for messages.
    pub fn summary(&self) -> String {
        format!("{} {} → {}", self.method, self.target, self.response.status)
    }

    /// The value of a response header (first one, any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.response.headers, name)
    }

    /// The response body as JSON.
    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.response.body).with_context(|| {
            format!(
                "{}: the body is not JSON: {}",
                self.summary(),
                quote(&self.response.body)
            )
        })
    }
}

/// The first header called `name`, in any case.
pub fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// A body for a message: lossy UTF-8, cut after a few hundred characters.
pub fn quote(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(QUOTED_BODY) {
        Some((cut, _)) => format!("{:?}… ({} bytes)", &text[..cut], body.len()),
        None => format!("{text:?}"),
    }
}

/// Sends `request` to `addr` on a new connection and reads the whole response. Blocking.
pub fn send(addr: SocketAddr, request: &Request) -> Result<Exchange> {
    let mut stream = connect(addr)?;
    stream
        .write_all(&request.to_bytes(&addr.to_string()))
        .with_context(|| format!("{}: writing the request to {addr}", request.line()))?;
    let raw = read_to_close(&mut stream)
        .with_context(|| format!("{}: reading the response from {addr}", request.line()))?;
    let response = parse_response_to(&request.method, &raw)
        .with_context(|| format!("{}: the response", request.line()))?;
    Ok(Exchange {
        method: request.method.clone(),
        target: request.target.clone(),
        request_headers: request.headers.clone(),
        request_body: request.body.clone(),
        response,
    })
}

/// The address of an `http://host:port[/...]` URL (loopback test servers only).
pub fn socket_addr(url: &str) -> Result<SocketAddr> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("{url}: only http:// URLs"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    authority
        .parse()
        .with_context(|| format!("{url}: the authority is not an IP address and port"))
}

fn connect(addr: SocketAddr) -> Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    Ok(stream)
}

/// Everything until the peer closes (requests are sent with `Connection: close`).
fn read_to_close(stream: &mut TcpStream) -> Result<Vec<u8>> {
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => Ok(raw),
        // A server that answers and resets instead of closing cleanly still answered.
        Err(error) if error.kind() == ErrorKind::ConnectionReset && !raw.is_empty() => Ok(raw),
        Err(error) => Err(error.into()),
    }
}

/// Where the head of an HTTP message ends (after the blank line).
fn head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
}

/// The start line and headers of a message head.
fn parse_head(head: &[u8]) -> Result<(String, Vec<(String, String)>)> {
    let text = std::str::from_utf8(head).context("the head is not UTF-8")?;
    let mut lines = text.split("\r\n").filter(|line| !line.is_empty());
    let start = lines
        .next()
        .ok_or_else(|| anyhow!("empty head"))?
        .to_owned();
    let headers = lines
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| anyhow!("malformed header line {line:?}"))?;
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect::<Result<_>>()?;
    Ok((start, headers))
}

/// A complete response to a GET (or any method but HEAD): status line, headers, and the body
/// framed by `Transfer-Encoding: chunked`, `Content-Length`, or the end of the connection.
pub fn parse_response(raw: &[u8]) -> Result<Observed> {
    parse_response_to("GET", raw)
}

/// A complete response to a `method` request: as [`parse_response`], except that responses to
/// HEAD, and 1xx, 204 and 304 responses, have no body whatever their headers say.
pub fn parse_response_to(method: &str, raw: &[u8]) -> Result<Observed> {
    let end = head_end(raw).ok_or_else(|| {
        anyhow!(
            "no complete head in {} bytes: {}",
            raw.len(),
            quote(&raw[..raw.len().min(200)])
        )
    })?;
    let (status_line, headers) = parse_head(&raw[..end])?;
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        bail!("not an HTTP/1.x status line: {status_line:?}");
    }
    let status: u16 = parts
        .next()
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| anyhow!("no status code in {status_line:?}"))?;
    let rest = &raw[end..];
    let chunked = header(&headers, "transfer-encoding")
        .is_some_and(|value| value.to_ascii_lowercase().contains("chunked"));
    let bodyless =
        method.eq_ignore_ascii_case("HEAD") || status < 200 || matches!(status, 204 | 304);
    let body = if bodyless {
        Vec::new()
    } else if chunked {
        dechunk(rest)?
    } else if let Some(length) = header(&headers, "content-length") {
        let length: usize = length
            .parse()
            .with_context(|| format!("Content-Length {length:?}"))?;
        if rest.len() < length {
            bail!("Content-Length {length} but only {} body bytes", rest.len());
        }
        rest[..length].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Observed {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| anyhow!("truncated chunk size line"))?;
        let size_text = std::str::from_utf8(&rest[..line_end])?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .with_context(|| format!("chunk size {size_text:?}"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        if rest.len() < size + 2 {
            bail!("truncated chunk of {size} bytes");
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// A recording HTTP proxy on `127.0.0.1:0`: point a client at [`Recorder::base_url`] and it
/// reaches the upstream server, while every exchange is kept for [`Recorder::take`].
///
/// Each request is forwarded on its own upstream connection with `Connection: close`, and
/// the response goes back to the client with the server's status line, headers (framing
/// headers recomputed) and body, plus `Connection: close`. The `Host` header is forwarded
/// unchanged, so links the server builds from it (pagination) point back at the proxy and
/// are recorded too. An exchange is recorded before the client gets the response, so after
/// a client call returns its exchanges are all there.
pub struct Recorder {
    addr: SocketAddr,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Recorder {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`, any path ignored).
    pub fn start(upstream: &str) -> Result<Recorder> {
        let upstream = socket_addr(upstream)?;
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the recorder")?;
        let addr = listener.local_addr()?;
        let exchanges = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let exchanges = Arc::clone(&exchanges);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("wire-recorder".into())
                .spawn(move || {
                    for connection in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(connection) = connection else { continue };
                        let exchanges = Arc::clone(&exchanges);
                        std::thread::spawn(move || proxy(connection, upstream, &exchanges));
                    }
                })
                .context("spawning the recorder")?
        };
        Ok(Recorder {
            addr,
            exchanges,
            stop,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT` of the proxy.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every exchange since the last call, oldest first.
    pub fn take(&self) -> Vec<Exchange> {
        match self.exchanges.lock() {
            Ok(mut exchanges) => std::mem::take(&mut *exchanges),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Serves one client connection: one request, forwarded and recorded.
fn proxy(mut client: TcpStream, upstream: SocketAddr, exchanges: &Mutex<Vec<Exchange>>) {
    let _ = client.set_read_timeout(Some(IO_TIMEOUT));
    let _ = client.set_write_timeout(Some(IO_TIMEOUT));
    let answer = match read_request(&mut client) {
        Ok(None) => return, // the wake-up connection of `Drop`, or a client that gave up
        Ok(Some((request, host))) => {
            let host = host.unwrap_or_else(|| upstream.to_string());
            let forwarded = send_forward(upstream, &host, &request);
            let response = forwarded.unwrap_or_else(|error| Observed {
                status: 502,
                headers: vec![("content-type".into(), "text/plain".into())],
                body: format!("recorder: {error:#}").into_bytes(),
            });
            let bytes = response_bytes(&request.method, &response);
            let exchange = Exchange {
                method: request.method,
                target: request.target,
                request_headers: request.headers,
                request_body: request.body,
                response,
            };
            match exchanges.lock() {
                Ok(mut list) => list.push(exchange),
                Err(poisoned) => poisoned.into_inner().push(exchange),
            }
            bytes
        }
        Err(error) => response_bytes(
            "GET",
            &Observed {
                status: 400,
                headers: vec![("content-type".into(), "text/plain".into())],
                body: format!("recorder: {error:#}").into_bytes(),
            },
        ),
    };
    let _ = client.write_all(&answer);
    let _ = client.flush();
    let _ = client.shutdown(Shutdown::Write);
}

/// The next request on a client connection, with its `Host`; `None` when the client closed
/// without sending one.
fn read_request(stream: &mut TcpStream) -> Result<Option<(Request, Option<String>)>> {
    let mut raw = Vec::new();
    let mut buffer = [0u8; 8192];
    let end = loop {
        if let Some(end) = head_end(&raw) {
            break end;
        }
        if raw.len() > MAX_HEAD {
            bail!("request head larger than {MAX_HEAD} bytes");
        }
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            if raw.is_empty() {
                return Ok(None);
            }
            bail!("the client closed mid-head");
        }
        raw.extend_from_slice(&buffer[..read]);
    };
    let (line, headers) = parse_head(&raw[..end])?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        bail!("malformed request line {line:?}");
    };
    if header(&headers, "transfer-encoding").is_some() {
        bail!("chunked request bodies are not supported by the recorder");
    }
    let length: usize = match header(&headers, "content-length") {
        Some(length) => length.parse().context("Content-Length")?,
        None => 0,
    };
    let mut body = raw[end..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            bail!("the client closed mid-body");
        }
        body.extend_from_slice(&buffer[..read]);
    }
    body.truncate(length);
    let host = header(&headers, "host").map(str::to_owned);
    let headers = headers
        .into_iter()
        .filter(|(name, _)| !is_connection_header(name) && !name.eq_ignore_ascii_case("host"))
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
        .collect();
    let request = Request {
        method: method.to_owned(),
        target: target.to_owned(),
        headers,
        body,
    };
    Ok(Some((request, host)))
}

/// Forwards a request read from a client, with the client's `Host` so that links the server
/// builds point back at the proxy.
fn send_forward(upstream: SocketAddr, host: &str, request: &Request) -> Result<Observed> {
    let mut stream = connect(upstream)?;
    stream.write_all(&request.to_bytes(host))?;
    let raw = read_to_close(&mut stream)?;
    parse_response_to(&request.method, &raw)
}

fn is_connection_header(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "upgrade",
    ]
    .iter()
    .any(|hop| name.eq_ignore_ascii_case(hop))
}

/// A response for the client: the server's status and headers, the body re-framed with
/// `Content-Length` (unless the status has no body), and `Connection: close`.
fn response_bytes(method: &str, response: &Observed) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        let framing = name.eq_ignore_ascii_case("content-length")
            || name.eq_ignore_ascii_case("transfer-encoding");
        if !framing && !is_connection_header(name) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let bodyless =
        method == "HEAD" || response.status < 200 || matches!(response.status, 204 | 304);
    if !bodyless {
        head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut bytes = head.into_bytes();
    if !bodyless {
        bytes.extend_from_slice(&response.body);
    }
    bytes
}

/// The standard reason phrase (`http`'s table), or `Status` for a code without one.
fn reason(status: u16) -> &'static str {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or("Status")
}

/// Checks one exchange of `operation_id`: the status is `expected` (and not 5xx), and the
/// response conforms to the document. `Err` is a message naming the operation, the request,
/// the status and everything that broke.
pub fn verdict(
    validators: &Validators<'_>,
    operation_id: &str,
    exchange: &Exchange,
    expected: u16,
) -> std::result::Result<(), String> {
    let status = exchange.response.status;
    let mut problems = Vec::new();
    if status >= 500 {
        problems.push(format!("a server error ({status})"));
    }
    if status != expected {
        problems.push(format!("expected status {expected}, got {status}"));
    }
    // Every finding counts here, warnings too: the reference server must say exactly what
    // the document says.
    match conformance::check(validators, operation_id, &exchange.response) {
        Ok(found) => problems.extend(found.iter().map(ToString::to_string)),
        Err(error) => problems.push(format!("the document could not be read: {error:#}")),
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{operation_id}: {}:\n    {}\n    body: {}",
        exchange.summary(),
        problems.join("\n    "),
        quote(&exchange.response.body)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_length_chunked_and_close_framed_responses() {
        let length =
            parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nX-A: 1\r\n\r\nhiEXTRA")
                .expect("parses");
        assert_eq!((length.status, length.body.as_slice()), (200, &b"hi"[..]));
        assert_eq!(header(&length.headers, "x-a"), Some("1"));

        let chunked = parse_response(
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
        )
        .expect("parses");
        assert_eq!(
            (chunked.status, chunked.body.as_slice()),
            (404, &b"abcde"[..])
        );

        let closed = parse_response(b"HTTP/1.0 204 No Content\r\n\r\n").expect("parses");
        assert!(closed.body.is_empty());

        let head = parse_response_to("HEAD", b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n")
            .expect("a HEAD response has no body");
        assert_eq!((head.status, head.body.len()), (200, 0));

        assert!(parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nshort").is_err());
        assert!(parse_response(b"garbage").is_err());
    }

    #[test]
    fn requests_are_written_verbatim() {
        let request = Request::get("/api/v4/projects/1/jobs/1/artifacts/%2E%2E/x").token("t");
        let text = String::from_utf8(request.to_bytes("127.0.0.1:1")).expect("text");
        assert!(
            text.starts_with("GET /api/v4/projects/1/jobs/1/artifacts/%2E%2E/x HTTP/1.1\r\n"),
            "{text}"
        );
        assert!(text.contains("PRIVATE-TOKEN: t\r\n") && !text.contains("Content-Length"));
        let post = Request::post("/x").body("application/json", "{");
        let text = String::from_utf8(post.to_bytes("h")).expect("text");
        assert!(text.contains("Content-Length: 1\r\n") && text.ends_with("\r\n\r\n{"));
    }

    #[test]
    fn recorder_forwards_and_keeps_each_exchange() {
        let upstream = TcpListener::bind("127.0.0.1:0").expect("binds");
        let upstream_addr = upstream.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            let (mut stream, _) = upstream.accept().expect("accepts");
            let (request, host) = read_request(&mut stream)
                .expect("reads")
                .expect("a request");
            assert!(host.is_some_and(|host| host.starts_with("127.0.0.1:")));
            let body = format!(
                "{} {} {}",
                request.method,
                request.target,
                request.body.len()
            );
            let answer = format!(
                "HTTP/1.1 201 Created\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
                body.len()
            );
            stream.write_all(answer.as_bytes()).expect("writes");
        });
        let recorder = Recorder::start(&format!("http://{upstream_addr}")).expect("starts");
        let proxy = socket_addr(&recorder.base_url()).expect("addr");
        let exchange =
            send(proxy, &Request::post("/a?b=1").body("text/plain", "xyz")).expect("round trip");
        server.join().expect("upstream thread");
        assert_eq!(exchange.response.status, 201);
        assert_eq!(exchange.response.body, b"POST /a?b=1 3");
        let recorded = recorder.take();
        assert_eq!(recorded.len(), 1);
        assert_eq!(recorded[0].target, "/a?b=1");
        assert_eq!(recorded[0].request_body, b"xyz");
        assert_eq!(
            header(&recorded[0].response.headers, "transfer-encoding"),
            Some("chunked"),
            "the recorded response keeps the server's own headers"
        );
        assert!(recorder.take().is_empty());
    }
}
