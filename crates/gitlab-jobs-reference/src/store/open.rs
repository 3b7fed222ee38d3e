//! Choosing the store from a database URL: the one place that knows which stores exist.

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;

use ::postgres::config::Host;
use anyhow::{Context, bail};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::store::{PostgresStore, SqliteStore, Store};

/// Where `serve` keeps its data when not told: a SQLite file in the current directory.
pub const DEFAULT_DATABASE: &str = "sqlite://gitlab-jobs.sqlite3";

/// The database URLs [`open_store`] accepts, for help texts and errors.
pub const ACCEPTED_DATABASES: &str = "`sqlite::memory:` (in memory), `sqlite://PATH` or a plain \
    file path (SQLite), `postgres://USER@HOST:PORT/DATABASE` (PostgreSQL, shared by instances)";

/// Opens (creating and migrating if needed) the store a database URL names:
/// `sqlite::memory:`, `sqlite://PATH` (`sqlite:///abs/path` for an absolute one) or a plain
/// path are SQLite; `postgres://…` and `postgresql://…` are PostgreSQL. Any other scheme is
/// refused with the list of accepted forms.
pub fn open_store(database: &str) -> anyhow::Result<Arc<dyn Store>> {
    let database = database.trim();
    if database.is_empty() {
        bail!("no database given; use {ACCEPTED_DATABASES}");
    }
    match scheme(database) {
        None | Some("sqlite") => {
            if matches!(database, "sqlite://" | "sqlite:") {
                bail!("`{database}` names no file; use {ACCEPTED_DATABASES}");
            }
            let store = SqliteStore::open(database)
                .with_context(|| format!("opening the SQLite database `{database}`"))?;
            Ok(Arc::new(store))
        }
        // Not the URL in the message: it may hold a password.
        Some("postgres" | "postgresql") => Ok(Arc::new(
            PostgresStore::open(database).context("opening the PostgreSQL database")?,
        )),
        Some(other) => {
            bail!("unsupported database `{other}:` in `{database}`; use {ACCEPTED_DATABASES}")
        }
    }
}

/// The database URL to show (the `serve` banner). A PostgreSQL URL is shown as the driver
/// reads it (`postgres::Config`): scheme, user, hosts and ports (5432 unless given), database
/// name, and `***` where a password was given, wherever it was (user info or a `password`
/// parameter); the password itself is never read, so it cannot be shown. Other connection
/// parameters are left out. A URL the driver refuses is not shown at all. Anything else,
/// which [`open_store`] opens as SQLite, is shown unchanged.
pub fn redacted(database: &str) -> Cow<'_, str> {
    let url = database.trim();
    let Some(prefix) = ["postgres://", "postgresql://"]
        .into_iter()
        .find(|prefix| url.starts_with(prefix))
    else {
        return Cow::Borrowed(database);
    };
    match ::postgres::Config::from_str(url) {
        Ok(config) => Cow::Owned(shown(prefix, &config)),
        Err(_) => Cow::Owned(format!("{prefix}… (not a valid PostgreSQL URL)")),
    }
}

/// Escaped in the parts of a shown URL: all but RFC 3986's unreserved characters.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn shown(prefix: &str, config: &::postgres::Config) -> String {
    let mut url = prefix.to_owned();
    if let Some(user) = config.get_user() {
        url.extend(utf8_percent_encode(user, URL_COMPONENT));
        if config.get_password().is_some() {
            url.push_str(":***");
        }
        url.push('@');
    }
    let mut sockets = Vec::new();
    let mut addresses = Vec::new();
    for (index, host) in config.get_hosts().iter().enumerate() {
        match host {
            Host::Tcp(name) => {
                let port = config.get_ports().get(index).or(config.get_ports().first());
                addresses.push(match port {
                    Some(port) => format!("{name}:{port}"),
                    None => name.clone(),
                });
            }
            #[cfg(unix)]
            Host::Unix(path) => sockets.push(path.display().to_string()),
        }
    }
    url.push_str(&addresses.join(","));
    url.push('/');
    if let Some(name) = config.get_dbname() {
        url.extend(utf8_percent_encode(name, URL_COMPONENT));
    }
    for (index, socket) in sockets.iter().enumerate() {
        url.push(if index == 0 { '?' } else { '&' });
        url.push_str("host=");
        url.extend(utf8_percent_encode(socket, URL_COMPONENT));
    }
    url
}

