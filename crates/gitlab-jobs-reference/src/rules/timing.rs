//! `duration` and `queued_duration` as `Entities::Ci::JobBasic` shows them.

use chrono::{DateTime, Utc};

use crate::model::Job;

/// `calculate_duration(start, end)` (`has_status.rb`): nothing before the start, the time so
/// far while there is no end, in seconds with fractions.
pub fn calculate_duration(
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<f64> {
    let start = start?;
    let end = end.unwrap_or(now);
    let micros = (end - start).num_microseconds()?;
    Some(micros as f64 / 1_000_000.0)
}

/// `started_at → finished_at` (or now while running); a fixture's explicit value wins.
pub fn duration(job: &Job, now: DateTime<Utc>) -> Option<f64> {
    Timing::of(job).duration(now)
}

/// `queued_at → started_at` (or now while still queued); a fixture's explicit value wins.
pub fn queued_duration(job: &Job, now: DateTime<Utc>) -> Option<f64> {
    Timing::of(job).queued_duration(now)
}

/// What a job's [`duration`] and [`queued_duration`] are computed from: kept apart from the
/// job so that an entity presented earlier can have them brought up to another `now`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    preset_duration: Option<f64>,
    preset_queued_duration: Option<f64>,
    queued_at: Option<DateTime<Utc>>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
}

impl Timing {
    pub fn of(job: &Job) -> Timing {
        Timing {
            preset_duration: job.preset.duration,
            preset_queued_duration: job.preset.queued_duration,
            queued_at: job.queued_at,
            started_at: job.started_at,
            finished_at: job.finished_at,
        }
    }

    pub fn duration(&self, now: DateTime<Utc>) -> Option<f64> {
        self.preset_duration
            .or_else(|| calculate_duration(self.started_at, self.finished_at, now))
    }

    pub fn queued_duration(&self, now: DateTime<Utc>) -> Option<f64> {
        self.preset_queued_duration
            .or_else(|| calculate_duration(self.queued_at, self.started_at, now))
    }

    /// Whether either duration counts up to `now`: a running job's duration, a queued job's
    /// queued duration.
    pub fn counts_with_time(&self) -> bool {
        let counting =
            |preset: Option<f64>, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>| {
                preset.is_none() && start.is_some() && end.is_none()
            };
        counting(self.preset_duration, self.started_at, self.finished_at)
            || counting(self.preset_queued_duration, self.queued_at, self.started_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::JobStatus;
    use crate::rules::test_support::{at, build, manual_build};

    #[test]
    fn finished_job_lasts_from_start_to_finish() {
        let job = build(JobStatus::Success);
        assert_eq!(duration(&job, at(1000)), Some(60.0));
        assert_eq!(queued_duration(&job, at(1000)), Some(5.0));
    }

    #[test]
    fn running_job_lasts_until_now() {
        let job = Job {
            status: JobStatus::Running,
            finished_at: None,
            ..build(JobStatus::Running)
        };
        assert_eq!(duration(&job, at(25)), Some(15.0));
    }

    #[test]
    fn job_that_never_started_has_no_duration() {
        let job = manual_build();
        assert_eq!(duration(&job, at(100)), None);
        assert_eq!(queued_duration(&job, at(100)), None);
        let pending = Job {
            status: JobStatus::Pending,
            queued_at: Some(at(40)),
            ..manual_build()
        };
        assert_eq!(
            queued_duration(&pending, at(100)),
            Some(60.0),
            "queued until now"
        );
    }

    #[test]
    fn fractions_of_seconds_are_kept() {
        let start = at(0);
        let end = start + chrono::Duration::milliseconds(173);
        assert_eq!(
            calculate_duration(Some(start), Some(end), at(9)),
            Some(0.173)
        );
    }

    #[test]
    fn preset_values_win() {
        let mut job = build(JobStatus::Success);
        job.preset.duration = Some(0.5);
        job.preset.queued_duration = Some(0.25);
        assert_eq!(duration(&job, at(1000)), Some(0.5));
        assert_eq!(queued_duration(&job, at(1000)), Some(0.25));
    }
}
