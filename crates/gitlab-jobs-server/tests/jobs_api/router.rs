//! The router's own behaviour, through raw HTTP requests the typed client would not send:
//! path decoding, array and scalar query forms, GitLab's validation and routing errors,
//! which credential forms each operation accepts, and authentication before validation.

use gitlab_jobs_server::Credentials;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::fake::{self, MAINTAINER, RUNNING_JOB_TOKEN};
use crate::{Auth, Server, http};

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("a JSON body: {}", String::from_utf8_lossy(&self.body)))
    }

    fn ids(&self) -> Vec<i64> {
        self.json()
            .as_array()
            .expect("a list")
            .iter()
            .map(|job| job["id"].as_i64().expect("an id"))
            .collect()
    }

    #[track_caller]
    fn assert(&self, status: u16, body: Value) {
        assert_eq!(
            self.status.as_u16(),
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.headers
                .get("content-type")
                .map(|v| v.to_str().expect("text")),
            Some("application/json")
        );
        assert_eq!(self.json(), body);
    }
}

/// Sends `method path` (path relative to the origin, sent as written) with extra headers; a
/// body is JSON unless the headers name another content type.
async fn send(
    server: &Server,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let mut request = http(Auth::None, false).request(method, format!("{}{path}", server.origin));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        {
            request = request.header("content-type", "application/json");
        }
        request = request.body(body.to_string());
    }
    let response = request.send().await.expect("a response");
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.bytes().await.expect("a body").to_vec(),
    }
}

async fn get(server: &Server, path: &str) -> Answer {
    send(
        server,
        Method::GET,
        path,
        &[("private-token", MAINTAINER)],
        None,
    )
    .await
}

#[tokio::test]
async fn path_parameters_are_percent_decoded() {
    let server = Server::start().await;
    let answer = get(&server, "/api/v4/projects/group%2Fproject/jobs?per_page=2").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.ids(), [12, 9]);
    let call = server.fake.last("list_project_jobs").expect("a call");
    assert_eq!(call.param("id"), Some("group/project"));

    // A wildcard artifact path, with literal or encoded slashes.
    for path in ["a/b/c.txt", "a%2Fb%2Fc.txt"] {
        let answer = get(
            &server,
            &format!("/api/v4/projects/1/jobs/1/artifacts/{path}"),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.body, b"hello from c\n", "{path}");
        let call = server.fake.last("get_job_artifact_file").expect("a call");
        assert_eq!(call.param("artifact_path"), Some("a/b/c.txt"), "{path}");
    }
    for path in ["a/b/c.txt", "a%2Fb/c.txt"] {
        let answer = get(
            &server,
            &format!(
                "/api/v4/projects/group%2Fproject/jobs/artifacts/feature%2Fx/raw/{path}?job=build"
            ),
        )
        .await;
        assert_eq!(answer.status, StatusCode::FOUND, "{path}");
        let call = server
            .fake
            .last("get_artifact_file_by_ref")
            .expect("a call");
        assert_eq!(call.param("id"), Some("group/project"));
        assert_eq!(call.param("ref_name"), Some("feature/x"));
        assert_eq!(call.param("artifact_path"), Some("a/b/c.txt"), "{path}");
        assert_eq!(call.param("job"), Some("build"));
    }
}

#[tokio::test]
async fn scope_is_accepted_as_an_array_or_a_single_value() {
    let server = Server::start().await;
    let both = get(
        &server,
        "/api/v4/projects/1/jobs?scope[]=failed&scope[]=manual",
    )
    .await;
    assert_eq!(both.ids(), [8, 4, 2]);
    let encoded = get(
        &server,
        "/api/v4/projects/1/jobs?scope%5B%5D=running&scope%5B%5D=manual",
    )
    .await;
    assert_eq!(encoded.ids(), [4, 3]);
    let single = get(&server, "/api/v4/projects/1/jobs?scope=running").await;
    assert_eq!(single.ids(), [3]);
    assert_eq!(
        server
            .fake
            .last("list_project_jobs")
            .expect("a call")
            .param("scope"),
        Some("running")
    );
    let bridges = get(
        &server,
        "/api/v4/projects/1/pipelines/10/bridges?scope=success",
    )
    .await;
    assert_eq!(bridges.ids(), [6]);

    // Pagination links repeat Grape's params: the array, the path's ids, the declared default.
    let page = get(
        &server,
        "/api/v4/projects/1/pipelines/10/jobs?scope[]=failed&scope[]=success&per_page=1",
    )
    .await;
    assert_eq!(page.ids(), [5]);
    let link = page.headers["link"].to_str().expect("a link");
    assert!(
        link.contains(&format!(
            "<{}/api/v4/projects/1/pipelines/10/jobs?id=1&include_retried=false&page=2&per_page=1&pipeline_id=10&scope%5B%5D=failed&scope%5B%5D=success>; rel=\"next\"",
            server.origin
        )),
        "{link}"
    );
}

