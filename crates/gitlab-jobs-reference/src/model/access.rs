//! Project membership levels (`lib/gitlab/access.rb`).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A member's access level. The numbers are GitLab's own (`Gitlab::Access`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "u8", into = "u8")]
pub struct AccessLevel(u8);

impl AccessLevel {
    pub const GUEST: AccessLevel = AccessLevel(10);
    /// Newest GitLab only (17.7+); for jobs it can do what a guest can.
    pub const PLANNER: AccessLevel = AccessLevel(15);
    pub const REPORTER: AccessLevel = AccessLevel(20);
    pub const DEVELOPER: AccessLevel = AccessLevel(30);
    pub const MAINTAINER: AccessLevel = AccessLevel(40);
    pub const OWNER: AccessLevel = AccessLevel(50);

    /// `Gitlab::Access.sym_options_with_owner`, lowest first.
    pub const ROLES: [(&'static str, AccessLevel); 6] = [
        ("guest", AccessLevel::GUEST),
        ("planner", AccessLevel::PLANNER),
        ("reporter", AccessLevel::REPORTER),
        ("developer", AccessLevel::DEVELOPER),
        ("maintainer", AccessLevel::MAINTAINER),
        ("owner", AccessLevel::OWNER),
    ];

    pub fn value(self) -> u8 {
        self.0
    }

    /// The role names at or below this level, as `/job/allowed_agents` lists them in
    /// `roles_in_project` (`lib/api/ci/jobs.rb`).
    pub fn roles_up_to(self) -> Vec<&'static str> {
        AccessLevel::ROLES
            .iter()
            .filter(|(_, level)| *level <= self)
            .map(|(name, _)| *name)
            .collect()
    }
}

impl TryFrom<u8> for AccessLevel {
    type Error = String;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        AccessLevel::ROLES
            .iter()
            .map(|(_, level)| *level)
            .find(|level| level.0 == value)
            .ok_or_else(|| {
                format!("{value} is not a GitLab access level (10, 15, 20, 30, 40 or 50)")
            })
    }
}

impl From<AccessLevel> for u8 {
    fn from(level: AccessLevel) -> u8 {
        level.0
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Who may set variables when running a job or a pipeline, when the project restricts
/// user-defined variables: `ProjectCiCdSetting#pipeline_variables_minimum_override_role`
/// (app/models/project_ci_cd_setting.rb: `no_one_allowed: 1, developer: 2, maintainer: 3,
/// owner: 4`), `ci_pipeline_variables_minimum_override_role` in the projects API. The column's
/// default is `maintainer` (db/migrate AddCiPipelineVariablesMinimumRoleEnum, 17.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PipelineVariablesRole {
    NoOneAllowed,
    Developer,
    #[default]
    Maintainer,
    Owner,
}

impl PipelineVariablesRole {
    const ALL: [PipelineVariablesRole; 4] = [
        PipelineVariablesRole::NoOneAllowed,
        PipelineVariablesRole::Developer,
        PipelineVariablesRole::Maintainer,
        PipelineVariablesRole::Owner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PipelineVariablesRole::NoOneAllowed => "no_one_allowed",
            PipelineVariablesRole::Developer => "developer",
            PipelineVariablesRole::Maintainer => "maintainer",
            PipelineVariablesRole::Owner => "owner",
        }
    }

    pub fn parse(value: &str) -> Option<PipelineVariablesRole> {
        Self::ALL.into_iter().find(|role| role.as_str() == value)
    }

    /// The lowest access level the role lets through (`role_map_pipeline_variables_minimum_
    /// override_role`); `None` for `no_one_allowed`.
    pub fn minimum_level(self) -> Option<AccessLevel> {
        match self {
            PipelineVariablesRole::NoOneAllowed => None,
            PipelineVariablesRole::Developer => Some(AccessLevel::DEVELOPER),
            PipelineVariablesRole::Maintainer => Some(AccessLevel::MAINTAINER),
            PipelineVariablesRole::Owner => Some(AccessLevel::OWNER),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_validated() {
        assert!(AccessLevel::GUEST < AccessLevel::REPORTER);
        assert!(AccessLevel::DEVELOPER < AccessLevel::MAINTAINER);
        assert_eq!(AccessLevel::try_from(30), Ok(AccessLevel::DEVELOPER));
        assert!(AccessLevel::try_from(35).is_err());
        let parsed: Result<AccessLevel, _> = serde_json::from_str("25");
        assert!(parsed.is_err());
    }

    #[test]
    fn pipeline_variables_roles_round_trip_and_map_to_levels() {
        for role in PipelineVariablesRole::ALL {
            assert_eq!(PipelineVariablesRole::parse(role.as_str()), Some(role));
            let json = serde_json::to_value(role).expect("serialises");
            assert_eq!(json, role.as_str());
        }
        assert_eq!(PipelineVariablesRole::parse("guest"), None);
        assert_eq!(
            PipelineVariablesRole::default(),
            PipelineVariablesRole::Maintainer
        );
        assert_eq!(PipelineVariablesRole::NoOneAllowed.minimum_level(), None);
        assert_eq!(
            PipelineVariablesRole::Developer.minimum_level(),
            Some(AccessLevel::DEVELOPER)
        );
    }

    #[test]
    fn roles_up_to_a_level_include_every_lower_role() {
        assert_eq!(
            AccessLevel::DEVELOPER.roles_up_to(),
            vec!["guest", "planner", "reporter", "developer"]
        );
        assert_eq!(AccessLevel::GUEST.roles_up_to(), vec!["guest"]);
    }
}
