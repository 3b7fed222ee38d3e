//! The log a simulated runner writes: what gitlab-runner prints around a job's script
//! (its header, the executor, the Git checkout, each `$ command`, the end), in parts that
//! are sent one after the other while the job runs.

use gitlab_jobs_types as types;

use crate::model::{SimulatedOutcome, SimulatedState};

/// gitlab-runner's version line (`Running with gitlab-runner 17.0.0 (44feccdf)`).
const RUNNER_VERSION: &str = "17.0.0 (44feccdf)";

/// The parts of the log, in order: the header, one part per script line (with its output:
/// the fixture's `output` lines after the last command), and the end.
pub fn parts(runner_name: &str, job: &types::RunnerJob, outcome: &SimulatedOutcome) -> Vec<String> {
    let git = &job.git_info;
    let short_sha: String = git.sha.chars().take(8).collect();
    let path = job
        .job_info
        .project_full_path
        .clone()
        .unwrap_or_else(|| job.job_info.project_name.clone());
    let header = format!(
        "Running with gitlab-runner {RUNNER_VERSION}\n\
         \x20 on {runner_name} {short_token}, system ID: s_{runner_name}\n\
         Preparing the \"shell\" executor\n\
         Using Shell executor...\n\
         Preparing environment\n\
         Running on {runner_name}...\n\
         Getting source from Git repository\n\
         Fetching changes with git depth set to {depth}...\n\
         Initialized empty Git repository in /builds/{path}/.git/\n\
         Created fresh repository.\n\
         Checking out {short_sha} as detached HEAD (ref is {ref_name})...\n\
         Skipping Git submodules setup\n\
         Executing \"step_script\" stage of the job script\n",
        short_token = "glrt-sim",
        depth = git.depth.unwrap_or(20),
        ref_name = git.ref_,
    );
    let mut parts = vec![header];
    let script: Vec<String> = job
        .steps
        .iter()
        .flat_map(|step| step.script.iter().cloned())
        .collect();
    let count = script.len();
    for (index, line) in script.into_iter().enumerate() {
        let mut part = format!("$ {line}\n");
        if index + 1 == count {
            for output in &outcome.output {
                part.push_str(output);
                part.push('\n');
            }
        }
        parts.push(part);
    }
    let end = match outcome.state {
        SimulatedState::Success => "Cleaning up project directory and file based variables\n\
             Job succeeded\n"
            .to_owned(),
        SimulatedState::Failed => format!(
            "Cleaning up project directory and file based variables\n\
             ERROR: Job failed: exit code {}\n",
            exit_code(outcome)
        ),
    };
    parts.push(end);
    parts
}

/// The exit code a failed simulated job reports (1 when its fixture gives none).
pub fn exit_code(outcome: &SimulatedOutcome) -> i64 {
    match outcome.state {
        SimulatedState::Success => 0,
        SimulatedState::Failed => outcome.exit_code.unwrap_or(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job() -> types::RunnerJob {
        serde_json::from_value(serde_json::json!({
            "id": 7, "token": "glcbt-x", "allow_git_fetch": true,
            "job_info": {"id": 7, "name": "rspec", "stage": "test", "project_id": 1,
                         "project_name": "backend", "project_full_path": "acme/backend"},
            "git_info": {"repo_url": "http://x/acme/backend.git", "ref": "main",
                         "sha": "3f2c1b0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b", "before_sha": "0",
                         "ref_type": "branch", "refspecs": [], "depth": 20},
            "runner_info": {"timeout": 3600}, "variables": [],
            "steps": [{"name": "script", "script": ["bundle install", "bundle exec rspec"],
                       "timeout": 3600, "when": "on_success", "allow_failure": false}],
            "image": null, "services": [], "artifacts": null, "cache": [], "credentials": [],
            "dependencies": [], "features": {"failure_reasons": []}
        }))
        .expect("a job payload")
    }

    #[test]
    fn a_log_has_the_runner_header_every_command_the_output_and_the_end() {
        let outcome = SimulatedOutcome {
            output: vec!["412 examples, 0 failures".into()],
            ..SimulatedOutcome::default()
        };
        let parts = parts("simulated-runner-1", &job(), &outcome);
        assert_eq!(parts.len(), 4);
        assert!(
            parts[0].starts_with(
                "Running with gitlab-runner 17.0.0 (44feccdf)\n  on simulated-runner-1"
            )
        );
        assert!(parts[0].contains("Checking out 3f2c1b0a as detached HEAD (ref is main)...\n"));
        assert_eq!(parts[1], "$ bundle install\n");
        assert_eq!(parts[2], "$ bundle exec rspec\n412 examples, 0 failures\n");
        assert!(parts[3].ends_with("Job succeeded\n"));
        let failed = SimulatedOutcome {
            state: SimulatedState::Failed,
            exit_code: Some(2),
            ..SimulatedOutcome::default()
        };
        let parts = super::parts("r", &job(), &failed);
        assert!(parts[3].ends_with("ERROR: Job failed: exit code 2\n"));
        assert_eq!(exit_code(&failed), 2);
        assert_eq!(exit_code(&SimulatedOutcome::default()), 0);
    }
}
