//! A presented job as the cache keeps it: as the JSON it sends. A job whose durations count
//! with the time (it runs or waits) is kept as its JSON cut where the two durations' values
//! go, and each request writes the durations of its own `now` into the cuts: the rest of the
//! job does not change while the data version does not, so it is not encoded again.

use std::ops::Range;

use bytes::{BufMut, Bytes, BytesMut};
use gitlab_jobs_server::Encoded;
use gitlab_jobs_types as types;

use crate::rules::timing::Timing;
use crate::service::error_bodies::ApiError;
use crate::service::present::Presenter;

/// A stand-in for one duration while the kept JSON is made: a value no duration has (1e-300
/// seconds), which serde_json writes as `text`, found after its key once in the JSON.
struct Mark {
    value: f64,
    key: &'static [u8],
    text: &'static [u8],
}

const DURATION: Mark = Mark {
    value: 1e-300,
    key: b"\"duration\":",
    text: b"1e-300",
};
const QUEUED_DURATION: Mark = Mark {
    value: 2e-300,
    key: b"\"queued_duration\":",
    text: b"2e-300",
};

#[derive(Clone)]
pub enum KeptJob {
    /// A job that does not change with the time.
    Encoded(Encoded<types::Job>),
    /// A job whose durations count: its JSON before, between and after the two values
    /// (`duration` first, as the generated type serialises its fields in the document's order).
    Counting { parts: [Bytes; 3], timing: Timing },
    /// A job whose durations count, kept as the entity: only if its JSON ever did not have
    /// each mark once, in that order (a change of the generated type, say).
    Entity(Box<types::Job>, Timing),
}

impl KeptJob {
    /// `job` as kept; `timing` when its durations count with the time.
    pub fn new(mut job: types::Job, timing: Option<Timing>) -> Result<KeptJob, ApiError> {
        let Some(timing) = timing else {
            return Ok(KeptJob::Encoded(encode(&job)?));
        };
        // The marks may stay in the entity kept below: `shown` writes both durations anew.
        job.duration = Some(DURATION.value);
        job.queued_duration = Some(QUEUED_DURATION.value);
        let json = encode(&job)?;
        Ok(match cut(json.bytes()) {
            Some(parts) => KeptJob::Counting { parts, timing },
            None => {
                tracing::warn!(id = job.id, "a job's durations were not found in its JSON");
                KeptJob::Entity(Box::new(job), timing)
            }
        })
    }

    /// The job as `presenter` shows it now.
    pub fn shown(&self, presenter: &Presenter) -> Result<Encoded<types::Job>, ApiError> {
        match self {
            KeptJob::Encoded(encoded) => Ok(encoded.clone()),
            KeptJob::Counting { parts, timing } => {
                let (duration, queued_duration) = presenter.durations(timing);
                let length = parts.iter().map(Bytes::len).sum::<usize>() + 48;
                let mut json = BytesMut::with_capacity(length);
                json.put_slice(&parts[0]);
                write_number(&mut json, duration)?;
                json.put_slice(&parts[1]);
                write_number(&mut json, queued_duration)?;
                json.put_slice(&parts[2]);
                Ok(Encoded::<types::Job>::from_trusted_json(json.freeze()))
            }
            KeptJob::Entity(job, timing) => {
                let (duration, queued_duration) = presenter.durations(timing);
                encode(&types::Job {
                    duration,
                    queued_duration,
                    ..types::Job::clone(job)
                })
            }
        }
    }
}

/// A job's JSON. The generated types always serialise; if one ever did not, that is a bug of
/// ours, answered as an internal error.
pub fn encode(job: &types::Job) -> Result<Encoded<types::Job>, ApiError> {
    Encoded::new(job).map_err(|failure| {
        tracing::error!(%failure, id = job.id, "a presented job does not serialise");
        ApiError::internal()
    })
}

/// A duration as serde_json writes it (`null` when there is none).
fn write_number(json: &mut BytesMut, value: Option<f64>) -> Result<(), ApiError> {
    serde_json::to_writer((&mut *json).writer(), &value).map_err(|failure| {
        tracing::error!(%failure, "a duration does not serialise");
        ApiError::internal()
    })
}

/// The JSON without the two marks' values: before the first, between, after the second.
fn cut(json: &Bytes) -> Option<[Bytes; 3]> {
    let first = value_of(json, &DURATION)?;
    let second = value_of(json, &QUEUED_DURATION)?;
    (first.end <= second.start).then(|| {
        [
            json.slice(..first.start),
            json.slice(first.end..second.start),
            json.slice(second.end..),
        ]
    })
}

/// Where `mark`'s value is, if its key and value occur exactly once.
fn value_of(json: &[u8], mark: &Mark) -> Option<Range<usize>> {
    let needle = [mark.key, mark.text].concat();
    let find = |from: usize| {
        json.get(from..)?
            .windows(needle.len())
            .position(|window| window == needle.as_slice())
            .map(|at| at + from)
    };
    let at = find(0)?;
    if find(at + 1).is_some() {
        return None;
    }
    let start = at + mark.key.len();
    Some(start..start + mark.text.len())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::store::Store;
    use crate::test_support::{now, small_store};

    /// A running job (110) and a pending one (111, no `duration` yet), at several times: the
    /// kept JSON with the durations written in is the job encoded anew.
    #[test]
    fn a_counting_job_shows_what_encoding_it_anew_gives() {
        let store = small_store();
        for job_id in [110, 111] {
            let details = store.job(1, job_id).expect("reads").expect("exists");
            let timing = Timing::of(&details.job);
            assert!(timing.counts_with_time(), "job {job_id}");
            let kept_at = Presenter {
                base_url: "http://gitlab.test".to_owned(),
                now: now(),
            };
            let kept = KeptJob::new(kept_at.job(&details).expect("presents"), Some(timing))
                .expect("keeps");
            assert!(matches!(kept, KeptJob::Counting { .. }), "job {job_id}");
            for seconds in [0, 1, 59, 3_601, 86_400 * 400] {
                let presenter = Presenter {
                    now: now() + Duration::milliseconds(seconds * 1000 + 250),
                    ..kept_at.clone()
                };
                let mut fresh = presenter.job(&details).expect("presents");
                presenter.refresh(&mut fresh, &timing);
                let shown = kept.shown(&presenter).expect("shows");
                assert_eq!(
                    shown,
                    encode(&fresh).expect("encodes"),
                    "job {job_id}, {seconds} s"
                );
            }
        }
    }

    #[test]
    fn a_mark_found_twice_is_not_cut() {
        let twice = Bytes::from_static(br#"{"duration":1e-300,"x":{"duration":1e-300}}"#);
        assert_eq!(value_of(&twice, &DURATION), None);
        let once = Bytes::from_static(br#"{"duration":1e-300,"queued_duration":2e-300}"#);
        let parts = cut(&once).expect("cuts");
        assert_eq!(
            parts.map(|part: Bytes| String::from_utf8_lossy(part.as_ref()).into_owned()),
            [r#"{"duration":"#, r#","queued_duration":"#, "}"].map(str::to_owned)
        );
    }
}
