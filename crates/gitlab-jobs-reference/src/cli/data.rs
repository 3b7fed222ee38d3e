//! What `serve` loads into its database: the fixture files it is given, and the demo data set
//! when asked (`--demo`) or when the database is new and no fixtures are given.

use std::path::PathBuf;

use anyhow::Context;

use super::serve::ServeOptions;
use crate::demo::load_demo;
use crate::fixtures::Fixtures;
use crate::store::{ImportSummary, Store};

/// What was loaded at start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// The database held no project before.
    pub was_new: bool,
    /// The demo data set (with its generated jobs) was loaded now.
    pub demo: Option<ImportSummary>,
    /// The fixture files loaded now, in order.
    pub fixtures: Vec<(PathBuf, Fixtures)>,
}

/// Loads what `options` ask for into `store`; each load is one transaction. Instances
/// sharing the database take turns (`Store::lock_for_loading`), so that when several start at
/// once on a new database the first fills it and the others find it filled.
pub fn load(store: &dyn Store, options: &ServeOptions) -> anyhow::Result<Loaded> {
    let _turn = store
        .lock_for_loading()
        .context("waiting for other instances loading into the database")?;
    let was_new = store.is_empty().context("reading the database")?;
    let mut loaded = Loaded {
        was_new,
        ..Loaded::default()
    };
    if options.demo || (was_new && options.fixtures.is_empty()) {
        let summary = load_demo(store, options.demo_jobs)
            .context("loading the demo data set (is it in the database already?)")?;
        tracing::info!(?summary, "loaded the demo data set");
        loaded.demo = Some(summary);
    } else if options.demo_jobs > 0 {
        tracing::warn!(
            "--demo-jobs is ignored: the demo is loaded only into a new database without \
             --fixtures, or with --demo"
        );
    }
    for path in &options.fixtures {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let fixtures =
            Fixtures::from_json(&text).with_context(|| format!("parsing {}", path.display()))?;
        let summary = store
            .load_fixtures(&fixtures)
            .with_context(|| format!("loading {}", path.display()))?;
        tracing::info!(file = %path.display(), ?summary, "loaded fixtures");
        loaded.fixtures.push((path.clone(), fixtures));
    }
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::demo_fixtures;
    use crate::store::SqliteStore;
    use crate::test_support::small_fixtures;

    fn store() -> SqliteStore {
        SqliteStore::in_memory().expect("an in-memory store")
    }

    fn fixture_file(label: &str, fixtures: &Fixtures) -> PathBuf {
        let path = std::env::temp_dir().join(format!(
            "gitlab-jobs-reference-{label}-{}.json",
            std::process::id()
        ));
        let text = serde_json::to_string(fixtures).expect("serialises");
        std::fs::write(&path, text).expect("writes the fixture file");
        path
    }

    #[test]
    fn a_new_database_gets_the_demo() {
        let store = store();
        let options = ServeOptions {
            demo_jobs: 30,
            ..ServeOptions::default()
        };
        let loaded = load(&store, &options).expect("loads");
        assert!(loaded.was_new);
        let demo = loaded.demo.expect("the demo was loaded");
        assert_eq!(demo.jobs, demo_fixtures().jobs.len() as u64 + 30);
        // Started again on the same database: nothing is loaded twice.
        let again = load(&store, &options).expect("loads nothing");
        assert_eq!((again.was_new, again.demo), (false, None));
    }

    #[test]
    fn fixtures_replace_the_demo_unless_it_is_asked_for() {
        let path = fixture_file("serve-data", &small_fixtures());
        let store = store();
        let options = ServeOptions {
            fixtures: vec![path.clone()],
            ..ServeOptions::default()
        };
        let loaded = load(&store, &options).expect("loads");
        assert_eq!(loaded.demo, None);
        assert_eq!(loaded.fixtures.len(), 1);
        assert_eq!(loaded.fixtures[0].1, small_fixtures());

        // `--demo` forces it, next to the fixtures (the small fixture's ids clash with the
        // demo's, so a fresh store).
        let store = self::store();
        let forced = load(
            &store,
            &ServeOptions {
                demo: true,
                ..ServeOptions::default()
            },
        )
        .expect("loads the demo");
        assert!(forced.demo.is_some());
        let twice = load(
            &store,
            &ServeOptions {
                demo: true,
                ..ServeOptions::default()
            },
        );
        let error = format!("{:#}", twice.expect_err("the demo is there already"));
        assert!(error.contains("loading the demo data set"), "{error}");
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn unreadable_fixture_files_are_named() {
        let options = ServeOptions {
            fixtures: vec![PathBuf::from("/nonexistent/fixtures.json")],
            ..ServeOptions::default()
        };
        let error = format!("{:#}", load(&store(), &options).expect_err("no such file"));
        assert!(error.contains("/nonexistent/fixtures.json"), "{error}");
    }
}