#[tokio::test]
async fn invalid_parameters_get_grape_errors() {
    let server = Server::start().await;
    // (target, Grape's error).
    let refused = [
        (
            "/api/v4/projects/1/jobs?scope[]=failed&scope[]=bogus",
            "scope does not have a valid value",
        ),
        (
            "/api/v4/projects/1/jobs?scope=bogus",
            "scope does not have a valid value",
        ),
        ("/api/v4/projects/1/jobs/abc", "job_id is invalid"),
        ("/api/v4/projects/1/jobs/1.5/trace", "job_id is invalid"),
        (
            "/api/v4/projects/1/jobs/artifacts/main/download",
            "job is missing",
        ),
        (
            "/api/v4/projects/1/jobs/artifacts/main/raw/a/b/c.txt",
            "job is missing",
        ),
        (
            "/api/v4/projects/1/jobs?per_page=0",
            "per_page has a value not allowed",
        ),
        (
            "/api/v4/projects/1/pipelines/10/jobs?per_page=0",
            "per_page has a value not allowed",
        ),
        ("/api/v4/projects/1/jobs?page=first", "page is invalid"),
        (
            "/api/v4/projects/1/pipelines/10/jobs?include_retried=maybe",
            "include_retried is invalid",
        ),
        (
            "/api/v4/projects/1/jobs?pagination=cursor",
            "pagination does not have a valid value",
        ),
        // Every problem at once, as Grape joins them.
        (
            "/api/v4/projects/1/pipelines/x/jobs?scope=bogus",
            "pipeline_id is invalid, scope does not have a valid value",
        ),
    ];
    for (target, error) in refused {
        let answer = get(&server, target).await;
        assert_eq!(answer.json(), json!({ "error": error }), "{target}");
        answer.assert(400, json!({ "error": error }));
    }
    // None of these reached the implementation.
    assert!(server.fake.calls().is_empty(), "{:?}", server.fake.calls());

    // Grape's spellings of booleans; per_page above 100 is capped.
    let answer = get(
        &server,
        "/api/v4/projects/1/pipelines/10/jobs?include_retried=True&per_page=500",
    )
    .await;
    assert_eq!(answer.ids(), [8, 5, 4, 3, 2, 1]);
    assert_eq!(answer.headers["x-per-page"], "100");
    let answer = get(&server, "/api/v4/projects/1/jobs/3/cancel?force=1").await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    let answer = send(
        &server,
        Method::POST,
        "/api/v4/projects/1/jobs/3/cancel?force=1",
        &[("private-token", MAINTAINER)],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(answer.json()["status"], "canceled");
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_like_gitlab() {
    let server = Server::start().await;
    for path in [
        "/api/v4/projects/1/nope",
        "/api/v4/nope",
        "/nope",
        "/api/v3/projects/1/jobs",
        "/api/v4/projects/1/jobs/1/trace/extra",
    ] {
        get(&server, path)
            .await
            .assert(404, json!({"error": "404 Not Found"}));
    }
    let wrong = [
        (Method::DELETE, "/api/v4/projects/1/jobs/1"),
        (Method::POST, "/api/v4/projects/1/jobs"),
        (Method::GET, "/api/v4/projects/1/jobs/1/cancel"),
        (Method::PUT, "/api/v4/projects/1/jobs/1/artifacts"),
        (Method::POST, "/api/v4/job"),
    ];
    for (method, path) in wrong {
        send(
            &server,
            method,
            path,
            &[("private-token", MAINTAINER)],
            None,
        )
        .await
        .assert(405, json!({"error": "405 Not Allowed"}));
    }
    // Unauthenticated requests to wrong methods are still 405, not 401, and say which
    // methods the path has.
    let answer = send(
        &server,
        Method::DELETE,
        "/api/v4/projects/1/jobs/1",
        &[],
        None,
    )
    .await;
    answer.assert(405, json!({"error": "405 Not Allowed"}));
    assert_eq!(answer.headers["allow"], "GET,HEAD");
    assert!(server.fake.calls().is_empty(), "{:?}", server.fake.calls());
}

#[tokio::test]
async fn play_bodies_are_validated() {
    let server = Server::start().await;
    let play = |body: &'static str| {
        let server = &server;
        async move {
            send(
                server,
                Method::POST,
                "/api/v4/projects/1/jobs/4/play",
                &[("private-token", MAINTAINER)],
                Some(body),
            )
            .await
        }
    };
    play("{\"job_variables_attributes\": [").await.assert(
        400,
        json!({"error": "message body does not match declared format"}),
    );
    play("{\"job_variables_attributes\": [{\"value\": \"v\"}]}")
        .await
        .assert(
            400,
            json!({"error": "job_variables_attributes[0][key] is missing"}),
        );
    play("{\"job_variables_attributes\": [{\"key\": \"A\", \"value\": \"1\"}, {\"key\": \"B\"}]}")
        .await
        .assert(
            400,
            json!({"error": "job_variables_attributes[1][value] is missing"}),
        );
    play("{\"job_variables_attributes\": \"A=1\"}")
        .await
        .assert(400, json!({"error": "job_variables_attributes is invalid"}));
    assert!(server.fake.calls().is_empty(), "{:?}", server.fake.calls());

    // No body at all is fine: the body is optional.
    let answer = send(
        &server,
        Method::POST,
        "/api/v4/projects/1/jobs/4/play",
        &[("private-token", MAINTAINER)],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["status"], "pending");
    assert!(server.fake.variables(4).is_empty());
}

/// Grape validates declared parameters from Rack's `params`: the query string merged with the
/// body, which may be form-encoded (`a[][key]=K&a[][value]=V`, Rack's array of hashes). Each
/// form is read and validated as a JSON body is.
#[tokio::test]
async fn play_parameters_may_come_as_a_form_or_in_the_query_string() {
    const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");
    const PLAY: &str = "/api/v4/projects/1/jobs/4/play";
    let auth = ("private-token", MAINTAINER);
    let pairs = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    };

    let server = Server::start().await;
    let form = "job_variables_attributes[][key]=A&job_variables_attributes[][value]=1&\
                job_variables_attributes[][key]=B&job_variables_attributes[][value]=two+words%21";
    let answer = send(&server, Method::POST, PLAY, &[auth, FORM], Some(form)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        server.fake.variables(4),
        pairs(&[("A", "1"), ("B", "two words!")])
    );

    let server = Server::start().await;
    let query = "?job_variables_attributes%5B%5D%5Bkey%5D=Q&job_variables_attributes[][value]=q";
    let answer = send(
        &server,
        Method::POST,
        &format!("{PLAY}{query}"),
        &[auth],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(server.fake.variables(4), pairs(&[("Q", "q")]));

    // The body wins over the query string (`GET.merge(POST)`).
    let server = Server::start().await;
    let body = r#"{"job_variables_attributes": [{"key": "J", "value": "j"}]}"#;
    let answer = send(
        &server,
        Method::POST,
        &format!("{PLAY}?job_variables_attributes=x"),
        &[auth],
        Some(body),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(server.fake.variables(4), pairs(&[("J", "j")]));

    // Invalid in any place: 400 before the implementation is called.
    let server = Server::start().await;
    let invalid = |error: &str| json!({"error": error});
    for (target, headers, body, error) in [
        (
            format!("{PLAY}?job_variables_attributes=x"),
            vec![auth],
            None,
            "job_variables_attributes is invalid",
        ),
        (
            PLAY.to_string(),
            vec![auth, FORM],
            Some("job_variables_attributes=x"),
            "job_variables_attributes is invalid",
        ),
        (
            PLAY.to_string(),
            vec![auth, FORM],
            Some("job_variables_attributes[][value]=v"),
            "job_variables_attributes[0][key] is missing",
        ),
        // Rack reads `[0]` as a hash key, and a hash is no array.
        (
            PLAY.to_string(),
            vec![auth, FORM],
            Some("job_variables_attributes[0][key]=K&job_variables_attributes[0][value]=V"),
            "job_variables_attributes is invalid",
        ),
        (
            PLAY.to_string(),
            vec![auth, FORM],
            Some("job_variables_attributes[]=1&job_variables_attributes[k]=2"),
            "expected Hash (got Array) for param `job_variables_attributes'",
        ),
        (
            format!("{PLAY}?job_variables_attributes[][key]=%zz"),
            vec![auth],
            None,
            "invalid %-encoding (%zz)",
        ),
    ] {
        send(&server, Method::POST, &target, &headers, body)
            .await
            .assert(400, invalid(error));
    }
    assert!(server.fake.calls().is_empty(), "{:?}", server.fake.calls());

    // Undeclared parameters are not the body's business, and a bare name is nil to Rack,
    // which GitLab treats as absent.
    let answer = send(
        &server,
        Method::POST,
        &format!("{PLAY}?other[]=1&other[x]=2&job_variables_attributes"),
        &[auth, FORM],
        Some("unknown=%zz&job_variables_attributes"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(server.fake.variables(4).is_empty());
}

#[tokio::test]
async fn credential_forms_are_accepted_only_where_the_operation_allows_them() {
    let server = Server::start().await;
    let seen = |op: &str| server.fake.last(op).expect("a call").credentials;
    let job_token = Credentials::JobToken(RUNNING_JOB_TOKEN.into());
    // "gitlab-ci-token:job-token-3"
    let basic = "Basic Z2l0bGFiLWNpLXRva2VuOmpvYi10b2tlbi0z";

    // Job tokens on a route that allows them, in every form.
    for headers in [
        vec![("job-token", RUNNING_JOB_TOKEN)],
        vec![("authorization", basic)],
    ] {
        let answer = send(
            &server,
            Method::GET,
            "/api/v4/projects/1/jobs",
            &headers,
            None,
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{headers:?}");
        assert_eq!(seen("list_project_jobs"), job_token, "{headers:?}");
    }
    let answer = send(
        &server,
        Method::GET,
        &format!("/api/v4/projects/1/jobs?job_token={RUNNING_JOB_TOKEN}"),
        &[],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(seen("list_project_jobs"), job_token);
    let answer = send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs",
        &[("authorization", "Bearer job-token-3")],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        seen("list_project_jobs"),
        Credentials::Bearer(RUNNING_JOB_TOKEN.into())
    );
    let answer = send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs/1/artifacts",
        &[("authorization", basic)],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(seen("get_job_artifacts"), job_token);

    // Personal tokens: header, query parameter, and first among several.
    let answer = send(
        &server,
        Method::GET,
        &format!("/api/v4/projects/1/jobs/1?private_token={MAINTAINER}"),
        &[],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        seen("get_job"),
        Credentials::PrivateToken(MAINTAINER.into())
    );
    let answer = send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs",
        &[
            ("job-token", RUNNING_JOB_TOKEN),
            ("private-token", MAINTAINER),
        ],
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        seen("list_project_jobs"),
        Credentials::PrivateToken(MAINTAINER.into())
    );

    // Job tokens where the route does not allow them are ignored, so the request is
    // unauthenticated: 401 before the implementation is called.
    let before = server.fake.calls().len();
    let unauthorized = json!({"message": "401 Unauthorized"});
    for (method, path) in [
        (Method::GET, "/api/v4/projects/1/jobs/1"),
        (Method::GET, "/api/v4/projects/1/jobs/1/trace"),
        (Method::POST, "/api/v4/projects/1/jobs/3/cancel"),
        (Method::DELETE, "/api/v4/projects/1/jobs/1/artifacts"),
        (Method::POST, "/api/v4/projects/1/jobs/1/artifacts/keep"),
    ] {
        for headers in [
            vec![("job-token", RUNNING_JOB_TOKEN)],
            vec![("authorization", basic)],
        ] {
            send(&server, method.clone(), path, &headers, None)
                .await
                .assert(401, unauthorized.clone());
        }
        send(
            &server,
            method.clone(),
            &format!("{path}?job_token={RUNNING_JOB_TOKEN}"),
            &[],
            None,
        )
        .await
        .assert(401, unauthorized.clone());
    }
    // Blank tokens and other basic-auth users count as nothing.
    send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs",
        &[("private-token", " ")],
        None,
    )
    .await
    .assert(401, unauthorized.clone());
    // "root:secret"
    send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs",
        &[("authorization", "Basic cm9vdDpzZWNyZXQ=")],
        None,
    )
    .await
    .assert(401, unauthorized.clone());
    assert_eq!(
        server.fake.calls().len(),
        before,
        "the implementation was called"
    );

    // /job authenticates personal tokens too, and then finds no job behind them
    // (`validate_current_authenticated_job`): the implementation sees the token.
    send(
        &server,
        Method::GET,
        "/api/v4/job",
        &[("private-token", MAINTAINER)],
        None,
    )
    .await
    .assert(404, json!({"message": "404 Job Not Found"}));

    // Anonymous access where the operation allows it.
    for (op, path) in [
        ("list_pipeline_jobs", "/api/v4/projects/1/pipelines/10/jobs"),
        (
            "list_pipeline_bridges",
            "/api/v4/projects/1/pipelines/10/bridges",
        ),
        ("get_job_artifacts", "/api/v4/projects/1/jobs/1/artifacts"),
        (
            "download_artifacts_by_ref",
            "/api/v4/projects/1/jobs/artifacts/main/download?job=build",
        ),
        (
            "get_job_artifact_file",
            "/api/v4/projects/1/jobs/1/artifacts/report.xml",
        ),
        (
            "get_artifact_file_by_ref",
            "/api/v4/projects/1/jobs/artifacts/main/raw/report.xml?job=build",
        ),
    ] {
        let answer = send(&server, Method::GET, path, &[], None).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(seen(op), Credentials::Anonymous, "{op}");
    }
    // ... and only there.
    send(&server, Method::GET, "/api/v4/projects/1/jobs", &[], None)
        .await
        .assert(401, unauthorized.clone());
    send(
        &server,
        Method::GET,
        "/api/v4/job/allowed_agents",
        &[],
        None,
    )
    .await
    .assert(401, unauthorized);
}

#[tokio::test]
async fn authentication_comes_before_validation() {
    let server = Server::start().await;
    let unauthorized = json!({"message": "401 Unauthorized"});
    send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs/abc",
        &[],
        None,
    )
    .await
    .assert(401, unauthorized.clone());
    send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs?scope=bogus&per_page=0",
        &[],
        None,
    )
    .await
    .assert(401, unauthorized.clone());
    send(
        &server,
        Method::POST,
        "/api/v4/projects/1/jobs/4/play",
        &[],
        Some("{not json"),
    )
    .await
    .assert(401, unauthorized.clone());
    send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs/abc/trace",
        &[("job-token", RUNNING_JOB_TOKEN)],
        None,
    )
    .await
    .assert(401, unauthorized);
    // Where anonymous access is allowed, validation answers.
    send(
        &server,
        Method::GET,
        "/api/v4/projects/1/pipelines/abc/jobs",
        &[],
        None,
    )
    .await
    .assert(400, json!({"error": "pipeline_id is invalid"}));
    send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs/abc/artifacts",
        &[],
        None,
    )
    .await
    .assert(400, json!({"error": "job_id is invalid"}));
    assert!(server.fake.calls().is_empty(), "{:?}", server.fake.calls());
}

