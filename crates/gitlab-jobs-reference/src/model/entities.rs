//! Users, projects, pipelines, commits and runners: the things a job points at.
//!
//! The types that the API shows as they are (`User`, `Commit`, `Runner`, `RunnerManager`) have
//! the API's field names, so that a fixture can give them "as the API returns them"
//! (DESIGN.md, "Fixtures") and the presenter can show them unchanged.

use chrono::{DateTime, FixedOffset, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{AccessLevel, Id, JobStatus, PipelineVariablesRole};

/// `Entities::User` (`lib/api/entities/user.rb` and its parents UserBasic and UserSafe).
/// Only `id`, `username` and `name` are required; the rest is shown as given, or null, except
/// `work_information`, which GitLab derives from `job_title` and `organization` (a given one is
/// ignored, as unknown keys are).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct User {
    pub id: Id,
    pub username: String,
    pub name: String,
    #[serde(default = "default_user_state")]
    pub state: String,
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// Derived from the username when absent.
    #[serde(default)]
    pub web_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub public_email: Option<String>,
    #[serde(default)]
    pub skype: Option<String>,
    #[serde(default)]
    pub linkedin: Option<String>,
    #[serde(default)]
    pub twitter: Option<String>,
    #[serde(default)]
    pub discord: Option<String>,
    #[serde(default)]
    pub website_url: Option<String>,
    #[serde(default)]
    pub organization: Option<String>,
    #[serde(default)]
    pub job_title: Option<String>,
    #[serde(default)]
    pub pronouns: Option<String>,
    #[serde(default)]
    pub bot: bool,
    /// `access_locked?`: locked after too many failed sign-ins (shown as `locked`).
    #[serde(default)]
    pub locked: bool,
    #[serde(default)]
    pub local_time: Option<String>,
}

fn default_user_state() -> String {
    "active".to_owned()
}

/// Project visibility (`Gitlab::VisibilityLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Private,
    Internal,
    Public,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Internal => "internal",
            Visibility::Public => "public",
        }
    }

    pub fn parse(value: &str) -> Option<Visibility> {
        [
            Visibility::Private,
            Visibility::Internal,
            Visibility::Public,
        ]
        .into_iter()
        .find(|visibility| visibility.as_str() == value)
    }
}

/// A project with what the jobs API needs of it: identity, visibility and CI settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: Id,
    pub path_with_namespace: String,
    pub name: String,
    pub description: Option<String>,
    pub visibility: Visibility,
    /// "Public pipelines" (`public_builds`): lets everyone who sees the project read its jobs
    /// (non-members of a public or internal project, guests of a private one). GitLab's
    /// default is on.
    pub public_builds: bool,
    pub ci_job_token_scope_enabled: bool,
    /// `restrict_user_defined_variables` (`ProjectCiCdSetting`): when on, only members at or
    /// above `pipeline_variables_role` may set variables. GitLab's column default is off.
    pub restrict_user_defined_variables: bool,
    /// `ci_pipeline_variables_minimum_override_role`.
    pub pipeline_variables_role: PipelineVariablesRole,
    pub created_at: DateTime<Utc>,
    /// `project.group.self_and_ancestor_ids`, shown by `/job/allowed_agents`.
    pub group_ids: Vec<Id>,
    pub members: Vec<(Id, AccessLevel)>,
}

impl Project {
    /// The last part of the full path (`foo/bar` → `bar`).
    pub fn path(&self) -> &str {
        self.path_with_namespace
            .rsplit('/')
            .next()
            .unwrap_or(&self.path_with_namespace)
    }

    /// `ProjectCiCdSetting#override_pipeline_variables_allowed?(role_access_level)`
    /// (app/models/project_ci_cd_setting.rb): anyone when variables are not restricted;
    /// otherwise members at or above the minimum role, and nobody under `no_one_allowed`.
    /// It decides `set_pipeline_variables` (app/policies/project_policy.rb,
    /// `rule { user_defined_variables_allowed }.policy { enable :set_pipeline_variables }`).
    pub fn may_set_pipeline_variables(&self, level: Option<AccessLevel>) -> bool {
        if !self.restrict_user_defined_variables {
            return true;
        }
        match (self.pipeline_variables_role.minimum_level(), level) {
            (Some(minimum), Some(level)) => level >= minimum,
            _ => false,
        }
    }

    pub fn access_level_of(&self, user_id: Id) -> Option<AccessLevel> {
        self.members
            .iter()
            .find(|(member, _)| *member == user_id)
            .map(|(_, level)| *level)
    }
}

/// A pipeline (`Entities::Ci::PipelineBasic` shows all of it).
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub id: Id,
    pub iid: Id,
    pub project_id: Id,
    pub sha: String,
    pub ref_name: String,
    pub status: JobStatus,
    pub source: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Kept when a fixture gives it; derived from the project path otherwise.
    pub web_url: Option<String>,
    /// `artifacts_locked?`: the store derives it on every read (see `store::artifacts_locked_sql`)
    /// and never writes it; a pipeline built in memory starts locked, as GitLab creates them.
    pub artifacts_locked: bool,
}

