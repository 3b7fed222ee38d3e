//! What a runner runs for a build: its script (the `steps` of the job payload a runner is
//! given) and, for the built-in simulated runners, what running it produces.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A build's script and the outcome a simulated runner gives it (fixture extensions `script`
/// and `simulation` of a job). Stored apart from the job; a retry copies it to the new job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobScript {
    pub script: Vec<String>,
    pub simulation: SimulatedOutcome,
}

/// `success` or `failed`: how a simulated runner finishes a job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SimulatedState {
    #[default]
    Success,
    Failed,
}

impl SimulatedState {
    pub fn as_str(self) -> &'static str {
        match self {
            SimulatedState::Success => "success",
            SimulatedState::Failed => "failed",
        }
    }
}

/// What a simulated runner does with a job: the log lines its script prints and how it ends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulatedOutcome {
    /// `success` (the default) or `failed`.
    #[serde(default)]
    pub state: SimulatedState,
    /// For `failed`: the reason the runner reports (`script_failure` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// For `failed`: the script's exit code (1 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Lines the script prints, after its command lines (a line of its own per entry).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<String>,
    /// How long the simulated run takes, in seconds (default 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
}

impl JobScript {
    /// The script of a build whose fixture gives none: one line naming the job, as a
    /// `.gitlab-ci.yml` with `script: ["echo …"]` would have.
    pub fn default_for(stage: &str, name: &str) -> Vec<String> {
        vec![format!("echo \"{stage}: {name}\"")]
    }
}
