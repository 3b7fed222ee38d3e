"""Drives the reference server with python-gitlab, unchanged, through every operation it has.

Run by scripts/python-gitlab-smoke.sh (which installs python-gitlab into .tools/ and starts the
server on the demo data). Each step asserts what GitLab would answer; any failure exits 1.
"""
import sys

import gitlab

from python_gitlab_checks import check, summary

url, job_token = sys.argv[1], sys.argv[2]
gl = gitlab.Gitlab(url, private_token="demo-alice-token")
backend = gl.projects.get("acme/backend", lazy=True)
website = gl.projects.get("acme/website", lazy=True)


ids = [job.id for job in backend.jobs.list(get_all=True, per_page=5)]
check("list project jobs across pages, newest first", ids == sorted(ids, reverse=True) and len(ids) > 5, ids)
failed = backend.jobs.list(scope=["failed"], get_all=True)
check("scope[] filter", failed and all(job.status == "failed" for job in failed))
job = backend.jobs.get(8)
check("get job", (job.id, job.status, job.failure_reason) == (8, "failed", "script_failure"))
check("trace", backend.jobs.get(8, lazy=True).trace().startswith(b"$ bundle exec rspec"))
new = backend.jobs.get(8, lazy=True).retry()
check("retry answers a new job", new["id"] != 8 and new["status"] == "pending", new["id"])
listed = [j.id for j in backend.pipelines.get(2, lazy=True).jobs.list(get_all=True)]
check("retried job leaves the pipeline list", new["id"] in listed and 8 not in listed, listed)
with_retried = [j.id for j in backend.pipelines.get(2, lazy=True).jobs.list(include_retried=True, get_all=True)]
check("include_retried", 8 in with_retried)
bridges = backend.pipelines.get(1, lazy=True).bridges.list(get_all=True)
check("pipeline bridges", bridges and bridges[0].downstream_pipeline is not None)
manual = backend.jobs.list(scope=["manual"], get_all=True)
check("a manual job exists", manual)
manual[0].play()
check("play", manual[0].status == "pending" and manual[0].user["username"] == "alice")
pending = backend.jobs.list(scope=["pending"], get_all=True)
check("cancel", backend.jobs.get(pending[0].id, lazy=True).cancel()["status"] == "canceled")
pages = website.jobs.get(20, lazy=True)
check("artifacts archive", website.jobs.get(20, lazy=True).artifacts()[:2] == b"PK")
check("one artifact file", pages.artifact("public/index.html").startswith(b"<html>"))
check("download by ref", website.artifacts.download(ref_name="main", job="pages")[:2] == b"PK")
check("raw file by ref", website.artifacts.raw(ref_name="main", artifact_path="public/index.html", job="pages").startswith(b"<html>"))
pages.keep_artifacts()
check("keep artifacts", website.jobs.get(20).artifacts_expire_at is None)
pages.delete_artifacts()
try:
    pages.artifacts()
    check("delete artifacts", False, "archive still there")
except gitlab.exceptions.GitlabGetError as error:
    check("delete artifacts", error.response_code == 404)
erasable = backend.jobs.get(17, lazy=True)
erasable.erase()
check("erase", backend.jobs.get(17).erased_at is not None)
try:
    backend.jobs.get(999999)
    check("missing job", False)
except gitlab.exceptions.GitlabGetError as error:
    check("missing job is 404 Not found", error.response_code == 404 and "404 Not found" in str(error))
ci = gitlab.Gitlab(url, job_token=job_token)
check("GET /job with a job token", ci.http_get("/job")["status"] == "running")
check("GET /job/allowed_agents", "allowed_agents" in ci.http_get("/job/allowed_agents"))
try:
    gitlab.Gitlab(url, private_token="wrong").projects.get("acme/backend", lazy=True).jobs.list()
    check("unknown token", False)
except gitlab.exceptions.GitlabAuthenticationError:
    check("unknown token is 401", True)
print(f"python-gitlab {gitlab.__version__} against the reference server")
summary("python-gitlab")
