//! The units of data a store imports (from fixtures or generators).

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{
    AgentAuthorization, Commit, Id, Job, JobArtifact, JobScript, Pipeline, Project, Runner,
    RunnerManager, User,
};
use crate::rules::runner::RunnerScope;

/// A runner that asks for jobs: the entity jobs show, its authentication token and which
/// builds it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredRunner {
    pub runner: Runner,
    pub token: String,
    pub scope: RunnerScope,
}

/// A personal access token and the state that decides whether it still works
/// (`lib/api/api_guard.rb`).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonalAccessToken {
    pub token: String,
    pub user: User,
    /// Expired from this day on (`PersonalAccessToken#expired?`).
    pub expires_at: Option<NaiveDate>,
    pub revoked: bool,
}

impl PersonalAccessToken {
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at
            .is_some_and(|expires_at| expires_at <= now.date_naive())
    }
}

/// One thing to insert. A record must come after the records it refers to.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    User(User),
    PersonalAccessToken {
        token: String,
        user_id: Id,
        expires_at: Option<NaiveDate>,
        revoked: bool,
    },
    /// A project with its members.
    Project(Project),
    AgentAuthorization {
        project_id: Id,
        agent: AgentAuthorization,
    },
    Pipeline(Pipeline),
    /// Replaces an earlier commit with the same sha in the project.
    Commit {
        project_id: Id,
        commit: Commit,
    },
    /// Replaces the entity of an earlier runner with the same id (a registered runner keeps
    /// its token and scope).
    Runner(Runner),
    /// Replaces an earlier runner with the same id, token and scope included.
    RegisteredRunner(Box<RegisteredRunner>),
    /// A build's script and simulated outcome (after the job).
    JobScript {
        job_id: Id,
        script: JobScript,
    },
    RunnerManager(RunnerManager),
    /// A job with its variables.
    Job(Box<Job>),
    Trace {
        job_id: Id,
        content: String,
    },
    /// An artifact's listing entry and, for the archive, its bytes.
    Artifact {
        job_id: Id,
        artifact: JobArtifact,
        content: Option<Vec<u8>>,
    },
}

/// How many records of each kind an import inserted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub users: u64,
    pub tokens: u64,
    pub projects: u64,
    pub pipelines: u64,
    pub jobs: u64,
    pub traces: u64,
    pub artifacts: u64,
    pub other: u64,
}

impl ImportSummary {
    /// Adds another import's counts to these.
    pub fn add(&mut self, other: &ImportSummary) {
        self.users += other.users;
        self.tokens += other.tokens;
        self.projects += other.projects;
        self.pipelines += other.pipelines;
        self.jobs += other.jobs;
        self.traces += other.traces;
        self.artifacts += other.artifacts;
        self.other += other.other;
    }

    pub fn count(&mut self, record: &Record) {
        let counter = match record {
            Record::User(_) => &mut self.users,
            Record::PersonalAccessToken { .. } => &mut self.tokens,
            Record::Project(_) => &mut self.projects,
            Record::Pipeline(_) => &mut self.pipelines,
            Record::Job(_) => &mut self.jobs,
            Record::Trace { .. } => &mut self.traces,
            Record::Artifact { .. } => &mut self.artifacts,
            Record::AgentAuthorization { .. }
            | Record::Commit { .. }
            | Record::Runner(_)
            | Record::RegisteredRunner(_)
            | Record::JobScript { .. }
            | Record::RunnerManager(_) => &mut self.other,
        };
        *counter += 1;
    }
}
