//! Comparisons timed side by side on one pinned core, shared by the benches
//! (`#[path]`-included, also by `benches/peers`, each beside `cpu_time.rs` and
//! `medians.rs` of this directory, whose clock and formatting it uses).
//!
//! Why besides criterion's rows: criterion times each row for seconds, one after the
//! other, and on the virtual machine these figures come from a vCPU's speed moves by
//! up to 1.5x in phases of a tenth of a second to a second, and the two vCPUs move
//! independently (a C loop of libm `tanh` pinned to each, run side by side, shows
//! both). The ratio of two criterion rows therefore also carries the phase each row
//! landed in. [`alternated`] runs blocks of about 20 ms of each row in turn on
//! one core, so every round puts the rows under the same phase, and quotes the median
//! over rounds of each row's ratio to the first: the ratio of the code.

#![allow(dead_code)] // each bench uses part of it

/// The median of `v` (sorted in place; the upper middle for an even length; NaN if
/// empty).
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// CPU time of the calling thread, in seconds.
fn thread_cpu_seconds() -> f64 {
    super::cpu_time::thread_cpu_now().as_secs_f64()
}

/// Pins the calling thread to CPU `cpu`; false where the system refuses (fewer CPUs,
/// a restricted affinity mask) or is not Linux.
#[cfg(target_os = "linux")]
pub fn pin_to(cpu: usize) -> bool {
    // SAFETY: `set` is a plain bit mask; CPU_SET indexes within it (checked against
    // its size); sched_setaffinity reads that many bytes; pid 0 is the calling thread.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if cpu >= 8 * size {
            return false;
        }
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size, &set) == 0
    }
}

/// Pinning is Linux's `sched_setaffinity` here; elsewhere nothing is pinned.
#[cfg(not(target_os = "linux"))]
pub fn pin_to(_cpu: usize) -> bool {
    false
}

/// Runs `f` with the calling thread pinned to the CPU it is on, then gives the thread
/// back its affinity mask. The flag passed to `f` says whether pinning worked.
#[cfg(target_os = "linux")]
pub fn on_this_core<R>(f: impl FnOnce(bool) -> R) -> R {
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: `old` is a writable mask of `size` bytes; pid 0 is the calling thread.
    let old = unsafe {
        let mut old: libc::cpu_set_t = std::mem::zeroed();
        (libc::sched_getaffinity(0, size, &mut old) == 0).then_some(old)
    };
    // SAFETY: sched_getcpu takes no arguments.
    let cpu = usize::try_from(unsafe { libc::sched_getcpu() }).ok();
    let pinned = old.is_some() && cpu.is_some_and(pin_to);
    let r = f(pinned);
    if let (true, Some(old)) = (pinned, old) {
        // SAFETY: `old` is a valid mask of `size` bytes; pid 0 is the calling thread.
        unsafe { libc::sched_setaffinity(0, size, &old) };
    }
    r
}

/// Pinning is Linux's `sched_setaffinity` here; elsewhere `f` runs unpinned.
#[cfg(not(target_os = "linux"))]
pub fn on_this_core<R>(f: impl FnOnce(bool) -> R) -> R {
    f(false)
}

/// Rows whose call takes longer are alternated in long blocks. Such a call streams
/// megabytes (the RK4 chain of 20,000 steps: its gradient reads about 40 MB of code,
/// records and tape): after another row's block it runs up to 2.5x slower than
/// criterion's repeated calls, and only settles after tens of repetitions (a scratch
/// loop of `eval` and store-all gradients of that chain: 5.8 ms a gradient falling to
/// 3.4 ms over six calls, against criterion's 2.3 ms), so a block of a few calls
/// would time it cold. Where any row is this slow, every row of the comparison runs
/// blocks of about [`LONG_BLOCK_SECONDS`] and the first quarter of each block's calls
/// is not counted.
const MAX_CALL_SECONDS: f64 = 1e-3;
/// Calls of a block: enough for about this many seconds, at least [`MIN_CALLS`].
const BLOCK_SECONDS: f64 = 20e-3;
/// The block length where some row's call takes over [`MAX_CALL_SECONDS`]: long
/// enough for tens of calls of a 10 ms row, short enough that a round of three rows
/// stays within about a second.
const LONG_BLOCK_SECONDS: f64 = 0.3;
/// The most rounds of long blocks.
const LONG_ROUNDS: usize = 8;
/// The fewest calls of a block: the first is not counted (see [`alternated`]).
const MIN_CALLS: usize = 3;
/// The fewest calls of a long block (the first quarter, at least 2, not counted).
const MIN_LONG_CALLS: usize = 8;