/// `Entities::Commit` (`lib/api/entities/commit.rb`). Commit dates keep the committer's
/// offset, as GitLab shows them (`2015-12-24T16:51:14.000+01:00`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Commit {
    pub id: String,
    /// Derived from `id` when absent (the first 8 characters).
    #[serde(default)]
    pub short_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub parent_ids: Vec<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub author_name: Option<String>,
    #[serde(default)]
    pub author_email: Option<String>,
    #[serde(default)]
    pub authored_date: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub committer_name: Option<String>,
    #[serde(default)]
    pub committer_email: Option<String>,
    #[serde(default)]
    pub committed_date: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub trailers: Map<String, Value>,
    #[serde(default)]
    pub extended_trailers: Map<String, Value>,
    /// Derived from the project path when absent.
    #[serde(default)]
    pub web_url: Option<String>,
}

impl Commit {
    /// What a job shows when its commit was never described: only the sha is known.
    pub fn from_sha(sha: &str) -> Commit {
        Commit {
            id: sha.to_owned(),
            short_id: None,
            created_at: None,
            parent_ids: Vec::new(),
            title: None,
            message: None,
            author_name: None,
            author_email: None,
            authored_date: None,
            committer_name: None,
            committer_email: None,
            committed_date: None,
            trailers: Map::new(),
            extended_trailers: Map::new(),
            web_url: None,
        }
    }
}

/// `Entities::Ci::Runner` (`lib/api/entities/ci/runner.rb`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Runner {
    pub id: Id,
    #[serde(default)]
    pub description: Option<String>,
    /// Always null in current GitLab.
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default = "default_true")]
    pub active: bool,
    #[serde(default)]
    pub paused: bool,
    #[serde(default)]
    pub is_shared: bool,
    #[serde(default = "default_runner_type")]
    pub runner_type: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub online: Option<bool>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    /// Conditional in GitLab: absent unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<Value>,
    #[serde(default)]
    pub job_execution_status: Option<String>,
}

fn default_true() -> bool {
    true
}

fn default_runner_type() -> String {
    "instance_type".to_owned()
}

/// `Entities::Ci::RunnerManager`: the runner process that picked the job (builds only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunnerManager {
    pub id: Id,
    #[serde(default)]
    pub system_id: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub revision: Option<String>,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub architecture: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub contacted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ip_address: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub job_execution_status: Option<String>,
}

/// The deployment environment of a job; `/job/allowed_agents` shows its tier and slug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Environment {
    pub name: String,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
}

/// A Kubernetes agent whose `ci_access` configuration authorizes a project
/// (`Clusters::Agents::Authorizations::CiAccess`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentAuthorization {
    /// The agent's id.
    pub id: Id,
    /// The project that holds the agent's configuration file.
    pub config_project_id: Id,
    /// The authorization's `configuration` (for example `{"default_namespace": "x"}`).
    #[serde(default)]
    pub configuration: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `group/sub/app`, private, with a reporter (user 7).
    fn app_project() -> Project {
        Project {
            id: 1,
            path_with_namespace: "group/sub/app".into(),
            name: "app".into(),
            description: None,
            visibility: Visibility::Private,
            public_builds: true,
            ci_job_token_scope_enabled: false,
            restrict_user_defined_variables: false,
            pipeline_variables_role: PipelineVariablesRole::Maintainer,
            created_at: DateTime::UNIX_EPOCH,
            group_ids: vec![],
            members: vec![(7, AccessLevel::REPORTER)],
        }
    }

    #[test]
    fn project_path_is_the_last_segment() {
        let project = app_project();
        assert_eq!(project.path(), "app");
        assert_eq!(project.access_level_of(7), Some(AccessLevel::REPORTER));
        assert_eq!(project.access_level_of(8), None);
    }

    #[test]
    fn who_may_set_pipeline_variables_follows_the_ci_cd_settings() {
        let project = |restrict, role| Project {
            restrict_user_defined_variables: restrict,
            pipeline_variables_role: role,
            ..app_project()
        };
        let open = project(false, PipelineVariablesRole::NoOneAllowed);
        assert!(open.may_set_pipeline_variables(Some(AccessLevel::DEVELOPER)));
        assert!(
            open.may_set_pipeline_variables(None),
            "not restricted: anyone"
        );
        let maintainers = project(true, PipelineVariablesRole::Maintainer);
        assert!(!maintainers.may_set_pipeline_variables(Some(AccessLevel::DEVELOPER)));
        assert!(maintainers.may_set_pipeline_variables(Some(AccessLevel::MAINTAINER)));
        assert!(maintainers.may_set_pipeline_variables(Some(AccessLevel::OWNER)));
        assert!(!maintainers.may_set_pipeline_variables(None));
        let developers = project(true, PipelineVariablesRole::Developer);
        assert!(developers.may_set_pipeline_variables(Some(AccessLevel::DEVELOPER)));
        assert!(!developers.may_set_pipeline_variables(Some(AccessLevel::REPORTER)));
        let nobody = project(true, PipelineVariablesRole::NoOneAllowed);
        assert!(!nobody.may_set_pipeline_variables(Some(AccessLevel::OWNER)));
    }

    #[test]
    fn a_user_needs_only_id_username_and_name() {
        let user: User = serde_json::from_value(serde_json::json!({
            "id": 1, "username": "root", "name": "Administrator"
        }))
        .expect("minimal user");
        assert_eq!(user.state, "active");
        assert_eq!(user.web_url, None);
        assert!(!user.bot);
    }
}
