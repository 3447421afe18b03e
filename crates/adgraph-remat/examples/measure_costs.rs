//! Prints per-op costs measured on this machine (`CostModel::measure`), in the form of
//! the table in `cost.rs`: `cargo run --release -p adgraph-remat --example measure_costs`.

use adgraph_ir::Op;
use adgraph_remat::CostModel;

fn main() {
    let m = CostModel::measure(25);
    for &op in Op::ALL {
        println!("            ({op:?}, {:.2}),", m.cost(op));
    }
}
