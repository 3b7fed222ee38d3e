//! What `serve` prints at start: where the API is, what the database holds, and a token that
//! works with a curl command to try it. Printed on stdout; logs go to stderr.

use chrono::Utc;

use super::data::Loaded;
use crate::demo::tokens;
use crate::http::Faults;
use crate::simulation::{
    FEED_PROJECT, KEEP_FINISHED, MAX_UNFINISHED, Simulation, SimulationOptions,
};
use crate::store::{PersonalAccessToken, Store};

/// A personal access token that works now, and a project its user can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHint {
    pub token: String,
    pub username: String,
    pub project: Option<String>,
}

/// The demo maintainer's token if the database has it, else the first usable token of the
/// fixtures loaded now.
pub fn usable_token(store: &dyn Store, loaded: &Loaded) -> anyhow::Result<Option<TokenHint>> {
    let now = Utc::now();
    let usable = |token: &str| -> anyhow::Result<Option<PersonalAccessToken>> {
        Ok(store
            .personal_access_token(token)?
            .filter(|found| !found.revoked && !found.expired(now)))
    };
    if let Some(found) = usable(tokens::MAINTAINER)? {
        return Ok(Some(TokenHint {
            token: found.token,
            username: found.user.username,
            project: Some("acme/backend".into()),
        }));
    }
    for (_, fixtures) in &loaded.fixtures {
        for token in &fixtures.tokens {
            let Some(found) = usable(&token.token)? else {
                continue;
            };
            let project = fixtures
                .projects
                .iter()
                .find(|project| project.members.iter().any(|m| m.user_id == token.user_id))
                .or(fixtures.projects.first())
                .map(|project| project.path_with_namespace.clone());
            return Ok(Some(TokenHint {
                token: found.token,
                username: found.user.username,
                project,
            }));
        }
    }
    Ok(None)
}

/// A runner authentication token that works now: the demo's instance runner if the database
/// has it, else the first runner of the fixtures loaded now that is registered. Paused
/// runners are passed over (they are given no job).
pub fn usable_runner(store: &dyn Store, loaded: &Loaded) -> anyhow::Result<Option<String>> {
    let candidates = std::iter::once(tokens::RUNNER.to_owned()).chain(
        loaded
            .fixtures
            .iter()
            .flat_map(|(_, fixtures)| fixtures.runners.iter().map(|runner| runner.token.clone())),
    );
    for token in candidates {
        if let Some(runner) = store.registered_runner(&token)?
            && runner.scope.active
        {
            return Ok(Some(token));
        }
    }
    Ok(None)
}

/// The lines of the banner.
pub fn lines(
    url: &str,
    base_url: &str,
    database: &str,
    loaded: &Loaded,
    hint: Option<&TokenHint>,
    runner: Option<&str>,
) -> Vec<String> {
    let api = format!("{url}/api/v4");
    let mut held = Vec::new();
    if loaded.was_new {
        held.push("new".to_owned());
    }
    if let Some(demo) = &loaded.demo {
        held.push(format!("demo data loaded, {} jobs", demo.jobs));
    }
    if !loaded.fixtures.is_empty() {
        held.push(format!("{} fixture file(s) loaded", loaded.fixtures.len()));
    }
    if held.is_empty() {
        held.push("existing data".to_owned());
    }
    let mut lines = vec![
        format!("GitLab Jobs API reference server: {api}"),
        format!("  database  {database} ({})", held.join(", ")),
    ];
    if base_url != url {
        lines.push(format!("  web_url   {base_url}/…"));
    }
    match hint {
        Some(hint) => {
            lines.push(format!("  token     {} ({})", hint.token, hint.username));
            if let Some(project) = &hint.project {
                lines.push(format!(
                    "  try       curl --header \"PRIVATE-TOKEN: {}\" \"{api}/projects/{}/jobs\"",
                    hint.token,
                    project.replace('/', "%2F")
                ));
            }
        }
        None => lines.push(
            "  token     none known: send a personal access token of your fixtures as PRIVATE-TOKEN"
                .to_owned(),
        ),
    }
    if let Some(runner) = runner {
        lines.push(format!(
            "  runner    {runner} (a runner's token: curl --data \"token={runner}\" {api}/jobs/request)"
        ));
    }
    lines.push(format!(
        "  docs      {url}/ (the API documentation; the OpenAPI document at {url}/openapi.yaml)"
    ));
    lines.push("Stop it with Ctrl-C (or SIGTERM).".to_owned());
    lines
}

/// The faults line(s): said loudly, since every client of this server will see them.
pub fn fault_lines(faults: &Faults) -> Vec<String> {
    if faults.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![format!(
        "  faults    ON (seed {}): some requests get injected faults",
        faults.seed()
    )];
    lines.extend(
        faults
            .describe()
            .into_iter()
            .map(|rule| format!("            {rule}")),
    );
    lines
}

