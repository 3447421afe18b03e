//! Criterion bench: adgraph, hand-written native Rust, echidna and num-dual on the
//! standard workloads, in one run so every ratio compares numbers measured together.
//!
//! Groups are named `<workload>.<what>` with `what` one of `f` (value at one point),
//! `grad` (value and gradient at one point), `batch-f` and `batch-grad` (per point over
//! a batch of 1,000 points; criterion's time is for the whole batch). The bench ids
//! are the systems. Times are the process's CPU time (the machine is shared; see
//! `adgraph_peers::cpu_time`). `cargo run --release --bin peers-table` turns the medians into the
//! README's tables. Run with short settings on a shared machine:
//! `cargo bench --manifest-path benches/peers/Cargo.toml -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use adgraph_exec::ReversePlan;
use adgraph_peers::adgraph_reverse::ReverseParts;
use adgraph_peers::adgraph_side::Adgraph;
use adgraph_peers::cpu_time::{process_cpu_time, ProcessCpuTime};
use adgraph_peers::data::{batch_points, BATCH};
use adgraph_peers::peers::{
    echidna_f, echidna_grad, echidna_tape, echidna_vdp_checkpointed, num_dual_grad,
};
use adgraph_peers::{Case, Kind, NativeScratch};
use adgraph_remat::Strategy;
use criterion::{criterion_group, criterion_main, Criterion};

/// Criterion measuring the process's CPU time (see `adgraph_peers::cpu_time`).
type Bench = Criterion<ProcessCpuTime>;

/// Checkpoints for echidna's `grad_checkpointed` on the 20,000-step chain (~sqrt).
const VDP_CHECKPOINTS: usize = 141;

fn one_point(c: &mut Bench, case: &Case) {
    let x = case.point().to_vec();
    let n = x.len();
    let slow = n >= 300 || matches!(case.kind, Kind::VanDerPol(20000));
    let mut scratch = NativeScratch::default();
    let mut tape = echidna_tape(case);
    let mut adgraph = Adgraph::new(case).expect("adgraph compiles the workload");

    let mut group = c.benchmark_group(format!("{}.f", case.name()));
    group.sample_size(20);
    group.bench_function("adgraph", |b| b.iter(|| adgraph.f(black_box(&x))));
    group.bench_function("native", |b| {
        b.iter(|| case.native_f(black_box(&x), &mut scratch))
    });
    group.bench_function("echidna", |b| {
        b.iter(|| echidna_f(&mut tape, black_box(&x)))
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{}.grad", case.name()));
    group.sample_size(if slow { 10 } else { 20 });
    let mut g = vec![0.0; n];
    let store_all = ReverseParts::new(case, Strategy::StoreAll).expect("adgraph plans StoreAll");
    let reverse = ReversePlan::new(&store_all.trace, &store_all.plan).expect("plan fits its trace");
    group.bench_function("adgraph", |b| b.iter(|| reverse.grad(black_box(&x), 0)));
    group.bench_function("adgraph-symbolic", |b| {
        b.iter(|| adgraph.symbolic_grad(black_box(&x)).map(|o| o[0]))
    });
    if let Kind::VanDerPol(_) = case.kind {
        let revolve = ReverseParts::new(case, Strategy::Revolve(VDP_CHECKPOINTS as u32))
            .expect("adgraph plans Revolve");
        let checkpointed =
            ReversePlan::new(&revolve.trace, &revolve.plan).expect("plan fits its trace");
        group.bench_function("adgraph-revolve", |b| {
            b.iter(|| checkpointed.grad(black_box(&x), 0))
        });
    }
    group.bench_function("native", |b| {
        b.iter(|| case.native_grad(black_box(&x), &mut g, &mut scratch))
    });
    let mut adjoints = Vec::new();
    group.bench_function("echidna", |b| {
        b.iter(|| echidna_grad(&mut tape, black_box(&x), &mut adjoints))
    });
    if let Kind::VanDerPol(steps) = case.kind {
        group.bench_function("echidna-checkpointed", |b| {
            b.iter(|| echidna_vdp_checkpointed(black_box(&x), steps, VDP_CHECKPOINTS))
        });
    }
    let mut duals = Vec::new();
    group.bench_function("num-dual", |b| {
        b.iter(|| num_dual_grad(case, black_box(&x), &mut g, &mut duals))
    });
    group.finish();
    alternated(
        &format!("{}.grad", case.name()),
        &mut || {
            black_box(reverse.grad(black_box(&x), 0).ok());
        },
        &mut || {
            black_box(echidna_grad(&mut tape, black_box(&x), &mut adjoints));
        },
    );
}

/// adgraph's one-point gradient and echidna's, alternated on one pinned core: rounds
/// of a block of calls of each (about 5 ms a block), timed in process CPU time, and a
/// `summary <case>.grad alternated` line on stderr with each one's median time a call
/// and the median over rounds of echidna's time over adgraph's.
///
/// Why besides criterion's rows: criterion times each system for seconds, one after
/// the other, and on the virtual machine these figures come from a vCPU's speed moves
/// by up to 1.5x in phases of a tenth of a second to a second, so the ratio of two
/// rows also carries the phase each landed in. Alternating blocks a few milliseconds
/// long on the same core puts both under the same phase; each round gives a ratio, and
/// their median is the ratio of the code.
fn alternated(name: &str, adgraph: &mut dyn FnMut(), echidna: &mut dyn FnMut()) {
    const ROUNDS: usize = 24;
    let pinned = pin_to_current_cpu();
    let calls = |f: &mut dyn FnMut()| {
        let start = process_cpu_time();
        f();
        let once = (process_cpu_time() - start).as_secs_f64();
        ((5e-3 / once.max(1e-7)) as usize).clamp(1, 100_000)
    };
    let (ka, ke) = (calls(adgraph), calls(echidna));
    let block = |f: &mut dyn FnMut(), k: usize| {
        let start = process_cpu_time();
        for _ in 0..k {
            f();
        }
        (process_cpu_time() - start).as_secs_f64() / k as f64
    };
    let (mut ta, mut te, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let a = block(adgraph, ka);
        let e = block(echidna, ke);
        ta.push(a);
        te.push(e);
        ratios.push(e / a);
    }
    if let Some(mask) = pinned {
        restore_affinity(&mask);
    }
    eprintln!(
        "summary {name} alternated ({ROUNDS} rounds of {ka} adgraph and {ke} echidna calls{}, medians): \
         adgraph {:.3} us, echidna {:.3} us; echidna / adgraph {:.2}x",
        if pinned.is_some() { ", one core" } else { "" },
        median(&mut ta) * 1e6,
        median(&mut te) * 1e6,
        median(&mut ratios),
    );
}

/// The median of `v` (sorted in place; upper middle for an even length).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Pins the calling thread to the CPU it is running on; the previous affinity mask,
/// or `None` if it could not.
fn pin_to_current_cpu() -> Option<libc::cpu_set_t> {
    // SAFETY: `old` and `set` are plain bit masks of the size passed; pid 0 is the
    // calling thread; CPU_SET indexes within the mask (checked against its size).
    unsafe {
        let mut old: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if libc::sched_getaffinity(0, size, &mut old) != 0 {
            return None;
        }
        let cpu = usize::try_from(libc::sched_getcpu()).ok()?;
        if cpu >= 8 * size {
            return None;
        }
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        (libc::sched_setaffinity(0, size, &set) == 0).then_some(old)
    }
}

/// Gives the calling thread back the affinity mask `mask`.
fn restore_affinity(mask: &libc::cpu_set_t) {
    // SAFETY: `mask` is a valid mask of the size passed; pid 0 is the calling thread.
    unsafe {
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), mask);
    }
}

