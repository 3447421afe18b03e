//! Timing for `adgraph bench` and `adgraph plan --pareto`: the median time of a call,
//! measured in samples long enough for the clock to resolve.
//!
//! A call is run once to warm up, then repeated in doubling counts until one sample
//! lasts at least [`MIN_SAMPLE`]; [`SAMPLES`] samples of that many calls follow and the
//! median of their per-call times is reported. This is a quick measurement for users
//! timing their own functions and plans, not the criterion benches the README's
//! figures come from.

use crate::error::CliError;
use std::time::{Duration, Instant};

/// The shortest sample.
pub const MIN_SAMPLE: Duration = Duration::from_millis(2);
/// Samples per measurement (odd, so the median is one of them).
pub const SAMPLES: usize = 9;
/// The most calls in one sample.
const MAX_CALLS: u64 = 1 << 24;

/// The median wall-clock nanoseconds of one call of `call`.
pub fn median_ns<F>(mut call: F) -> Result<f64, CliError>
where
    F: FnMut() -> Result<(), CliError>,
{
    call()?;
    let mut calls: u64 = 1;
    loop {
        let start = Instant::now();
        for _ in 0..calls {
            call()?;
        }
        if start.elapsed() >= MIN_SAMPLE || calls >= MAX_CALLS {
            break;
        }
        calls *= 2;
    }
    let mut per_call = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        for _ in 0..calls {
            call()?;
        }
        per_call.push(start.elapsed().as_nanos() as f64 / calls as f64);
    }
    Ok(median(&mut per_call))
}

/// The median of `values` (the mean of the middle two for an even count); NaN when
/// empty.
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// `ns` rounded to a tenth of a nanosecond, as reported.
pub fn round_tenth(ns: f64) -> f64 {
    (ns * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&mut []).is_nan());
    }

    #[test]
    fn a_measured_call_takes_about_its_time() {
        let ns = median_ns(|| {
            std::thread::sleep(Duration::from_millis(1));
            Ok(())
        })
        .unwrap();
        assert!((1.0e6..5.0e7).contains(&ns), "{ns}");
        assert_eq!(round_tenth(12.4567), 12.5);
    }

    #[test]
    fn an_error_stops_the_measurement() {
        let err = median_ns(|| Err(CliError::internal("no"))).unwrap_err();
        assert_eq!(err.exit_status(), 1);
    }
}
