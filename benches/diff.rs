//! Symbolic differentiation: building the gradient graph of Rosenbrock n = 100,000
//! (target under 0.5 s), beside copying the function itself through the same smart
//! constructors in the same run (the baseline), and a
//! Hessian-vector product graph (forward over reverse) of the same function.

use adgraph_diff::{compact, grad, hvp};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn rosenbrock_gradient(c: &mut Criterion) {
    let n = 100_000;
    let w = adgraph_workloads::rosenbrock(n);
    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    // Baseline: copying f itself (900k nodes) through the same smart constructors.
    group.bench_function("copy f (baseline) rosenbrock-100000", |b| {
        b.iter(|| compact(&w.graph, &w.function).unwrap())
    });
    group.bench_function("grad rosenbrock-100000", |b| {
        b.iter_batched(
            || w.graph.clone(),
            |mut g| grad(&mut g, &w.function, None).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.bench_function("grad + compact rosenbrock-100000", |b| {
        b.iter_batched(
            || w.graph.clone(),
            |mut g| {
                let df = grad(&mut g, &w.function, None).unwrap();
                compact(&g, &df).unwrap()
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("hvp rosenbrock-100000", |b| {
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

criterion_group!(benches, rosenbrock_gradient);
criterion_main!(benches);
