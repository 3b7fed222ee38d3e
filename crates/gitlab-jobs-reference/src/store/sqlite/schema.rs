//! The database schema, as numbered migrations applied at open (`schema_version` records the
//! last one applied).

use rusqlite::{Connection, TransactionBehavior};

use crate::store::StoreError;

/// Each entry moves the schema one version up. Never edit an entry; append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: everything the jobs API needs.
    r#"
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL                       -- model::User as JSON
    );
    CREATE TABLE personal_access_tokens (
        token TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        expires_at TEXT,                         -- YYYY-MM-DD
        revoked INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE TABLE projects (
        id INTEGER PRIMARY KEY,
        path_with_namespace TEXT NOT NULL UNIQUE COLLATE NOCASE,
        name TEXT NOT NULL,
        description TEXT,
        visibility TEXT NOT NULL,
        public_builds INTEGER NOT NULL,
        ci_job_token_scope_enabled INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        group_ids TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE project_members (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        user_id INTEGER NOT NULL REFERENCES users(id),
        access_level INTEGER NOT NULL,
        PRIMARY KEY (project_id, user_id)
    ) WITHOUT ROWID;
    CREATE TABLE agent_authorizations (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        agent_id INTEGER NOT NULL,
        config_project_id INTEGER NOT NULL REFERENCES projects(id),
        configuration TEXT,
        PRIMARY KEY (project_id, agent_id)
    ) WITHOUT ROWID;
    CREATE TABLE commits (
        project_id INTEGER NOT NULL REFERENCES projects(id),
        sha TEXT NOT NULL,
        body TEXT NOT NULL,                      -- model::Commit as JSON
        PRIMARY KEY (project_id, sha)
    ) WITHOUT ROWID;
    CREATE TABLE pipelines (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        iid INTEGER NOT NULL,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        sha TEXT NOT NULL,
        ref TEXT NOT NULL,
        status TEXT NOT NULL,
        source TEXT,
        created_at INTEGER NOT NULL,             -- microseconds since the epoch, UTC
        updated_at INTEGER NOT NULL,
        web_url TEXT                             -- only when a fixture gave it
    );
    CREATE INDEX pipelines_by_ref ON pipelines (project_id, ref, status, id);
    CREATE TABLE runners (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE runner_managers (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        project_id INTEGER NOT NULL REFERENCES projects(id),
        pipeline_id INTEGER NOT NULL REFERENCES pipelines(id),
        kind TEXT NOT NULL,                      -- build | bridge
        name TEXT NOT NULL,
        stage TEXT NOT NULL,
        status TEXT NOT NULL,
        ref TEXT NOT NULL,
        tag INTEGER NOT NULL,
        coverage REAL,
        allow_failure INTEGER NOT NULL,
        "when" TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        queued_at INTEGER,
        started_at INTEGER,
        finished_at INTEGER,
        erased_at INTEGER,
        erased_by INTEGER REFERENCES users(id),
        user_id INTEGER REFERENCES users(id),
        failure_reason TEXT,
        runner_id INTEGER REFERENCES runners(id),
        runner_manager_id INTEGER REFERENCES runner_managers(id),
        tag_list TEXT NOT NULL DEFAULT '[]',     -- sorted JSON array
        artifacts_expire_at INTEGER,
        archived INTEGER NOT NULL DEFAULT 0,
        retried INTEGER NOT NULL DEFAULT 0,
        downstream_pipeline_id INTEGER REFERENCES pipelines(id),
        token TEXT,
        environment TEXT,                        -- model::Environment as JSON
        preset_web_url TEXT,
        preset_duration REAL,
        preset_queued_duration REAL
    );
    -- The lists: project jobs and bridges by id DESC, with and without a status scope
    -- (one range scan per status, see read.rs), and pipeline jobs.
    CREATE INDEX jobs_by_project ON jobs (project_id, kind, id);
    CREATE INDEX jobs_by_project_status ON jobs (project_id, kind, status, id);
    CREATE INDEX jobs_by_pipeline ON jobs (pipeline_id, kind, id);
    -- Partial: only running (and recently running) jobs have a token.
    CREATE UNIQUE INDEX jobs_by_token ON jobs (token) WHERE token IS NOT NULL;
    CREATE TABLE job_variables (
        job_id INTEGER NOT NULL REFERENCES jobs(id),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        variable_type TEXT,
        PRIMARY KEY (job_id, key)
    ) WITHOUT ROWID;
    CREATE TABLE job_artifacts (
        job_id INTEGER NOT NULL REFERENCES jobs(id),
        file_type TEXT NOT NULL,
        file_format TEXT NOT NULL,
        filename TEXT NOT NULL,
        size INTEGER NOT NULL,
        content BLOB,                            -- the archive's bytes; NULL for listed-only entries
        PRIMARY KEY (job_id, file_type)
    );
    CREATE TABLE traces (
        job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
        content TEXT NOT NULL
    );
    "#,
    // 2: who may set variables when playing a job (`ProjectCiCdSetting`'s
    // `restrict_user_defined_variables` and `pipeline_variables_minimum_override_role`, with
    // GitLab's column defaults: off, maintainer).
    r#"
    ALTER TABLE projects
        ADD COLUMN restrict_user_defined_variables INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE projects
        ADD COLUMN pipeline_variables_minimum_override_role TEXT NOT NULL DEFAULT 'maintainer';
    "#,
    // 3: CI job inputs: a job's `inputs:` definitions (`job.options[:inputs]`) and the values
    // given when it was played or retried (`Ci::JobInput`), as JSON objects; NULL for none.
    r#"
    ALTER TABLE jobs ADD COLUMN input_specs TEXT;
    ALTER TABLE jobs ADD COLUMN input_values TEXT;
    "#,
    // 4: the data version every change bumps (`store::backend`), which caches key on.
    // Written to run again harmlessly (a branch may have numbered it differently).
    r#"
    CREATE TABLE IF NOT EXISTS data_version (version INTEGER NOT NULL);
    INSERT INTO data_version (version)
        SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM data_version);
    "#,
    // 5: the runner side of jobs (POST /jobs/request, PUT /jobs/:id, PATCH /jobs/:id/trace).
    r#"
    ALTER TABLE runners ADD COLUMN token TEXT;        -- runner authentication token
    ALTER TABLE runners ADD COLUMN runner_type TEXT;  -- NULL: known from a job only
    ALTER TABLE runners ADD COLUMN scope TEXT;        -- rules::runner::RunnerScope as JSON
    CREATE UNIQUE INDEX runners_by_token ON runners (token) WHERE token IS NOT NULL;
    -- What runners look for: pending builds, oldest first.
    CREATE INDEX jobs_pending ON jobs (id) WHERE status = 'pending' AND kind = 'build';
    CREATE TABLE job_scripts (
        job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
        body TEXT NOT NULL                       -- model::JobScript as JSON
    );
    "#,
    // 6: a second number for identities (tokens, users, projects, members), bumped only by
    // their changes (which bump `version` too), so that a job's change keeps them cached.
    r#"
    ALTER TABLE data_version ADD COLUMN identities INTEGER NOT NULL DEFAULT 0;
    "#,
];

/// The version a fully migrated database has.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

/// Applies the migrations the database lacks, each in its own immediate transaction (so two
/// processes opening the same file at once do not both migrate).
pub fn migrate(connection: &mut Connection) -> Result<i64, StoreError> {
    connection
        .execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);")?;
    loop {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = transaction.query_row(
            "SELECT coalesce(max(version), 0) FROM schema_version",
            [],
            |row| row.get(0),
        )?;
        let Some(migration) = usize::try_from(version)
            .ok()
            .and_then(|v| MIGRATIONS.get(v))
        else {
            if version > CURRENT_VERSION {
                return Err(StoreError::Database(format!(
                    "the database has schema version {version}, newer than this program's {CURRENT_VERSION}"
                )));
            }
            return Ok(version);
        };
        transaction.execute_batch(migration)?;
        transaction.execute("DELETE FROM schema_version", [])?;
        transaction.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [version + 1],
        )?;
        transaction.commit()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database of schema 1 (before the projects' variables settings) opens with its projects
    /// given GitLab's column defaults: variables not restricted, minimum role `maintainer`.
    #[test]
    fn a_version_1_database_migrates_with_gitlabs_defaults() {
        let mut connection = Connection::open_in_memory().expect("opens");
        connection
            .execute_batch(MIGRATIONS[0])
            .expect("schema 1 applies");
        connection
            .execute_batch(
                "CREATE TABLE schema_version (version INTEGER NOT NULL);
                 INSERT INTO schema_version (version) VALUES (1);
                 INSERT INTO projects (id, path_with_namespace, name, visibility, public_builds,
                     ci_job_token_scope_enabled, created_at)
                 VALUES (1, 'acme/app', 'app', 'private', 1, 0, 0);",
            )
            .expect("a version 1 database");
        assert_eq!(migrate(&mut connection).expect("migrates"), CURRENT_VERSION);
        let settings: (bool, String) = connection
            .query_row(
                "SELECT restrict_user_defined_variables, pipeline_variables_minimum_override_role
                 FROM projects WHERE id = 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("reads");
        assert_eq!(settings, (false, "maintainer".to_owned()));
    }
}
