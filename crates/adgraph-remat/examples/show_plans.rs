//! Prints every candidate plan and the Pareto table of a workload (a quick look at
//! what the planner decides): `cargo run -p adgraph-remat --example show_plans -- vdp 200`.

use adgraph_remat::{pareto, CostModel, Trace};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let size: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let w = match args.get(1).map(String::as_str) {
        Some("rosenbrock") => adgraph_workloads::rosenbrock(size),
        Some("mlp") => adgraph_workloads::mlp(),
        Some("mlp-weights") => adgraph_workloads::mlp_weights(),
        Some("lj") => adgraph_workloads::lennard_jones(size),
        Some("seed") => adgraph_workloads::seed(),
        _ => adgraph_workloads::van_der_pol(size),
    };
    let t = Trace::from_function(&w.graph, &w.function)?;
    let f = pareto(&t, &CostModel::default(), &w.name)?;
    for p in &f.points {
        println!("{}", p.plan);
    }
    println!("{}", f.table());
    Ok(())
}