/// Times `rows` side by side on the calling thread, pinned to its core: `rounds`
/// rounds, each running every row for a block of about 20 ms and at least 3 calls
/// (the number of calls fixed from one timed call), timed in thread CPU time without
/// the block's first call, which finds the caches as the previous row left them (a
/// row whose call takes milliseconds would otherwise be timed cold, as no caller
/// repeating it sees it). Where a row's call takes more than [`MAX_CALL_SECONDS`],
/// at most [`LONG_ROUNDS`] rounds of blocks of about [`LONG_BLOCK_SECONDS`] instead,
/// the first quarter of each block's calls not counted. Prints to stderr
///
/// `summary <name> alternated (...): <row> <time a call>, ...; <row> / <earlier row> <r>x, ...`
///
/// with each row's median time a call and the median over rounds of its ratio to
/// every earlier row. Returns the medians of each row's ratio to the first (the first
/// is 1).
pub fn alternated(name: &str, rounds: usize, rows: &mut [(&str, &mut dyn FnMut())]) -> Vec<f64> {
    if rows.is_empty() {
        return Vec::new();
    }
    let rounds = rounds.max(1);
    on_this_core(|pinned| {
        let once: Vec<f64> = rows
            .iter_mut()
            .map(|(_, f)| {
                f(); // warm: a first call may allocate or fault pages in
                let start = thread_cpu_seconds();
                f();
                thread_cpu_seconds() - start
            })
            .collect();
        let long = once.iter().any(|&t| t > MAX_CALL_SECONDS);
        let (block, fewest, rounds) = if long {
            (LONG_BLOCK_SECONDS, MIN_LONG_CALLS, rounds.min(LONG_ROUNDS))
        } else {
            (BLOCK_SECONDS, MIN_CALLS, rounds)
        };
        let calls: Vec<usize> = once
            .iter()
            .map(|&t| ((block / t.max(1e-7)) as usize).clamp(fewest, 1_000_000))
            .collect();
        // Calls not counted at the start of each block while the caches fill: the
        // first (short blocks), or the first quarter (long blocks).
        let skipped: Vec<usize> = calls
            .iter()
            .map(|&k| if long { (k / 4).max(2) } else { 1 })
            .collect();
        let n = rows.len();
        let mut times = vec![Vec::with_capacity(rounds); n];
        // Every row against every earlier one: `ratios[i * n + j]`, j < i.
        let mut ratios = vec![Vec::with_capacity(rounds); n * n];
        let mut round = vec![0.0; n];
        for _ in 0..rounds {
            for ((((_, f), &k), &s), r) in rows.iter_mut().zip(&calls).zip(&skipped).zip(&mut round)
            {
                for _ in 0..s {
                    f(); // not counted: it finds the caches as the previous row left them
                }
                let start = thread_cpu_seconds();
                for _ in s..k {
                    f();
                }
                *r = (thread_cpu_seconds() - start) / (k - s) as f64;
            }
            for (i, (t, &r)) in times.iter_mut().zip(&round).enumerate() {
                t.push(r);
                for j in 0..i {
                    ratios[i * n + j].push(r / round[j]);
                }
            }
        }
        let timed: Vec<String> = rows
            .iter()
            .zip(&mut times)
            .zip(&calls)
            .map(|(((row, _), t), k)| {
                format!(
                    "{row} {} ({k} calls a block)",
                    super::medians::format_ns(median(t) * 1e9)
                )
            })
            .collect();
        let mut relative = Vec::new();
        let mut first = Vec::with_capacity(n);
        for i in 0..n {
            for j in 0..i {
                let r = median(&mut ratios[i * n + j]);
                relative.push(format!("{} / {} {r:.2}x", rows[i].0, rows[j].0));
                if j == 0 {
                    first.push(r);
                }
            }
        }
        eprintln!(
            "summary {name} alternated ({rounds} rounds{}{}, medians): {}; {}",
            if long {
                format!(
                    " of blocks of about {LONG_BLOCK_SECONDS} s, the first quarter of each \
                     not counted"
                )
            } else {
                String::new()
            },
            if pinned { ", one pinned core" } else { "" },
            timed.join(", "),
            relative.join(", ")
        );
        std::iter::once(1.0).chain(first).collect()
    })
}