#[tokio::test]
async fn responses_carry_gitlab_headers_and_content_types() {
    let server = Server::start().await;
    let trace = get(&server, "/api/v4/projects/1/jobs/1/trace").await;
    assert_eq!(trace.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        trace.headers["content-disposition"],
        "infile; filename=\"1.log\""
    );
    assert_eq!(trace.body, b"Running with gitlab-runner\nJob succeeded\n");

    let archive = get(&server, "/api/v4/projects/1/jobs/1/artifacts").await;
    assert_eq!(archive.headers["content-type"], "application/octet-stream");
    assert_eq!(
        archive.headers["content-disposition"],
        "attachment; filename=\"artifacts.zip\""
    );
    assert_eq!(archive.body, fake::archive_bytes(1));

    let redirect = get(&server, "/api/v4/projects/1/jobs/5/artifacts").await;
    assert_eq!(redirect.status, StatusCode::FOUND);
    assert_eq!(
        redirect.headers["location"],
        format!(
            "{}/artifacts/5/artifacts.zip?X-Amz-Signature=fake",
            fake::OBJECT_STORE
        )
        .as_str()
    );
    assert!(redirect.body.is_empty());

    let deleted = send(
        &server,
        Method::DELETE,
        "/api/v4/projects/1/jobs/1/artifacts",
        &[("private-token", MAINTAINER)],
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_empty());

    // An out-of-range page: 200, [], both neighbours empty.
    let beyond = get(&server, "/api/v4/projects/1/pipelines/10/jobs?page=9").await;
    assert_eq!(beyond.ids(), Vec::<i64>::new());
    assert_eq!(beyond.headers["x-next-page"], "");
    assert_eq!(beyond.headers["x-prev-page"], "");
    assert_eq!(beyond.headers["x-total"], "5");

    // Error bodies of the implementation keep their shape.
    let limited = send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs",
        &[("private-token", fake::RATE_LIMITED)],
        None,
    )
    .await;
    limited.assert(
        429,
        json!({"message": {"error": "This endpoint has been requested too many times. Try again later."}}),
    );
    let expired = send(
        &server,
        Method::GET,
        "/api/v4/projects/1/jobs",
        &[("authorization", "Bearer expired-oauth-token")],
        None,
    )
    .await;
    expired.assert(
        401,
        json!({"error": "invalid_token", "error_description": "Token is expired. You can either do re-authorization or token refresh."}),
    );
    assert_eq!(expired.headers["www-authenticate"], fake::EXPIRED_CHALLENGE);
}

