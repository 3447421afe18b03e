//! The size table of the README: per workload, nodes and operations as built, and
//! after the default pipeline in Strict and in Fast. A snapshot, so a change in what
//! the passes achieve shows up in review.

use adgraph_ir::Function;
use adgraph_opt::{op_count, optimize, FloatMode, Optimized};
use adgraph_workloads::{lennard_jones, mlp, mlp_weights, rosenbrock, seed, van_der_pol};

fn sizes(graph: &adgraph_ir::Graph, function: &Function) -> (usize, usize) {
    let r = Optimized {
        graph: graph.clone(),
        functions: vec![function.clone()],
    };
    (function.nodes(graph).len(), op_count(&r))
}

#[test]
fn workload_sizes_table() {
    let workloads = [
        seed(),
        rosenbrock(1000),
        van_der_pol(1000),
        mlp(),
        mlp_weights(),
        lennard_jones(30),
    ];
    let mut table = String::from(
        "| workload | nodes as built | ops as built | Strict nodes | Strict ops | Fast nodes | Fast ops |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for w in &workloads {
        let built = sizes(&w.graph, &w.function);
        let fs = std::slice::from_ref(&w.function);
        let (s, _) = optimize(&w.graph, fs, FloatMode::Strict).unwrap();
        let (f, _) = optimize(&w.graph, fs, FloatMode::Fast).unwrap();
        let strict = sizes(&s.graph, &s.functions[0]);
        let fast = sizes(&f.graph, &f.functions[0]);
        assert!(strict.1 <= built.1 && fast.1 <= strict.1, "{}", w.name);
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            w.name, built.0, built.1, strict.0, strict.1, fast.0, fast.1
        ));
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/opt"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!("workload_sizes", table));
}
