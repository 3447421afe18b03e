//! Prints the README's size table: per workload, the ops of `f`, the ops of
//! `[f, grad f]`, both after the default passes (Strict), their ratio, and CasADi's ratio after its `cse`
//! (measured for the issue). Run: `cargo run -p adgraph-diff --example sizes`.
use adgraph_diff::{grad, optimize};
use adgraph_workloads::Workload;

fn row(w: Workload, casadi: f64) {
    let mut g = w.graph.clone();
    let (f0, f) = optimize(&g, &w.function).expect("the workloads are small");
    let ops = f.op_count(&f0);
    let df = grad(&mut g, &w.function, None).expect("the workloads are small");
    let (h, d) = optimize(&g, &df).expect("the workloads are small");
    let both = d.op_count(&h);
    let ratio = both as f64 / ops as f64;
    println!("| {} | {ops} | {both} | {ratio:.3} | {casadi:.2} |", w.name);
}

fn main() {
    println!("| workload | ops of f | ops of [f, grad f] | ratio | CasADi |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    row(adgraph_workloads::rosenbrock(1000), 1.75);
    row(adgraph_workloads::van_der_pol(100), 2.30);
    row(adgraph_workloads::mlp(), 2.0);
    row(adgraph_workloads::mlp_weights(), 2.50);
    row(adgraph_workloads::lennard_jones(20), 2.45);
}
