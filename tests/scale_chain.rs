//! Scale: a chain of millions of nodes built, optimized, compiled and differentiated
//! (forward interpreter, reverse interpreter under store-all and revolve, symbolic
//! reverse) in one run, with the process's peak memory reported.
//!
//! CI runs a 1,000,000-node chain; `ADGRAPH_SCALE_NODES=10000000` runs the ten-million
//! node chain (best in release: `cargo test --release --test scale_chain -- --nocapture`).

use adgraph::remat::{plan_checkpoints, CostModel, Strategy, Trace};
use adgraph::{Builder, FloatMode, Program};

fn nodes() -> usize {
    std::env::var("ADGRAPH_SCALE_NODES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000)
}

/// Peak resident memory of this process in MiB (Linux), for the report.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[test]
fn a_deep_chain_end_to_end() {
    let n = nodes();
    let steps = n / 3;
    // x_{k+1} = sin(x_k) * 0.5 + x: three new nodes a step, each depending on the last.
    let b = Builder::new();
    let x = b.input("x");
    let mut v = x;
    for _ in 0..steps {
        v = v.sin() * 0.5 + x;
    }
    let (g, f) = b.finish([("y", v)]).unwrap();
    assert!(g.len() >= 3 * steps);

    let (opt, _) = adgraph::opt::optimize(&g, &[f], FloatMode::Strict).unwrap();
    let (g, f) = (opt.graph, opt.functions.into_iter().next().unwrap());
    assert!(f.op_count(&g) >= 3 * steps);

    // The chain by hand, the oracle.
    let x0: f64 = 0.3;
    let (mut y, mut dy): (f64, f64) = (x0, 1.0);
    for _ in 0..steps {
        let (s, c) = (y.sin(), y.cos());
        dy = c * dy * 0.5 + 1.0;
        y = s * 0.5 + x0;
    }

    let p = Program::compile(&g, &f).unwrap();
    assert_eq!(p.eval(&[x0]).unwrap(), vec![y]);
    let t = p.jvp(&[x0], &[1.0]).unwrap();
    assert!((t.tangent(0, 0) - dy).abs() <= 1e-12 * dy.abs());

    let trace = Trace::from_function(&g, &f).unwrap();
    let cost = CostModel::default();
    let mut peaks = Vec::new();
    for s in [Strategy::StoreAll, Strategy::Revolve(20)] {
        let plan = plan_checkpoints(&trace, s, &cost).unwrap();
        let r = adgraph::exec::ReversePlan::new(&trace, &plan)
            .unwrap()
            .grad(&[x0], 0)
            .unwrap();
        assert_eq!(r.outputs, vec![y]);
        assert!(
            (r.adjoints[0] - dy).abs() <= 1e-12 * dy.abs(),
            "{s}: {} vs {dy}",
            r.adjoints[0]
        );
        assert_eq!(r.stats.peak_bytes, plan.prediction().peak_bytes);
        peaks.push((s, r.stats.peak_bytes, r.stats.recomputed_ops));
    }
    // Revolve holds a small fraction of store-all's memory.
    assert!(peaks[1].1 * 10 < peaks[0].1, "{peaks:?}");

    let mut h = g.clone();
    let df = adgraph::diff::grad(&mut h, &f, None).unwrap();
    let d = adgraph::ir::evaluate(&h, &df, &[x0]).unwrap();
    assert!((d[1] - dy).abs() <= 1e-12 * dy.abs());

    eprintln!(
        "chain of {} nodes: store-all peak {} B, revolve:20 peak {} B with {} ops recomputed; process peak {:.0} MiB",
        g.len(),
        peaks[0].1,
        peaks[1].1,
        peaks[1].2,
        peak_mib().unwrap_or(f64::NAN)
    );
}
