//! The `web_url`s GitLab shows (`Gitlab::Routing` paths under the instance URL).

use crate::model::Id;

/// `https://host/group/project/-/jobs/7`.
pub fn job_web_url(base_url: &str, project_path: &str, job_id: Id) -> String {
    format!(
        "{}/{project_path}/-/jobs/{job_id}",
        base_url.trim_end_matches('/')
    )
}

/// `https://host/group/project/-/pipelines/6`.
pub fn pipeline_web_url(base_url: &str, project_path: &str, pipeline_id: Id) -> String {
    format!(
        "{}/{project_path}/-/pipelines/{pipeline_id}",
        base_url.trim_end_matches('/')
    )
}

/// `https://host/group/project/-/commit/<sha>`.
pub fn commit_web_url(base_url: &str, project_path: &str, sha: &str) -> String {
    format!(
        "{}/{project_path}/-/commit/{sha}",
        base_url.trim_end_matches('/')
    )
}

/// `https://host/username`.
pub fn user_web_url(base_url: &str, username: &str) -> String {
    format!("{}/{username}", base_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_gitlab_routes() {
        assert_eq!(
            job_web_url("https://example.com/", "foo/bar", 7),
            "https://example.com/foo/bar/-/jobs/7"
        );
        assert_eq!(
            pipeline_web_url("https://example.com", "foo/bar", 6),
            "https://example.com/foo/bar/-/pipelines/6"
        );
        assert_eq!(
            commit_web_url("http://h", "a/b", "0ff3"),
            "http://h/a/b/-/commit/0ff3"
        );
        assert_eq!(user_web_url("http://h", "root"), "http://h/root");
    }
}