/// The URL scheme (`postgres` of `postgres://…`, `sqlite` of `sqlite::memory:`), if the text
/// starts with one. A plain path has none; a Windows drive letter (`C:\…`) is not a scheme.
fn scheme(database: &str) -> Option<&str> {
    let (scheme, rest) = database.split_once(':')?;
    let is_scheme = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    // `sqlite:` has its own short forms (`sqlite::memory:`, `sqlite:path`); any other
    // scheme counts only in URL form, so that `notes:v2.db` stays a file name.
    (is_scheme && (scheme == "sqlite" || rest.starts_with("//"))).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempDatabase;

    #[test]
    fn sqlite_forms_open() {
        for database in ["sqlite::memory:", ":memory:"] {
            let store = open_store(database).expect(database);
            assert!(store.is_empty().expect("reads"), "{database}");
        }
        let file = TempDatabase::new("open-store");
        for database in [format!("sqlite://{}", file.target()), file.target()] {
            let store = open_store(&database).expect("a file database opens");
            assert!(store.is_empty().expect("reads"));
        }
        assert!(file.path.exists(), "the file was created");
    }

    #[test]
    fn other_schemes_are_refused_with_the_accepted_forms() {
        for database in ["mysql://db", "https://x", "", "sqlite://"] {
            let error = match open_store(database) {
                Ok(_) => panic!("{database:?} was accepted"),
                Err(error) => error.to_string(),
            };
            assert!(
                error.contains("sqlite::memory:") && error.contains("sqlite://PATH"),
                "{database:?}: {error}"
            );
        }
        let error = open_store("mysql://localhost/gitlab")
            .err()
            .map(|error| error.to_string());
        assert!(error.is_some_and(|error| error.contains("`mysql:`")));
    }

    #[test]
    fn postgres_urls_open_one_shared_database() {
        let Some(server) = crate::store::postgres::testing::server_url() else {
            return;
        };
        let schema = crate::store::postgres::testing::TestSchema::create(&server)
            .expect("a test schema is created");
        let first = open_store(&schema.url()).expect("a postgres:// URL opens");
        assert!(first.is_empty().expect("reads"));
        first
            .load_fixtures(&crate::test_support::small_fixtures())
            .expect("loads");
        let url = schema.url().replacen("postgres://", "postgresql://", 1);
        let second = open_store(&url).expect("a postgresql:// URL opens");
        assert!(!second.is_empty().expect("reads"), "the same database");
    }

    #[test]
    fn an_unreachable_postgres_fails_without_showing_the_password() {
        let error = match open_store("postgres://gitlab:s3cret@127.0.0.1:1/gitlab") {
            Ok(_) => panic!("nothing listens on port 1"),
            Err(error) => format!("{error:#}"),
        };
        assert!(error.contains("PostgreSQL"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
    }

    #[test]
    fn postgres_passwords_are_not_shown() {
        for (given, shown) in [
            (
                "postgres://gitlab:s3cret@db.internal:5432/gitlab",
                "postgres://gitlab:***@db.internal:5432/gitlab",
            ),
            (
                "postgresql://gitlab:p%40ss@db/gitlab?sslmode=disable",
                "postgresql://gitlab:***@db:5432/gitlab",
            ),
            (
                "postgres://gitlab@db/gitlab?password=s3cret&application_name=x",
                "postgres://gitlab:***@db:5432/gitlab",
            ),
            (
                "postgres://gitlab:one@db/gitlab?%70assword=two",
                "postgres://gitlab:***@db:5432/gitlab",
            ),
        ] {
            assert_eq!(redacted(given), shown);
            assert_eq!(
                ::postgres::Config::from_str(shown)
                    .map(|c| c.get_password().map(<[u8]>::to_vec))
                    .ok(),
                Some(Some(b"***".to_vec())),
                "{shown}: the driver reads `***` where the password was"
            );
        }
    }

    #[test]
    fn postgres_urls_are_shown_as_the_driver_reads_them() {
        for (given, shown) in [
            (
                "postgres://postgres@127.0.0.1:42077/gitlab_jobs",
                "postgres://postgres@127.0.0.1:42077/gitlab_jobs",
            ),
            (
                "postgresql:///gitlab?host=/var/run/postgresql&user=gitlab",
                "postgresql://gitlab@/gitlab?host=%2Fvar%2Frun%2Fpostgresql",
            ),
            (
                "postgres://db/gitlab?options=-c%20search_path%3Dtest&application_name=t",
                "postgres://db:5432/gitlab",
            ),
            (
                "postgres://gitlab:s3cret@db:port/x",
                "postgres://… (not a valid PostgreSQL URL)",
            ),
        ] {
            assert_eq!(redacted(given), shown, "{given}");
        }
    }

    #[test]
    fn sqlite_paths_are_shown_as_given() {
        for database in [
            "sqlite://gitlab-jobs.sqlite3",
            "sqlite::memory:",
            "user:secret@host.db",
            "sqlite://data/user:secret@x.db",
        ] {
            assert_eq!(redacted(database), database);
        }
    }

    #[test]
    fn plain_names_are_paths() {
        assert_eq!(scheme("gitlab.db"), None);
        assert_eq!(scheme("notes:v2.db"), None);
        assert_eq!(scheme(r"C:\data\gitlab.db"), None);
        assert_eq!(scheme("sqlite::memory:"), Some("sqlite"));
        assert_eq!(scheme("postgres://h/db"), Some("postgres"));
    }
}
