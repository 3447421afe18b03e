//! The optimizing passes, measured: the default pipeline on random graphs of 100,000
//! and 1,000,000 nodes (so the growth shows), beside building the same graph through
//! the constructors (the baseline of the same run), and on every workload at two
//! sizes in each mode, beside building the workload.
//!
//! Groups: `passes/random`, rows `build (baseline)/N`, `pipeline strict/N`,
//! `pipeline fast/N` for N = 100,000 and 1,000,000 (the node and pass counts after
//! each pipeline are printed to stderr); `passes/workloads`, rows
//! `build (baseline)/<workload>`, `strict/<workload>`, `fast/<workload>` for
//! Rosenbrock n = 1,000 and 100,000, the RK4 chain of 1,000 and 20,000 steps, the MLP
//! with constant weights and with weights as inputs (one size: its layer widths are a
//! constant of the workloads crate), Lennard-Jones 30 and 100; after each workload a
//! `summary passes/workloads/<workload>` line on stderr gives the medians and the
//! ratios to building it.
//!
//! Times are thread CPU time (`CLOCK_THREAD_CPUTIME_ID`), as in `benches/build.rs`:
//! the machine is shared, and wall time would measure the other jobs' load.
//!
//! Run: `cargo bench --bench passes -- --warm-up-time 1 --measurement-time 3` (about
//! 4 minutes; the Fast pipeline on the million-node graphs takes seconds a sample);
//! the workloads only: append `passes/workloads`.

use adgraph_opt::{optimize, FloatMode};
use adgraph_workloads::{
    lennard_jones, mlp, mlp_weights, random_graph, rosenbrock, van_der_pol, Workload,
};
use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use std::hint::black_box;
use std::time::Duration;

#[path = "common/cpu_time.rs"]
mod cpu_time;

#[path = "common/medians.rs"]
mod medians;

use cpu_time::ThreadCpuTime;
use medians::Medians;

/// Samples per row (flat sampling: a row of the large workloads takes up to seconds).
const SAMPLES: usize = 10;

fn random_graphs(c: &mut Criterion<ThreadCpuTime>) {
    let mut group = c.benchmark_group("passes/random");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    for n in [100_000, 1_000_000] {
        let (g, f) = random_graph(n);
        group.throughput(Throughput::Elements(g.len() as u64));
        group.bench_with_input(BenchmarkId::new("build (baseline)", n), &n, |b, &n| {
            b.iter(|| black_box(random_graph(n)))
        });
        for (name, mode) in [
            ("pipeline strict", FloatMode::Strict),
            ("pipeline fast", FloatMode::Fast),
        ] {
            group.bench_with_input(BenchmarkId::new(name, n), &g, |b, g| {
                b.iter(|| black_box(optimize(g, std::slice::from_ref(&f), mode).unwrap()))
            });
        }
        for mode in [FloatMode::Strict, FloatMode::Fast] {
            let (r, report) = optimize(&g, std::slice::from_ref(&f), mode).unwrap();
            eprintln!(
                "random {n}: {} nodes built, {} after the {mode:?} pipeline, {} rounds:\n{report}",
                g.len(),
                r.graph.len(),
                report.rounds
            );
        }
    }
    group.finish();
}

/// The workloads at two sizes each (the MLP at its one size, with constant weights
/// and with weights as inputs), each with the builder that makes it.
fn workload_builders() -> Vec<Box<dyn Fn() -> Workload>> {
    vec![
        Box::new(|| rosenbrock(1000)),
        Box::new(|| rosenbrock(100_000)),
        Box::new(|| van_der_pol(1000)),
        Box::new(|| van_der_pol(20_000)),
        Box::new(mlp),
        Box::new(mlp_weights),
        Box::new(|| lennard_jones(30)),
        Box::new(|| lennard_jones(100)),
    ]
}

fn workloads(c: &mut Criterion<ThreadCpuTime>) {
    let rec = Medians::cpu();
    let mut group = c.benchmark_group("passes/workloads");
    group.sample_size(SAMPLES).sampling_mode(SamplingMode::Flat);
    for build in workload_builders() {
        let w = build();
        // Summary keys: `passes/workloads/<workload>/<row>`, one line per workload.
        let key = |row: &str| format!("passes/workloads/{}/{row}", w.name);
        group.bench_function(BenchmarkId::new("build (baseline)", &w.name), |b| {
            rec.iter(b, &key("build (baseline)"), SAMPLES, &build)
        });
        for (name, mode) in [("strict", FloatMode::Strict), ("fast", FloatMode::Fast)] {
            group.bench_function(BenchmarkId::new(name, &w.name), |b| {
                rec.iter(b, &key(name), SAMPLES, || {
                    optimize(&w.graph, std::slice::from_ref(&w.function), mode).unwrap()
                })
            });
        }
        rec.summary(
            &format!("passes/workloads/{}", w.name),
            &["build (baseline)"],
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = random_graphs, workloads
}
criterion_main!(benches);
