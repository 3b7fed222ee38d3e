//! The demo fixture, `fixtures/demo.json` (a fixture file as users write them, compiled in):
//! four projects of the `acme` group (private, public, internal) plus the empty `demo/load`
//! project that `demo_jobs` fills, users of every access level with their tokens, and
//! pipelines on several refs with every kind of job the API shows.

use chrono::{DateTime, TimeZone, Utc};

use crate::fixtures::Fixtures;

/// When the demo's first pipeline starts; every demo time is an offset from it.
pub const DEMO_BASE_TIME: (i32, u32, u32) = (2024, 3, 1);

pub(super) fn base_time() -> DateTime<Utc> {
    let (year, month, day) = DEMO_BASE_TIME;
    Utc.with_ymd_and_hms(year, month, day, 9, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// The demo data set. Its tokens are the constants of [`tokens`](super::tokens)
/// (`demo-<username>-token`; the running job's is `demo-running-job-token`); `demo::tests`
/// proves the compiled-in file parses, loads and holds them.
pub fn demo_fixtures() -> Fixtures {
    Fixtures::from_json(include_str!("../../fixtures/demo.json"))
        .expect("fixtures/demo.json is a valid fixture file")
}
