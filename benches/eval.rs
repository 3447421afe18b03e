//! Evaluation benches for `adgraph-exec`, each beside a baseline measured in the same
//! run: one-point evaluation (ns per instruction) against the reference evaluator and
//! hand-written Rust; batched evaluation per point against hand-written Rust, one
//! thread, and two threads against one; `jvp` with one direction against `eval`; and
//! the slot count of the RK4 chain as a fraction of its nodes (printed).
//!
//! Single-threaded groups are timed in CPU time of the benchmarking thread (so that
//! other processes on a shared machine inflate them less); the thread-count group is
//! timed in wall time, which is what more threads improve.
//!
//! Run: `cargo bench --bench eval -- --warm-up-time 1 --measurement-time 3`.

use adgraph_exec::{Program, Workspace};
use adgraph_workloads::{Rng, Workload, MLP_LAYERS};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[path = "common/cpu_time.rs"]
mod cpu_time;

use cpu_time::ThreadCpuTimePerElement as CpuTime;

/// Rosenbrock written by hand, the same arithmetic as the workload graph.
fn rosenbrock_native(x: &[f64]) -> f64 {
    let mut f = 0.0;
    for i in 0..x.len() - 1 {
        let d = x[i + 1] - x[i] * x[i];
        let e = 1.0 - x[i];
        let t = 100.0 * (d * d) + e * e;
        f = if i == 0 { t } else { f + t };
    }
    f
}

/// The MLP's weights as the workload draws them: per layer, weights row by row, then
/// biases.
fn mlp_weights() -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut rng = Rng::new(42);
    (0..MLP_LAYERS.len() - 1)
        .map(|l| {
            let (n_in, n_out) = (MLP_LAYERS[l], MLP_LAYERS[l + 1]);
            let scale = 1.0 / (n_in as f64).sqrt();
            let w = (0..n_in * n_out).map(|_| rng.next_f64() * scale).collect();
            let b = (0..n_out).map(|_| rng.next_f64() * 0.1).collect();
            (w, b)
        })
        .collect()
}

/// The MLP written by hand (dense layers, tanh on hidden ones).
fn mlp_native(
    layers: &[(Vec<f64>, Vec<f64>)],
    input: &[f64],
    a: &mut Vec<f64>,
    next: &mut Vec<f64>,
) -> f64 {
    a.clear();
    a.extend_from_slice(input);
    for (l, (w, b)) in layers.iter().enumerate() {
        let n_in = a.len();
        next.clear();
        for (j, &bj) in b.iter().enumerate() {
            let row = &w[j * n_in..(j + 1) * n_in];
            let mut acc = bj;
            for (wi, ai) in row.iter().zip(a.iter()) {
                acc += wi * ai;
            }
            next.push(if l + 1 == layers.len() {
                acc
            } else {
                acc.tanh()
            });
        }
        std::mem::swap(a, next);
    }
    a[0]
}

