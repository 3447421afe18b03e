//! Prints, per workload, the ops of f and of [f, grad f] after compaction.
use adgraph_diff::{compact, grad};
fn main() {
    for w in [
        adgraph_workloads::rosenbrock(1000),
        adgraph_workloads::van_der_pol(100),
        adgraph_workloads::van_der_pol(1000),
        adgraph_workloads::van_der_pol(10),
        adgraph_workloads::lennard_jones(5),
        adgraph_workloads::rosenbrock(10),
        adgraph_workloads::mlp(),
        adgraph_workloads::mlp_weights(),
        adgraph_workloads::lennard_jones(20),
    ] {
        let mut g = w.graph.clone();
        let f0 = w.function.op_count(&g);
        let df = grad(&mut g, &w.function, None).unwrap();
        let (h, d) = compact(&g, &df).unwrap();
        let n = d.op_count(&h);
        println!("{:16} {:8} {:8} {:.3}", w.name, f0, n, n as f64 / f0 as f64);
    }
}
