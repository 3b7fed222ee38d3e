//! Where a data set lives: a SQLite file in the work directory, or a schema of its own in a
//! PostgreSQL database (`--postgres`). Both engines get the same demo data, served by a
//! reference server each, so the report compares them side by side.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// The reference server's two stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        })
    }
}

impl Engine {
    /// For file names.
    pub fn slug(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Database {
    /// A SQLite database file (with its `-wal` and `-shm` files).
    File(PathBuf),
    /// A schema in a PostgreSQL database.
    Schema { server_url: String, name: String },
}

impl Database {
    /// The data set of `jobs` generated jobs on `engine`.
    pub fn for_dataset(
        engine: Engine,
        work_dir: &Path,
        postgres: Option<&str>,
        jobs: u64,
    ) -> anyhow::Result<Database> {
        Ok(match engine {
            Engine::Sqlite => Database::File(work_dir.join(format!("demo-{jobs}.sqlite"))),
            Engine::Postgres => Database::Schema {
                server_url: postgres
                    .context("the PostgreSQL engine needs --postgres")?
                    .to_owned(),
                name: format!("bench_{jobs}"),
            },
        })
    }

    pub fn engine(&self) -> Engine {
        match self {
            Database::File(_) => Engine::Sqlite,
            Database::Schema { .. } => Engine::Postgres,
        }
    }

    /// What `serve --database` takes: for a schema, the database URL with the schema as the
    /// connections' only `search_path`.
    pub fn url(&self) -> String {
        match self {
            Database::File(path) => format!("sqlite://{}", path.display()),
            Database::Schema { server_url, name } => {
                let separator = if server_url.contains('?') { '&' } else { '?' };
                format!("{server_url}{separator}options=-c%20search_path%3D{name}")
            }
        }
    }

    /// For progress messages: never the URL, which may hold a password.
    pub fn describe(&self) -> String {
        match self {
            Database::File(path) => path.display().to_string(),
            Database::Schema { name, .. } => format!("PostgreSQL schema {name}"),
        }
    }

    /// Whether an earlier run left a filled data set here. The demo import is one
    /// transaction on PostgreSQL, so a schema with jobs holds all of them.
    pub async fn has_data(&self) -> anyhow::Result<bool> {
        match self {
            Database::File(path) => Ok(path.exists()),
            Database::Schema { name, .. } => {
                let table = format!("SELECT to_regclass('{name}.jobs') IS NOT NULL");
                let rows = format!("SELECT EXISTS (SELECT 1 FROM {name}.jobs)");
                self.postgres(move |client| {
                    let has_table: bool = client.query_one(&table, &[])?.try_get(0)?;
                    if !has_table {
                        return Ok(false);
                    }
                    client.query_one(&rows, &[])?.try_get(0)
                })
                .await
            }
        }
    }

    /// Removes whatever is there and leaves an empty place for `serve` to fill.
    pub async fn recreate(&self) -> anyhow::Result<()> {
        match self {
            Database::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let file = PathBuf::from(format!("{}{suffix}", path.display()));
                    if file.exists() {
                        std::fs::remove_file(&file)
                            .with_context(|| format!("removing {}", file.display()))?;
                    }
                }
                Ok(())
            }
            Database::Schema { name, .. } => {
                let sql = format!("DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}");
                self.postgres(move |client| client.batch_execute(&sql))
                    .await
            }
        }
    }

    /// Bytes on disk: the file and its write-ahead log (a fresh import may still be mostly
    /// in the log), or the schema's tables with their indexes and TOAST.
    pub async fn size_bytes(&self) -> anyhow::Result<u64> {
        match self {
            Database::File(path) => Ok(["", "-wal"]
                .iter()
                .map(|suffix| {
                    std::fs::metadata(format!("{}{suffix}", path.display()))
                        .map(|m| m.len())
                        .unwrap_or(0)
                })
                .sum()),
            Database::Schema { name, .. } => {
                let sql = format!(
                    "SELECT coalesce(sum(pg_total_relation_size(oid)), 0)::bigint FROM pg_class \
                     WHERE relnamespace = '{name}'::regnamespace AND relkind IN ('r', 'm')"
                );
                let bytes: i64 = self
                    .postgres(move |client| client.query_one(&sql, &[])?.try_get(0))
                    .await?;
                Ok(u64::try_from(bytes).unwrap_or(0))
            }
        }
    }

    /// Runs `work` on a connection of its own to the server, off the async threads (the
    /// blocking client drives a runtime of its own).
    async fn postgres<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send + 'static,
    {
        let Database::Schema { server_url, .. } = self else {
            anyhow::bail!("{} is not a PostgreSQL schema", self.describe());
        };
        let server_url = server_url.clone();
        tokio::task::spawn_blocking(move || {
            let mut client = postgres::Client::connect(&server_url, postgres::NoTls)
                .context("connecting to the --postgres database")?;
            work(&mut client).context("a statement on the --postgres database")
        })
        .await?
    }
}