/// GitLab matches routes per method: `GET .../artifacts/keep` is the archive file `keep`
/// (`*artifact_path`), only `POST .../artifacts/keep` keeps the artifacts. axum matches the
/// path first, so the generated router gives the static route the wildcard's GET as well.
#[tokio::test]
async fn an_artifact_file_named_keep_can_be_downloaded() {
    let server = Server::start().await;
    // Job 12's archive has a file `keep`.
    let file = get(&server, "/api/v4/projects/1/jobs/12/artifacts/keep").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, b"kept notes\n");
    assert_eq!(
        file.headers["content-disposition"],
        r#"attachment; filename="keep""#
    );
    let call = server.fake.last("get_job_artifact_file").expect("a call");
    assert_eq!(
        (call.param("job_id"), call.param("artifact_path")),
        (Some("12"), Some("keep"))
    );
    // Job 1's has none: GitLab's 404 for a missing file.
    get(&server, "/api/v4/projects/1/jobs/1/artifacts/keep")
        .await
        .assert(404, json!({"message": "404 Not Found"}));
    assert_eq!(
        server
            .fake
            .last("get_job_artifact_file")
            .expect("a call")
            .param("artifact_path"),
        Some("keep")
    );
    // POST still keeps the artifacts, and other methods still answer 405.
    let kept = send(
        &server,
        Method::POST,
        "/api/v4/projects/1/jobs/1/artifacts/keep",
        &[("private-token", MAINTAINER)],
        None,
    )
    .await;
    assert_eq!(kept.status, StatusCode::OK);
    assert!(server.fake.last("keep_job_artifacts").is_some());
    send(
        &server,
        Method::DELETE,
        "/api/v4/projects/1/jobs/1/artifacts/keep",
        &[("private-token", MAINTAINER)],
        None,
    )
    .await
    .assert(405, json!({"error": "405 Not Allowed"}));
}

/// Grape coerces `per_page` to an Integer before checking `except_values: [0]`, so every
/// spelling of zero is refused.
#[tokio::test]
async fn every_spelling_of_per_page_zero_is_refused() {
    let server = Server::start().await;
    for zero in ["0", "00", "-0", "%2B0"] {
        get(&server, &format!("/api/v4/projects/1/jobs?per_page={zero}"))
            .await
            .assert(400, json!({"error": "per_page has a value not allowed"}));
    }
}
