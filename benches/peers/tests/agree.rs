//! Every implementation computes the same function and the same gradient.
//!
//! The native baselines are checked against adgraph's reference evaluator (values)
//! and central finite differences (gradients); echidna, num-dual and the CasADi/JAX
//! figures recorded in `results/peers.json` are checked against the native ones, so a
//! benchmark never compares different functions.

use adgraph_exec::ReversePlan;
use adgraph_ir::evaluate;
use adgraph_peers::adgraph_reverse::ReverseParts;
use adgraph_peers::adgraph_side::Adgraph;
use adgraph_peers::peers::{
    echidna_f, echidna_grad, echidna_tape, echidna_vdp_checkpointed, num_dual_grad,
};
use adgraph_peers::{Case, Kind, NativeScratch};
use adgraph_remat::Strategy;

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * a.abs().max(b.abs()).max(1.0)
}

fn max_rel(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

fn native(case: &Case) -> (f64, Vec<f64>) {
    let mut g = vec![0.0; case.point().len()];
    let f = case.native_grad(case.point(), &mut g, &mut NativeScratch::default());
    (f, g)
}

#[test]
fn native_values_match_the_reference_evaluator() {
    for case in Case::all() {
        let w = &case.workload;
        let want = evaluate(&w.graph, &w.function, &w.point).unwrap()[0];
        let mut scratch = NativeScratch::default();
        let f = case.native_f(case.point(), &mut scratch);
        let (fg, _) = native(&case);
        assert!(close(f, want, 1e-12), "{}: {f} vs {want}", case.name());
        assert!(close(fg, want, 1e-12), "{}: {fg} vs {want}", case.name());
        assert!(
            close(case.generic(case.point()), want, 1e-12),
            "{}",
            case.name()
        );
    }
}

#[test]
fn adgraph_values_and_gradients_match_native() {
    for case in Case::all() {
        let mut a = Adgraph::new(&case).unwrap();
        let mut scratch = NativeScratch::default();
        let want = case.native_f(case.point(), &mut scratch);
        assert!(
            close(a.f(case.point()).unwrap(), want, 1e-12),
            "{}",
            case.name()
        );
        let (f, g) = native(&case);
        let symbolic = a.symbolic_grad(case.point()).unwrap();
        assert!(close(symbolic[0], f, 1e-12), "{}", case.name());
        assert!(
            max_rel(&symbolic[1..], &g) < 1e-10,
            "{}: symbolic",
            case.name()
        );
        let parts = ReverseParts::new(&case, Strategy::StoreAll).unwrap();
        let reverse = ReversePlan::new(&parts.trace, &parts.plan).unwrap();
        let r = reverse.grad(case.point(), 0).unwrap();
        assert!(close(r.outputs[0], f, 1e-12), "{}", case.name());
        assert!(max_rel(&r.adjoints, &g) < 1e-10, "{}: reverse", case.name());
        if let Kind::VanDerPol(_) = case.kind {
            let parts = ReverseParts::new(&case, Strategy::Revolve(141)).unwrap();
            let revolve = ReversePlan::new(&parts.trace, &parts.plan).unwrap();
            let r = revolve.grad(case.point(), 0).unwrap();
            assert!(max_rel(&r.adjoints, &g) < 1e-10, "{}: Revolve", case.name());
        }
        if case.batched {
            let n = case.point().len();
            let points = adgraph_peers::data::batch_points(case.point(), 40);
            let mut out = vec![0.0; 40];
            a.f_batch(&points, &mut out).unwrap();
            let mut with_gradients = vec![0.0; 40 * (n + 1)];
            a.symbolic_grad_batch(&points, &mut with_gradients).unwrap();
            let batch = reverse.vjp_batch(&points, &[1.0; 40]).unwrap();
            let mut g = vec![0.0; n];
            for (k, x) in points.chunks_exact(n).enumerate() {
                let want = case.native_grad(x, &mut g, &mut scratch);
                assert!(close(out[k], want, 1e-12), "{} point {k}", case.name());
                let row = &with_gradients[k * (n + 1)..(k + 1) * (n + 1)];
                assert!(close(row[0], want, 1e-12), "{} point {k}", case.name());
                assert!(max_rel(&row[1..], &g) < 1e-10, "{} point {k}", case.name());
                let adjoints = &batch.adjoints[k * n..(k + 1) * n];
                assert!(max_rel(adjoints, &g) < 1e-10, "{} point {k}", case.name());
            }
        }
    }
}

#[test]
fn native_gradients_match_central_differences() {
    for case in Case::all() {
        if case.kind == Kind::VanDerPol(20000) {
            continue; // the 1,000-step chain checks the same code
        }
        let (_, g) = native(&case);
        let mut x = case.point().to_vec();
        let mut scratch = NativeScratch::default();
        let mut fd = vec![0.0; x.len()];
        for i in 0..x.len() {
            let h = 1e-6 * x[i].abs().max(1.0);
            let keep = x[i];
            x[i] = keep + h;
            let up = case.native_f(&x, &mut scratch);
            x[i] = keep - h;
            let down = case.native_f(&x, &mut scratch);
            x[i] = keep;
            fd[i] = (up - down) / (2.0 * h);
        }
        let err = max_rel(&g, &fd);
        assert!(err < 1e-6, "{}: max relative error {err}", case.name());
    }
}

#[test]
fn echidna_and_num_dual_agree_with_native() {
    for case in Case::all() {
        let (f, g) = native(&case);
        let mut tape = echidna_tape(&case);
        assert!(
            close(echidna_f(&mut tape, case.point()), f, 1e-12),
            "{}",
            case.name()
        );
        let ge = echidna_grad(&mut tape, case.point(), &mut Vec::new());
        assert!(max_rel(&ge, &g) < 1e-10, "{}: echidna", case.name());
        let mut gd = vec![0.0; g.len()];
        let fd = num_dual_grad(&case, case.point(), &mut gd, &mut Vec::new());
        assert!(close(fd, f, 1e-12), "{}", case.name());
        assert!(max_rel(&gd, &g) < 1e-10, "{}: num-dual", case.name());
    }
}

#[test]
fn echidna_checkpointing_agrees_with_native() {
    let case = Case::all()
        .into_iter()
        .find(|c| c.kind == Kind::VanDerPol(1000))
        .unwrap();
    let (_, g) = native(&case);
    let gc = echidna_vdp_checkpointed(case.point(), 1000, 32);
    assert!(max_rel(&gc, &g) < 1e-10, "{gc:?} vs {g:?}");
}

#[test]
fn recorded_python_peers_computed_the_same_functions() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/results/peers.json");
    let text = std::fs::read_to_string(path).expect("results/peers.json is committed");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut seen = 0;
    for case in Case::all() {
        let Some(entry) = json["workloads"].get(case.name()) else {
            continue;
        };
        let (f, g) = native(&case);
        let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(
            close(entry["f"].as_f64().unwrap(), f, 1e-10),
            "{}",
            case.name()
        );
        assert!(
            close(entry["grad_norm"].as_f64().unwrap(), norm, 1e-9),
            "{}",
            case.name()
        );
        for (k, v) in entry["grad_head"].as_array().unwrap().iter().enumerate() {
            assert!(
                close(v.as_f64().unwrap(), g[k], 1e-9 * norm.max(1.0)),
                "{}",
                case.name()
            );
        }
        seen += 1;
    }
    assert_eq!(seen, Case::all().len(), "every case is in peers.json");
}

#[test]
fn batch_points_match_the_python_definition() {
    // The first batch point of a 3-vector: base + 0.01 * Rng(99) draws.
    let mut rng = adgraph_workloads::Rng::new(99);
    let want: Vec<f64> = [2.0, 0.0, 1.0]
        .iter()
        .map(|b| b + 0.01 * rng.next_f64())
        .collect();
    let got = adgraph_peers::data::batch_points(&[2.0, 0.0, 1.0], 2);
    assert_eq!(&got[..3], &want[..]);
    assert_eq!(got.len(), 6);
}
