//! Dumps a small workload and its [f, grad f], to see where sharing is lost.
//! Run: `cargo run -p adgraph-diff --example show -- vdp` (or `lj`, `mlp`, `rosenbrock`).
use adgraph_diff::{compact, grad};
fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let w = match which.as_str() {
        "vdp" => adgraph_workloads::van_der_pol(1),
        "lj" => adgraph_workloads::lennard_jones(2),
        "mlp" => adgraph_workloads::mlp(),
        _ => adgraph_workloads::rosenbrock(3),
    };
    let mut g = w.graph.clone();
    println!("{}", adgraph_ir::dump(&g, &w.function));
    let df = grad(&mut g, &w.function, None).unwrap();
    let (h, d) = compact(&g, &df).unwrap();
    println!("{}", adgraph_ir::dump(&h, &d));
}
