//! Criterion bench: adgraph, hand-written native Rust, echidna and num-dual on the
//! standard workloads, in one run so every ratio compares numbers measured together.
//!
//! Groups are named `<workload>.<what>` with `what` one of `f` (value at one point),
//! `grad` (value and gradient at one point), `batch-f` and `batch-grad` (per point over
//! a batch of 1,000 points; criterion's time is for the whole batch). The bench ids
//! are the systems. Times are the process's CPU time (the machine is shared; see
//! `adgraph_peers::cpu_time`). `cargo run --release --bin peers-table` turns the medians into the
//! README's tables. After each `grad` group, adgraph's two gradients (the reverse
//! interpreter and the compiled symbolic gradient) and echidna's run again in
//! alternating blocks on one pinned core, and a `summary <workload>.grad alternated`
//! line gives the medians over rounds of their ratios (`benches/common/alternate.rs`). Run with short settings on a shared machine:
//! `cargo bench --manifest-path benches/peers/Cargo.toml -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use adgraph_exec::ReversePlan;
use adgraph_peers::adgraph_reverse::ReverseParts;
use adgraph_peers::adgraph_side::Adgraph;
use adgraph_peers::cpu_time::ProcessCpuTime;
use adgraph_peers::data::{batch_points, BATCH};
use adgraph_peers::peers::{
    echidna_f, echidna_grad, echidna_tape, echidna_vdp_checkpointed, num_dual_grad,
};
use adgraph_peers::{Case, Kind, NativeScratch};
use adgraph_remat::Strategy;
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../../common/alternate.rs"]
mod alternate;
#[path = "../../common/cpu_time.rs"]
mod cpu_time;
#[path = "../../common/medians.rs"]
mod medians;

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
    group.bench_function("adgraph-native", |b| {
        b.iter(|| adgraph.native_f(black_box(&x)))
    });
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
    group.bench_function("adgraph-native", |b| {
        b.iter(|| adgraph.native_grad(black_box(&x)).map(|o| o[0]))
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
    // adgraph's routes and echidna side by side on one core (see `alternate`): the
    // ratios of the code, free of the phase each criterion row landed in. (Two of the
    // routes share `adgraph`'s workspace, hence the cell.)
    let adgraph = std::cell::RefCell::new(adgraph);
    alternate::alternated(
        &format!("{}.grad", case.name()),
        24,
        &mut [
            ("adgraph", &mut || {
                black_box(reverse.grad(black_box(&x), 0).ok());
            }),
            ("adgraph-symbolic", &mut || {
                let mut a = adgraph.borrow_mut();
                black_box(a.symbolic_grad(black_box(&x)).map(|o| o[0]).ok());
            }),
            ("adgraph-native", &mut || {
                let mut a = adgraph.borrow_mut();
                black_box(a.native_grad(black_box(&x)).map(|o| o[0]).ok());
            }),
            ("echidna", &mut || {
                black_box(echidna_grad(&mut tape, black_box(&x), &mut adjoints));
            }),
        ],
    );
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