fn batched(c: &mut Bench, case: &Case) {
    let n = case.point().len();
    let points = batch_points(case.point(), BATCH);
    let mut scratch = NativeScratch::default();
    let mut tape = echidna_tape(case);
    let mut out = vec![0.0; BATCH];
    let adgraph = Adgraph::new(case).expect("adgraph compiles the workload");

    let mut group = c.benchmark_group(format!("{}.batch-f", case.name()));
    group.sample_size(10);
    group.bench_function("adgraph", |b| {
        b.iter(|| adgraph.f_batch(black_box(&points), &mut out))
    });
    group.bench_function("native", |b| {
        b.iter(|| {
            for (o, x) in out.iter_mut().zip(points.chunks_exact(n)) {
                *o = case.native_f(black_box(x), &mut scratch);
            }
        })
    });
    group.bench_function("echidna", |b| {
        b.iter(|| {
            for (o, x) in out.iter_mut().zip(points.chunks_exact(n)) {
                *o = echidna_f(&mut tape, black_box(x));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{}.batch-grad", case.name()));
    group.sample_size(10);
    let mut grads = vec![0.0; n * BATCH];
    let mut with_values = vec![0.0; (n + 1) * BATCH];
    let store_all = ReverseParts::new(case, Strategy::StoreAll).expect("adgraph plans StoreAll");
    let reverse = ReversePlan::new(&store_all.trace, &store_all.plan).expect("plan fits its trace");
    let cotangents = vec![1.0; BATCH];
    group.bench_function("adgraph", |b| {
        b.iter(|| reverse.vjp_batch(black_box(&points), &cotangents))
    });
    group.bench_function("adgraph-symbolic", |b| {
        b.iter(|| adgraph.symbolic_grad_batch(black_box(&points), &mut with_values))
    });
    group.bench_function("native", |b| {
        b.iter(|| {
            for (g, x) in grads.chunks_exact_mut(n).zip(points.chunks_exact(n)) {
                case.native_grad(black_box(x), g, &mut scratch);
            }
        })
    });
    let mut adjoints = Vec::new();
    group.bench_function("echidna", |b| {
        b.iter(|| {
            for (g, x) in grads.chunks_exact_mut(n).zip(points.chunks_exact(n)) {
                g.copy_from_slice(&echidna_grad(&mut tape, black_box(x), &mut adjoints));
            }
        })
    });
    group.finish();
}

fn all(c: &mut Bench) {
    // One thread for every system: the reverse interpreter's batches use rayon's pool.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global();
    let filter = std::env::var("PEERS_CASES").ok();
    for case in Case::all() {
        if let Some(only) = &filter {
            if !only.split(',').any(|name| name == case.name()) {
                continue;
            }
        }
        one_point(c, &case);
        if case.batched {
            batched(c, &case);
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ProcessCpuTime);
    targets = all
}
criterion_main!(benches);