/// `count` points near the workload's point, row after row.
fn points_near(w: &Workload, count: usize) -> Vec<f64> {
    let mut rng = Rng::new(11);
    (0..count)
        .flat_map(|_| {
            w.point
                .iter()
                .map(|&x| x + 0.01 * rng.next_f64())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn one_point(c: &mut Criterion<CpuTime>) {
    let w = adgraph_workloads::rosenbrock(100_000);
    let p = Program::compile(&w.graph, &w.function).unwrap();
    eprintln!(
        "rosenbrock-100000: {} instructions in {} steps (fused pairs), {} slots ({} working)",
        p.instruction_count(),
        p.step_count(),
        p.slot_count(),
        p.working_slot_count()
    );
    assert_eq!(p.eval(&w.point).unwrap()[0], rosenbrock_native(&w.point));
    let mut g = c.benchmark_group("eval-one-point/rosenbrock-100000");
    g.throughput(Throughput::Elements(p.instruction_count() as u64));
    let mut ws = Workspace::new();
    let mut out = [0.0];
    g.bench_function("program", |b| {
        b.iter(|| p.eval_with(&mut ws, black_box(&w.point), &mut out).unwrap())
    });
    g.bench_function("native", |b| {
        b.iter(|| rosenbrock_native(black_box(&w.point)))
    });
    g.bench_function("reference-evaluate", |b| {
        b.iter(|| adgraph_ir::evaluate(&w.graph, &w.function, black_box(&w.point)).unwrap())
    });
    g.finish();
}

const POINTS: usize = 1024;

fn batched(c: &mut Criterion<CpuTime>) {
    // Rosenbrock n = 1,000.
    let w = adgraph_workloads::rosenbrock(1000);
    let p = Program::compile(&w.graph, &w.function).unwrap();
    let pts = points_near(&w, POINTS);
    let mut out = vec![0.0; POINTS];
    let mut g = c.benchmark_group("eval-batch/rosenbrock-1000");
    g.throughput(Throughput::Elements(POINTS as u64));
    g.bench_function("program-1-thread", |b| {
        b.iter(|| p.eval_batch_into(black_box(&pts), &mut out, false).unwrap())
    });
    g.bench_function("native", |b| {
        b.iter(|| {
            for (o, x) in out.iter_mut().zip(pts.chunks(w.point.len())) {
                *o = rosenbrock_native(black_box(x));
            }
        })
    });
    g.finish();

    // The MLP with constant weights.
    let w = adgraph_workloads::mlp();
    let p = Program::compile(&w.graph, &w.function).unwrap();
    let layers = mlp_weights();
    let (mut a, mut next) = (Vec::new(), Vec::new());
    assert_eq!(
        p.eval(&w.point).unwrap()[0].to_bits(),
        mlp_native(&layers, &w.point, &mut a, &mut next).to_bits()
    );
    let pts = points_near(&w, POINTS);
    let mut g = c.benchmark_group("eval-batch/mlp");
    g.throughput(Throughput::Elements(POINTS as u64));
    g.bench_function("program-1-thread", |b| {
        b.iter(|| p.eval_batch_into(black_box(&pts), &mut out, false).unwrap())
    });
    g.bench_function("native", |b| {
        b.iter(|| {
            for (o, x) in out.iter_mut().zip(pts.chunks(w.point.len())) {
                *o = mlp_native(&layers, black_box(x), &mut a, &mut next);
            }
        })
    });
    g.finish();
}

fn threads(c: &mut Criterion) {
    let points = 4 * POINTS;
    for w in [
        adgraph_workloads::rosenbrock(1000),
        adgraph_workloads::mlp(),
    ] {
        let p = Program::compile(&w.graph, &w.function).unwrap();
        let pts = points_near(&w, points);
        let mut out = vec![0.0; points];
        let mut g = c.benchmark_group(format!("eval-batch-threads/{}", w.name));
        g.throughput(Throughput::Elements(points as u64));
        for n in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap();
            g.bench_function(BenchmarkId::new("threads", n), |b| {
                b.iter(|| {
                    pool.install(|| p.eval_batch_into(black_box(&pts), &mut out, true).unwrap())
                })
            });
        }
        g.finish();
    }
}

fn tangents(c: &mut Criterion<CpuTime>) {
    for w in [
        adgraph_workloads::rosenbrock(100_000),
        adgraph_workloads::van_der_pol(20_000),
    ] {
        let p = Program::compile(&w.graph, &w.function).unwrap();
        let mut ws = Workspace::new();
        let mut out = [0.0];
        let mut t = [0.0];
        let mut dir = vec![0.0; p.input_count()];
        dir[0] = 1.0;
        let mut g = c.benchmark_group(format!("jvp/{}", w.name));
        g.throughput(Throughput::Elements(p.instruction_count() as u64));
        g.bench_function("eval", |b| {
            b.iter(|| p.eval_with(&mut ws, black_box(&w.point), &mut out).unwrap())
        });
        g.bench_function("jvp-1-direction", |b| {
            b.iter(|| {
                p.jvp_with(&mut ws, black_box(&w.point), &dir, 1, &mut out, &mut t)
                    .unwrap()
            })
        });
        g.finish();
    }
}

fn slots(_: &mut Criterion<CpuTime>) {
    let w = adgraph_workloads::van_der_pol(20_000);
    let p = Program::compile(&w.graph, &w.function).unwrap();
    let nodes = p.value_count();
    eprintln!(
        "rk4-20000: {nodes} nodes, {} instructions, {} slots ({} working): slots = {:.4}% of nodes",
        p.instruction_count(),
        p.slot_count(),
        p.working_slot_count(),
        100.0 * p.slot_count() as f64 / nodes as f64
    );
}

criterion_group! {
    name = cpu;
    config = Criterion::default().with_measurement(CpuTime);
    targets = slots, one_point, batched, tangents
}
criterion_group!(wall, threads);
criterion_main!(cpu, wall);
