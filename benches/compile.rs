//! Lowering a function for the interpreters, on every workload at two sizes: the
//! forward interpreter's `Program::compile`, and the reverse interpreter's three
//! steps for a store-all gradient (the trace, `Trace::from_function`; the plan,
//! `plan_checkpoints`; and the plan laid out as sweep code, `ReversePlan::new`).
//!
//! Baselines of the same run: copying the function through the smart constructors
//! (`adgraph_diff::compact`, one pass over its nodes, as in `benches/diff.rs`), and one
//! evaluation of the compiled program, so a row also reads as how many evaluations
//! its lowering costs.
//!
//! Groups `compile/<workload>` (Rosenbrock n = 1,000 and 100,000, the RK4 chain of
//! 1,000 and 20,000 steps, Lennard-Jones 30 and 100, the MLP with constant weights
//! and with weights as inputs: one size, its layer widths being a constant of the
//! workloads crate), rows `copy f (baseline)`, `eval`, `program`, `trace`,
//! `plan store-all`, `reverse-plan store-all`. Times are the bench thread's CPU time;
//! after each group a `summary compile/<workload>` line on stderr gives every row's
//! median and its ratios to the copy and to one evaluation.
//!
//! Run: `cargo bench --bench compile -- --warm-up-time 1 --measurement-time 3`
//! (about 4 minutes); one workload: append its group, e.g. `'compile/lj-30/'`.

use adgraph_exec::{Program, ReversePlan, Workspace};
use adgraph_remat::{plan_checkpoints, CostModel, Strategy, Trace};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

#[path = "common/cpu_time.rs"]
mod cpu_time;
#[path = "common/medians.rs"]
mod medians;
#[path = "common/workloads.rs"]
mod workloads;

use cpu_time::ThreadCpuTime;
use medians::Medians;

/// Samples per row (the large workloads take a few hundred ms a row).
const SAMPLES: usize = 10;

fn compile(c: &mut Criterion<ThreadCpuTime>) {
    let rec = Medians::cpu();
    let costs = CostModel::default();
    for w in workloads::two_sizes() {
        let name = format!("compile/{}", w.name);
        let id = |row: &str| format!("{name}/{row}");
        let (g, f) = (&w.graph, &w.function);
        let program = Program::compile(g, f).unwrap();
        let t = Trace::from_function(g, f).unwrap();
        let all = plan_checkpoints(&t, Strategy::StoreAll, &costs).unwrap();
        eprintln!(
            "{}: {} nodes in the graph, {} instructions, {} trace steps",
            w.name,
            g.len(),
            program.instruction_count(),
            t.steps().len()
        );
        let mut group = c.benchmark_group(&name);
        group.sample_size(SAMPLES);
        group.bench_function("copy f (baseline)", |b| {
            rec.iter(b, &id("copy f (baseline)"), SAMPLES, || {
                adgraph_diff::compact(g, f).unwrap()
            })
        });
        let (mut ws, mut out) = (Workspace::new(), vec![0.0; program.output_count()]);
        group.bench_function("eval", |b| {
            rec.iter(b, &id("eval"), SAMPLES, || {
                program
                    .eval_with(&mut ws, black_box(&w.point), &mut out)
                    .unwrap()
            })
        });
        group.bench_function("program", |b| {
            rec.iter(b, &id("program"), SAMPLES, || {
                Program::compile(black_box(g), f).unwrap()
            })
        });
        // Translating the program to machine code (x86-64 Unix).
        if program.native().is_ok() {
            group.bench_function("native code", |b| {
                rec.iter(b, &id("native code"), SAMPLES, || {
                    black_box(&program).native().unwrap()
                })
            });
        }
        group.bench_function("trace", |b| {
            rec.iter(b, &id("trace"), SAMPLES, || {
                Trace::from_function(black_box(g), f).unwrap()
            })
        });
        group.bench_function("plan store-all", |b| {
            rec.iter(b, &id("plan store-all"), SAMPLES, || {
                plan_checkpoints(black_box(&t), Strategy::StoreAll, &costs).unwrap()
            })
        });
        group.bench_function("reverse-plan store-all", |b| {
            rec.iter(b, &id("reverse-plan store-all"), SAMPLES, || {
                ReversePlan::new(black_box(&t), &all).unwrap()
            })
        });
        group.finish();
        rec.summary(&name, &["copy f (baseline)", "eval"]);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = compile
}
criterion_main!(benches);