/// What the banner says besides the data: the tokens to try, and what is switched on.
pub struct Extras<'a> {
    pub hint: Option<&'a TokenHint>,
    pub runner: Option<&'a str>,
    pub faults: &'a Faults,
    pub simulation: Option<&'a Simulation>,
}

/// The simulation line: said, since jobs change on their own while it is on.
pub fn simulation_lines(simulation: Option<&Simulation>) -> Vec<String> {
    let Some(simulation) = simulation else {
        return Vec::new();
    };
    let mut line = format!(
        "  runners   ON: {} simulated runner(s) run pending jobs",
        simulation.runners()
    );
    if simulation.feeding() {
        line.push_str(&format!(
            "; a new {FEED_PROJECT} pipeline every {} s (none while {MAX_UNFINISHED} are unfinished; finished ones beyond the newest {KEEP_FINISHED} deleted)",
            SimulationOptions::new(0).pipeline_interval.as_secs()
        ));
    }
    vec![line]
}

pub fn print(url: &str, base_url: &str, database: &str, loaded: &Loaded, extras: &Extras<'_>) {
    let faults = extras.faults;
    let mut lines = lines(url, base_url, database, loaded, extras.hint, extras.runner);
    let last = lines.pop();
    lines.extend(simulation_lines(extras.simulation));
    lines.extend(fault_lines(faults));
    lines.extend(last);
    for line in lines {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::load_demo;
    use crate::store::SqliteStore;
    use crate::test_support::small_fixtures;

    #[test]
    fn the_demo_maintainer_is_offered_with_a_curl_command() {
        let store = SqliteStore::in_memory().expect("a store");
        let demo = load_demo(&store, 0).expect("the demo loads");
        let loaded = Loaded {
            was_new: true,
            demo: Some(demo),
            fixtures: Vec::new(),
        };
        let hint = usable_token(&store, &loaded).expect("reads");
        assert_eq!(
            hint,
            Some(TokenHint {
                token: tokens::MAINTAINER.into(),
                username: "alice".into(),
                project: Some("acme/backend".into()),
            })
        );
        let lines = lines(
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080",
            "sqlite://gitlab-jobs.sqlite3",
            &loaded,
            hint.as_ref(),
            usable_runner(&store, &loaded).expect("reads").as_deref(),
        );
        assert_eq!(
            lines[0],
            "GitLab Jobs API reference server: http://127.0.0.1:8080/api/v4"
        );
        assert!(
            lines[1].contains("new, demo data loaded, 21 jobs"),
            "{lines:?}"
        );
        assert!(lines.iter().any(|line| line.contains(
            "curl --header \"PRIVATE-TOKEN: demo-alice-token\" \"http://127.0.0.1:8080/api/v4/projects/acme%2Fbackend/jobs\""
        )), "{lines:?}");
        assert!(
            lines.iter().any(|line| line.starts_with(
                "  runner    glrt-demo-shared-runner-token (a runner's token: curl --data \"token=glrt-demo-shared-runner-token\" http://127.0.0.1:8080/api/v4/jobs/request)"
            )),
            "{lines:?}"
        );
    }

    #[test]
    fn faults_are_announced_and_absent_by_default() {
        let none = Faults::new(Vec::new(), 0).expect("no rules");
        assert!(fault_lines(&none).is_empty());
        let rules = vec![
            "status=429,path=/api/v4/projects/*/jobs,rate=0.2"
                .parse()
                .expect("a rule"),
            "drop,operation=retry_job,count=1".parse().expect("a rule"),
        ];
        let faults = Faults::new(rules, 7).expect("armed");
        let lines = fault_lines(&faults);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("faults    ON (seed 7)"), "{lines:?}");
        assert!(
            lines[1].contains("429 Retry later (Rack::Attack, Retry-After 1) on path /api/v4/projects/*/jobs (rate 0.2)"),
            "{lines:?}"
        );
        assert!(
            lines[2].contains("dropped connection on operation retry_job (rate 1, at most 1)"),
            "{lines:?}"
        );
    }

    #[test]
    fn without_the_demo_a_fixture_token_is_offered() {
        let store = SqliteStore::in_memory().expect("a store");
        let fixtures = small_fixtures();
        store.load_fixtures(&fixtures).expect("loads");
        let first = fixtures
            .tokens
            .first()
            .expect("the small fixture has tokens");
        let loaded = Loaded {
            was_new: true,
            demo: None,
            fixtures: vec![("small.json".into(), fixtures.clone())],
        };
        let hint = usable_token(&store, &loaded)
            .expect("reads")
            .expect("a token");
        assert_eq!(hint.token, first.token);
        assert!(hint.project.is_some());
        let nothing = usable_token(&store, &Loaded::default()).expect("reads");
        assert_eq!(nothing, None);
    }
}
