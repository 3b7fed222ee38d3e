"""python-gitlab, unchanged, watches a job run: a runner driven with plain HTTP through the
runner endpoints (POST /jobs/request, PATCH /jobs/:id/trace, PUT /jobs/:id) takes a pending
build, writes its log in three parts and finishes it; after each step python-gitlab sees the
job's status and its log as GitLab would show them (pending -> running -> success, the log
growing).

Run by scripts/python-gitlab-smoke.sh after the smoke checks, on the same server. Any
failure exits 1.
"""
import json
import sys
import urllib.request

import gitlab

from python_gitlab_checks import check, summary

url, runner_token = sys.argv[1], sys.argv[2]
gl = gitlab.Gitlab(url, private_token="demo-root-token")


def runner_call(method, path, body, headers=None):
    """One plain HTTP request of the runner; (status, headers, body)."""
    request = urllib.request.Request(f"{url}/api/v4{path}", data=body, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# Every pending build python-gitlab sees before the runner asks.
pending = {}
for path in ["acme/backend", "acme/website", "acme/docs", "acme/infra", "demo/load"]:
    project = gl.projects.get(path, lazy=True)
    for job in project.jobs.list(scope=["pending"], get_all=True):
        pending[job.id] = path
check("python-gitlab lists pending builds", pending, pending)

status, headers, body = runner_call(
    "POST", "/jobs/request",
    json.dumps({"token": runner_token, "info": {"name": "gitlab-runner", "version": "17.0.0"}}).encode(),
    {"Content-Type": "application/json"},
)
check("the runner is given a job (201)", status == 201, status)
payload = json.loads(body)
job_id, job_token = payload["id"], payload["token"]
project = gl.projects.get(payload["job_info"]["project_full_path"], lazy=True)
check("python-gitlab saw it pending before", pending.get(job_id) == payload["job_info"]["project_full_path"], job_id)
job = project.jobs.get(job_id)
check("python-gitlab sees it running, on the runner", job.status == "running" and job.runner["id"] == 1 and job.started_at, job.status)

log = b""
for part in [b"Running with gitlab-runner 17.0.0\n", b"$ " + payload["steps"][0]["script"][0].encode() + b"\n", b"Job succeeded\n"]:
    status, headers, _ = runner_call(
        "PATCH", f"/jobs/{job_id}/trace", part,
        {"JOB-TOKEN": job_token, "Content-Range": f"{len(log)}-{len(log) + len(part) - 1}", "Content-Type": "text/plain"},
    )
    log += part
    check(f"trace patch accepted (202, Range 0-{len(log)})", status == 202 and headers["Range"] == f"0-{len(log)}", (status, dict(headers)))
    check("python-gitlab sees the log grow", project.jobs.get(job_id, lazy=True).trace() == log)
    check("still running", project.jobs.get(job_id).status == "running")

status, headers, body = runner_call(
    "PATCH", f"/jobs/{job_id}/trace", b"again",
    {"JOB-TOKEN": job_token, "Content-Range": "0-4"},
)
check("a patch that does not continue the log is 416 with the stored Range", status == 416 and headers["Range"] == f"0-{len(log)}", status)

status, headers, body = runner_call(
    "PUT", f"/jobs/{job_id}",
    json.dumps({"token": job_token, "state": "success", "exit_code": 0}).encode(),
    {"Content-Type": "application/json"},
)
check("the runner finishes it (200)", status == 200 and headers["Job-Status"] == "success", status)
job = project.jobs.get(job_id)
check("python-gitlab sees it succeeded", job.status == "success" and job.finished_at and job.duration is not None, job.status)
check("with its whole log", project.jobs.get(job_id, lazy=True).trace() == log)
status, headers, _ = runner_call(
    "PUT", f"/jobs/{job_id}",
    json.dumps({"token": job_token, "state": "success"}).encode(),
    {"Content-Type": "application/json"},
)
check("its token is refused afterwards (403, Job-Status)", status == 403 and headers["Job-Status"] == "success", status)
summary("python-gitlab live")
