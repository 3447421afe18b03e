//! Symbolic differentiation on every workload at two sizes: building the gradient
//! graph (beside copying the function itself through the same smart constructors, the
//! baseline of the same run), optimizing it, compiling it, and evaluating the compiled
//! `[f, grad f]` beside the compiled `f` (the cheap-gradient ratio of the symbolic
//! route); plus a Hessian-vector product graph (forward over reverse) of Rosenbrock.
//!
//! `cargo bench --bench diff -- --warm-up-time 1 --measurement-time 3`; one workload:
//! append its name, e.g. `'lj-30'`. Times are the bench thread's CPU time, as in the
//! other benches (wall time on a shared machine measures the other jobs' load too).

use adgraph_diff::{compact, grad, hvp};
use adgraph_exec::{Program, Workspace};
use adgraph_ir::{FloatMode, Function, Graph};
use adgraph_workloads::rosenbrock;
use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};

#[path = "common/cpu_time.rs"]
mod cpu_time;
#[path = "common/workloads.rs"]
mod workloads;

use cpu_time::ThreadCpuTime;

/// The strict pipeline, then the compiled program of its first function.
fn optimized_program(g: &Graph, f: &Function) -> Program {
    let (o, _) = adgraph_opt::optimize(g, std::slice::from_ref(f), FloatMode::Strict).unwrap();
    Program::compile(&o.graph, &o.functions[0]).unwrap()
}

fn symbolic(c: &mut Criterion<ThreadCpuTime>) {
    for w in workloads::two_sizes() {
        let large = w.graph.len() > 200_000;
        let mut group = c.benchmark_group(format!("diff/{}", w.name));
        group.sample_size(10);
        group.bench_function("copy f (baseline)", |b| {
            b.iter(|| compact(&w.graph, &w.function).unwrap())
        });
        group.bench_function("grad", |b| {
            b.iter_batched(
                || w.graph.clone(),
                |mut g| grad(&mut g, &w.function, None).unwrap(),
                BatchSize::LargeInput,
            )
        });
        let mut g = w.graph.clone();
        let df = grad(&mut g, &w.function, None).unwrap();
        group.bench_function("optimize [f, grad f] (strict)", |b| {
            b.iter(|| {
                adgraph_opt::optimize(&g, std::slice::from_ref(&df), FloatMode::Strict).unwrap()
            })
        });
        let (o, _) =
            adgraph_opt::optimize(&g, std::slice::from_ref(&df), FloatMode::Strict).unwrap();
        group.bench_function("compile [f, grad f]", |b| {
            b.iter(|| Program::compile(&o.graph, &o.functions[0]).unwrap())
        });
        group.finish();

        // Evaluation: compiled f (baseline) against compiled [f, grad f], one point.
        let f = optimized_program(&w.graph, &w.function);
        let fg = Program::compile(&o.graph, &o.functions[0]).unwrap();
        let mut group = c.benchmark_group(format!("diff-eval/{}", w.name));
        if large {
            group.sample_size(20);
        }
        let (mut ws, mut out) = (Workspace::new(), vec![0.0; f.output_count()]);
        group.bench_function("f (baseline)", |b| {
            b.iter(|| f.eval_with(&mut ws, black_box(&w.point), &mut out).unwrap())
        });
        let mut out = vec![0.0; fg.output_count()];
        group.bench_function("[f, grad f]", |b| {
            b.iter(|| {
                fg.eval_with(&mut ws, black_box(&w.point), &mut out)
                    .unwrap()
            })
        });
        group.finish();
    }
}

fn hessian_vector(c: &mut Criterion<ThreadCpuTime>) {
    let n = 100_000;
    let w = rosenbrock(n);
    let mut group = c.benchmark_group("diff-hvp/rosenbrock-100000");
    group.sample_size(10);
    group.bench_function("hvp", |b| {
        b.iter_batched(
            || {
                let mut g = w.graph.clone();
                let one = g.constant(1.0).unwrap();
                (g, vec![Some(one); n])
            },
            |(mut g, v)| hvp(&mut g, &w.function, None, &v).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = symbolic, hessian_vector
}
criterion_main!(benches);
