//! Criterion measurements of the benchmarking thread's CPU time
//! (`CLOCK_THREAD_CPUTIME_ID`), shared by the benches (`#[path]`-included): the machine
//! these benches run on is shared by several jobs, and wall time would measure their
//! load rather than this code.
//!
//! [`ThreadCpuTime`] prints like criterion's wall time (`ms`, `us`; throughputs per
//! second); [`ThreadCpuTimePerElement`] prints `ns cpu` and throughputs as nanoseconds
//! of CPU time per element, the figure the README's evaluation table quotes.

#![allow(dead_code)] // each bench uses one of the two measurements

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::Throughput;
use std::time::Duration;

/// CPU time of the calling thread so far.
pub fn thread_cpu_now() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec; the clock id is a constant of libc.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Thread CPU time, formatted as criterion formats wall time.
pub struct ThreadCpuTime;

/// Thread CPU time, formatted in `ns cpu` with throughputs in ns per element.
pub struct ThreadCpuTimePerElement;

static WALL: WallTime = WallTime;

macro_rules! cpu_measurement {
    ($name:ident, $formatter:expr) => {
        impl Measurement for $name {
            type Intermediate = Duration;
            type Value = Duration;
            fn start(&self) -> Duration {
                thread_cpu_now()
            }
            fn end(&self, start: Duration) -> Duration {
                thread_cpu_now().saturating_sub(start)
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
                $formatter
            }
        }
    };
}

cpu_measurement!(ThreadCpuTime, WALL.formatter());
cpu_measurement!(ThreadCpuTimePerElement, &PerElement);

/// Prints CPU nanoseconds with a unit, and throughputs as ns of CPU per element.
struct PerElement;

impl ValueFormatter for PerElement {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns cpu")
        } else if typical < 1e6 {
            (1e-3, "us cpu")
        } else if typical < 1e9 {
            (1e-6, "ms cpu")
        } else {
            (1e-9, "s cpu")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }
    fn scale_throughputs(&self, _: f64, t: &Throughput, values: &mut [f64]) -> &'static str {
        let n = match t {
            Throughput::Elements(n) | Throughput::Bytes(n) | Throughput::BytesDecimal(n) => {
                *n as f64
            }
        };
        values.iter_mut().for_each(|v| *v /= n);
        "ns cpu/elem"
    }
    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns cpu"
    }
}
