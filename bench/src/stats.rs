//! Latency samples and their summaries. Percentiles come from a sorted `Vec` of durations:
//! the runs are bounded (thousands of samples), so sorting is cheaper than a histogram is to
//! get right.

use std::time::Duration;

/// One answered (or failed) request.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Which kind of request it was, an index into the plan's kinds.
    pub kind: usize,
    pub latency: Duration,
    /// The HTTP status; 0 when the request failed at the transport level (refused, reset,
    /// timed out).
    pub status: u16,
}

/// What a measured run saw.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub requests: u64,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// Counts by status class: index 0 transport errors, 1..=5 for 1xx..5xx.
    pub classes: [u64; 6],
    /// The server process's highest resident size (KiB) sampled during the measurement.
    pub peak_rss_kib: Option<u64>,
}

impl Summary {
    /// Summarises `samples` observed over `elapsed` of wall time.
    pub fn of(samples: &[Sample], elapsed: Duration) -> Summary {
        let mut latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
        latencies.sort_unstable();
        let mut classes = [0u64; 6];
        for sample in samples {
            classes[class_of(sample.status)] += 1;
        }
        Summary {
            requests: samples.len() as u64,
            elapsed,
            p50: percentile(&latencies, 50.0),
            p99: percentile(&latencies, 99.0),
            max: latencies.last().copied().unwrap_or_default(),
            classes,
            peak_rss_kib: None,
        }
    }

    pub fn requests_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests as f64 / seconds
        } else {
            0.0
        }
    }

    pub fn errors(&self) -> u64 {
        self.classes[0]
    }

    pub fn server_errors(&self) -> u64 {
        self.classes[5]
    }

    /// Requests that were not answered 2xx.
    pub fn non_success(&self) -> u64 {
        self.requests - self.classes[2]
    }
}

/// 0 for transport errors, otherwise the hundreds digit (clamped to 1..=5).
pub fn class_of(status: u16) -> usize {
    if status == 0 {
        0
    } else {
        usize::from(status / 100).clamp(1, 5)
    }
}

/// Nearest-rank percentile of already sorted values; zero for none.
pub fn percentile(sorted: &[Duration], percent: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((percent / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of a few measurements (of anything ordered).
pub fn median<T: Copy + PartialOrd>(values: &mut [T]) -> Option<T> {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values.get(values.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sorted: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&sorted, 50.0), ms(50));
        assert_eq!(percentile(&sorted, 99.0), ms(99));
        assert_eq!(percentile(&sorted, 100.0), ms(100));
        assert_eq!(percentile(&[ms(7)], 99.0), ms(7));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn summary_counts_classes_and_rate() {
        let samples = [200, 201, 404, 503, 0].map(|status| Sample {
            kind: 0,
            latency: ms(1),
            status,
        });
        let summary = Summary::of(&samples, Duration::from_secs(1));
        assert_eq!(summary.classes, [1, 0, 2, 0, 1, 1]);
        assert_eq!(summary.server_errors(), 1);
        assert_eq!(summary.non_success(), 3);
        assert!((summary.requests_per_second() - 5.0).abs() < 1e-9);
    }
}
