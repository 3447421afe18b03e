//! Prints the README's comparison tables from the last criterion run of this package
//! and `results/peers.json`, and saves the criterion medians to `results/rust.json`.
//!
//! Run after the bench: `cargo run --release --manifest-path benches/peers/Cargo.toml
//! --bin peers-table`. The criterion directory can be given as the first argument
//! (default: `benches/peers/target/criterion`).

use std::path::PathBuf;

use adgraph_peers::adgraph_side::Adgraph;
use adgraph_peers::table::{
    add_python_peers, compile_table, ops_table, read_criterion, targets_table, workload_table,
};
use adgraph_peers::Case;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let criterion = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target").join("criterion"));
    let mut medians = read_criterion(&criterion);
    let rust: serde_json::Map<String, serde_json::Value> = medians
        .iter()
        .map(|((w, m, s), t)| {
            (
                format!("{w}.{}/{s}", m.group_suffix()),
                serde_json::json!(t),
            )
        })
        .collect();
    let machine = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let doc = serde_json::json!({
        "machine": { "cpu": machine, "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0) },
        "unit": "seconds (median; per point for batch groups)",
        "medians": rust,
    });
    let out = root.join("results").join("rust.json");
    if let Err(e) = std::fs::write(
        &out,
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n",
    ) {
        eprintln!("cannot write {}: {e}", out.display());
    }
    let peers = std::fs::read_to_string(root.join("results").join("peers.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    if let Some(json) = &peers {
        add_python_peers(json, &mut medians);
    } else {
        eprintln!("no results/peers.json: run benches/peers/run.sh for CasADi and JAX");
    }
    for case in Case::all() {
        println!(
            "#### {}\n\n{}",
            case.name(),
            workload_table(case.name(), &medians)
        );
    }
    if let Some(json) = &peers {
        let mut sizes = std::collections::BTreeMap::new();
        for case in Case::all() {
            match Adgraph::new(&case) {
                Ok(a) => {
                    sizes.insert(case.name().to_string(), (a.ops, a.gradient_ops));
                }
                Err(e) => eprintln!("{}: {e}", case.name()),
            }
        }
        let cases = Case::all();
        let names: Vec<&str> = cases.iter().map(|c| c.name()).collect();
        println!(
            "#### Targets (issues 6 and 8)\n\n{}",
            targets_table(&names, &medians)
        );
        println!(
            "#### Gradient graph size\n\n{}",
            ops_table(json, &names, &sizes)
        );
        println!(
            "#### Compile and build times\n\n{}",
            compile_table(json, &names)
        );
    }
}
