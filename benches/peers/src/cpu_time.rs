//! A criterion measurement of the process's CPU time instead of wall-clock time.
//!
//! The machine these benches ran on was shared with other jobs (up to several builds
//! on two cores). Wall-clock time then counts the slices other processes take; the
//! CPU time of the measuring process does not, so single-threaded figures stay
//! comparable across runs and with `peers.py`, which measures the same way
//! (`time.process_time`). Everything measured here runs on one thread.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// CPU time of this process (`CLOCK_PROCESS_CPUTIME_ID`), in nanoseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessCpuTime;

/// The current CPU time of the process; zero if the clock cannot be read (Linux and
/// the other Unix systems this bench runs on always can).
pub fn process_cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        t.tv_sec.max(0) as u64,
        t.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

impl Measurement for ProcessCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        process_cpu_time()
    }

    fn end(&self, start: Duration) -> Duration {
        process_cpu_time().saturating_sub(start)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        // Values are nanoseconds, as for wall time: reuse its formatter.
        WallTime.formatter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_advances_with_work() {
        let m = ProcessCpuTime;
        let start = m.start();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        let spent = m.end(start);
        assert!(spent > Duration::from_micros(100), "{spent:?} for {x}");
    }
}
