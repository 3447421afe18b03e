//! The reverse interpreter's guarantees, each a test: every plan gives gradients
//! bit-identical to store-all; measured stats equal the plan's prediction; budgets are
//! never exceeded; revolve meets the binomial optimum; gradients match central finite
//! differences; batches match single points bit for bit.

use adgraph_exec::{ReversePlan, LANES};
use adgraph_ir::{evaluate, Builder, Op};
use adgraph_remat::{
    binomial_optimum, candidate_plans, plan_checkpoints, CostModel, Plan, RematError, Strategy,
    Trace,
};
use adgraph_workloads::{small, van_der_pol, Workload};

fn workloads() -> Vec<Workload> {
    let mut w = small();
    w.push(van_der_pol(60));
    w.push(chain(40));
    w
}

/// x -> sin(x) * 0.5 + x, `l` times: a chain of equal steps, width one value.
fn chain_graph(l: usize) -> Workload {
    let b = Builder::new();
    let x0 = b.input("x");
    let mut x = x0;
    for _ in 0..l {
        x = x.sin();
    }
    let function = b.function(vec![("y", x)]).unwrap();
    let graph = b.graph().clone();
    Workload {
        name: format!("sin-chain-{l}"),
        graph,
        function,
        point: vec![0.7],
    }
}

fn chain(l: usize) -> Workload {
    chain_graph(l)
}

fn plans(t: &Trace) -> Vec<Plan> {
    let mut p = candidate_plans(t, &CostModel::default()).unwrap();
    for s in ["periodic:1", "revolve:1", "budget:1GiB"] {
        p.push(plan_checkpoints(t, s.parse().unwrap(), &CostModel::default()).unwrap());
    }
    p
}

fn bits(xs: &[f64]) -> Vec<u64> {
    xs.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn every_plan_is_bit_identical_to_store_all_and_measures_its_prediction() {
    for w in workloads() {
        let t = Trace::from_function(&w.graph, &w.function).unwrap();
        let all = plan_checkpoints(&t, Strategy::StoreAll, &CostModel::default()).unwrap();
        let reference = ReversePlan::new(&t, &all)
            .unwrap()
            .grad(&w.point, 0)
            .unwrap();
        let want = evaluate(&w.graph, &w.function, &w.point).unwrap();
        assert_eq!(bits(&reference.outputs), bits(&want), "{}", w.name);
        for p in plans(&t) {
            let g = ReversePlan::new(&t, &p).unwrap().grad(&w.point, 0).unwrap();
            let name = format!("{} {}", w.name, p.strategy());
            assert_eq!(bits(&g.adjoints), bits(&reference.adjoints), "{name}");
            assert_eq!(bits(&g.outputs), bits(&want), "{name}");
            let pr = p.prediction();
            assert_eq!(g.stats.peak_bytes, pr.peak_bytes, "{name}");
            assert_eq!(g.stats.forward_ops, pr.forward_ops, "{name}");
            assert_eq!(g.stats.recomputed_ops, pr.recomputed_ops, "{name}");
            assert_eq!(g.stats.backward_ops, pr.backward_ops, "{name}");
            assert_eq!(g.stats.forward_ops, t.steps().len() as u64, "{name}");
            assert!(
                g.stats.reserved_bytes + pr.working_bytes + pr.adjoint_bytes >= g.stats.peak_bytes
            );
        }
    }
}

#[test]
fn budgets_are_never_exceeded() {
    for w in workloads() {
        let t = Trace::from_function(&w.graph, &w.function).unwrap();
        let all = plan_checkpoints(&t, Strategy::StoreAll, &CostModel::default()).unwrap();
        let top = all.prediction().peak_bytes;
        let smallest = match plan_checkpoints(&t, Strategy::Budget(0), &CostModel::default()) {
            Err(RematError::BudgetTooSmall { smallest, .. }) => smallest,
            other => panic!("budget 0 must be infeasible: {other:?}"),
        };
        assert!(smallest <= top);
        for k in 0..=8 {
            let budget = smallest + (top - smallest) * k / 8;
            let p = plan_checkpoints(&t, Strategy::Budget(budget), &CostModel::default()).unwrap();
            let g = ReversePlan::new(&t, &p).unwrap().grad(&w.point, 0).unwrap();
            assert!(
                g.stats.peak_bytes <= budget,
                "{} budget {budget}: {}",
                w.name,
                g.stats.peak_bytes
            );
        }
        // More memory never costs more recomputation.
        let loose = plan_checkpoints(&t, Strategy::Budget(top), &CostModel::default()).unwrap();
        assert_eq!(loose.prediction().recomputed_ops, 0, "{}", w.name);
        let err = plan_checkpoints(&t, Strategy::Budget(smallest - 1), &CostModel::default());
        assert_eq!(
            err.unwrap_err(),
            RematError::BudgetTooSmall {
                budget: smallest - 1,
                smallest
            }
        );
    }
}

#[test]
fn revolve_recomputes_exactly_the_binomial_optimum() {
    for l in [1usize, 2, 3, 5, 8, 13, 30, 64, 100, 257] {
        let w = chain(l);
        let t = Trace::from_function(&w.graph, &w.function).unwrap();
        for s in [1u32, 2, 3, 4, 5, 8, 20] {
            let p = plan_checkpoints(&t, Strategy::Revolve(s), &CostModel::unit()).unwrap();
            assert_eq!(p.segment_count() as usize, l, "one segment per step");
            let g = ReversePlan::new(&t, &p).unwrap().grad(&w.point, 0).unwrap();
            assert_eq!(
                g.stats.recomputed_ops,
                binomial_optimum(l as u64, s as u64),
                "l {l} s {s}"
            );
            assert!(p.prediction().max_checkpoints <= s);
        }
    }
}

#[test]
fn gradients_match_central_differences() {
    for w in workloads() {
        let t = Trace::from_function(&w.graph, &w.function).unwrap();
        let p = plan_checkpoints(&t, Strategy::Revolve(3), &CostModel::default()).unwrap();
        let g = ReversePlan::new(&t, &p).unwrap().grad(&w.point, 0).unwrap();
        for i in 0..w.point.len().min(40) {
            let h = 1e-6 * (1.0 + w.point[i].abs());
            let mut a = w.point.clone();
            let mut b = w.point.clone();
            a[i] += h;
            b[i] -= h;
            let fa = evaluate(&w.graph, &w.function, &a).unwrap()[0];
            let fb = evaluate(&w.graph, &w.function, &b).unwrap()[0];
            let fd = (fa - fb) / (2.0 * h);
            let scale = 1.0 + fd.abs().max(g.adjoints[i].abs());
            assert!(
                (fd - g.adjoints[i]).abs() <= 1e-6 * scale,
                "{} input {i}: reverse {} vs differences {fd}",
                w.name,
                g.adjoints[i]
            );
        }
    }
}

#[test]
fn batches_match_single_points_bit_for_bit() {
    for w in [
        van_der_pol(15),
        adgraph_workloads::lennard_jones(4),
        adgraph_workloads::seed(),
    ] {
        let t = Trace::from_function(&w.graph, &w.function).unwrap();
        let p = plan_checkpoints(&t, Strategy::Revolve(2), &CostModel::default()).unwrap();
        let r = ReversePlan::new(&t, &p).unwrap();
        let n = w.point.len();
        let rows = 2 * LANES + 3;
        let mut points = Vec::new();
        let mut cot = Vec::new();
        for k in 0..rows {
            points.extend(w.point.iter().map(|x| x + 0.01 * k as f64));
            cot.push(1.0 - 0.1 * k as f64);
        }
        let batch = r.vjp_batch(&points, &cot).unwrap();
        assert_eq!(
            batch.stats.peak_bytes,
            LANES as u64 * p.prediction().peak_bytes
        );
        for k in 0..rows {
            let one = r.vjp(&points[k * n..(k + 1) * n], &cot[k..k + 1]).unwrap();
            assert_eq!(
                bits(&one.adjoints),
                bits(&batch.adjoints[k * n..(k + 1) * n])
            );
            assert_eq!(bits(&one.outputs), bits(&batch.outputs[k..k + 1]));
        }
    }
}

#[test]
fn a_reused_workspace_changes_nothing() {
    let w = van_der_pol(25);
    let t = Trace::from_function(&w.graph, &w.function).unwrap();
    let mut ws = adgraph_exec::ReverseWorkspace::new();
    for s in ["store-all", "revolve:3", "periodic:2", "store-all"] {
        let p = plan_checkpoints(&t, s.parse().unwrap(), &CostModel::default()).unwrap();
        let r = ReversePlan::new(&t, &p).unwrap();
        let fresh = r.grad(&w.point, 0).unwrap();
        for _ in 0..3 {
            let again = r.grad_with(&mut ws, &w.point, 0).unwrap();
            assert_eq!(bits(&again.adjoints), bits(&fresh.adjoints));
            assert_eq!(again.stats.peak_bytes, fresh.stats.peak_bytes);
        }
    }
    // One workspace through every plan of every workload, each output in turn, one
    // lane and a lane group: what a sweep leaves in the workspace (working values,
    // adjoint slots it must leave zero) never shows in the next, whatever its shape.
    let mut ws = adgraph_exec::ReverseWorkspace::new();
    for w in workloads() {
        let t = Trace::from_function(&w.graph, &w.function).unwrap();
        for p in plans(&t) {
            let r = ReversePlan::new(&t, &p).unwrap();
            for o in 0..t.outputs().len() {
                let fresh = r
                    .grad_with(&mut adgraph_exec::ReverseWorkspace::new(), &w.point, o)
                    .unwrap();
                let again = r.grad_with(&mut ws, &w.point, o).unwrap();
                assert_eq!(bits(&again.adjoints), bits(&fresh.adjoints), "{}", w.name);
                assert_eq!(bits(&again.outputs), bits(&fresh.outputs));
            }
        }
    }
}

#[test]
fn seed_gradient_and_errors() {
    let w = adgraph_workloads::seed();
    let g =
        adgraph_exec::gradient(&w.graph, &w.function, &[3.0, 4.0], 0, Strategy::StoreAll).unwrap();
    assert_eq!(
        (g.outputs[0], g.adjoints[0], g.adjoints[1]),
        (23.0, 10.0, 3.0)
    );
    assert_eq!((g.stats.forward_ops, g.stats.backward_ops), (4, 4));
    let t = Trace::from_function(&w.graph, &w.function).unwrap();
    let p = plan_checkpoints(&t, Strategy::StoreAll, &CostModel::default()).unwrap();
    let r = ReversePlan::new(&t, &p).unwrap();
    assert!(r.grad(&[1.0], 0).is_err());
    assert!(r.grad(&[1.0, 2.0], 1).is_err());
    assert!(r.vjp(&[1.0, 2.0], &[]).is_err());
    let other = Trace::from_function(&chain(3).graph, &chain(3).function).unwrap();
    assert!(ReversePlan::new(&other, &p).is_err());
}

#[test]
fn special_values_and_kinks_follow_the_single_rule() {
    // Every op at ordinary points, kinks and non-finite values: reverse adjoints equal
    // the rule applied by hand, under store-all and recompute-all alike.
    let src = "input a, b, c\n\
        let s = exp(a) + log(b) + sqrt(b) + sin(a) + cos(a) + tan(a) + tanh(a)\n\
        let t = abs(a) + sigmoid(a) + a^3 + a^-2 + pow(b, a) + min(a, b) + max(a, b)\n\
        let u = atan2(a, b) + select(c, a, b) + (a < b) + a / b - a * b\n\
        output f = s + t + u\n";
    let (g, f) = adgraph_ir::parse(src).unwrap();
    let t = Trace::from_function(&g, &f).unwrap();
    let points = [
        [0.3, 1.7, 1.0],
        [0.0, 0.0, 0.0],
        [1.0, 1.0, 1.0],
        [f64::NAN, 2.0, 1.0],
        [f64::INFINITY, 1.0, 0.0],
        [-0.0, 0.5, 1.0],
    ];
    let all = plan_checkpoints(&t, Strategy::StoreAll, &CostModel::default()).unwrap();
    let none = plan_checkpoints(&t, Strategy::RecomputeAll, &CostModel::default()).unwrap();
    for x in points {
        let a = ReversePlan::new(&t, &all).unwrap().grad(&x, 0).unwrap();
        let b = ReversePlan::new(&t, &none).unwrap().grad(&x, 0).unwrap();
        assert_eq!(bits(&a.adjoints), bits(&b.adjoints));
    }
    // select sends the derivative only to the branch it chose.
    let a = ReversePlan::new(&t, &all)
        .unwrap()
        .grad(&[0.3, 1.7, 0.0], 0)
        .unwrap();
    let b = ReversePlan::new(&t, &all)
        .unwrap()
        .grad(&[0.3, 1.7, 1.0], 0)
        .unwrap();
    assert_eq!(a.adjoints[2], 0.0);
    assert_ne!(a.adjoints[0], b.adjoints[0]);
    let _ = Op::Select;
}

/// Regenerates the README's Pareto table and chart (measured times, so not a
/// snapshot): `cargo test --release -p adgraph-exec --test reverse -- --ignored`.
#[test]
#[ignore]
fn write_pareto_chart_of_the_rk4_chain() {
    let w = van_der_pol(1000);
    let t = Trace::from_function(&w.graph, &w.function).unwrap();
    let mut f = adgraph_remat::pareto(&t, &CostModel::default(), &w.name).unwrap();
    adgraph_exec::time_frontier(&t, &mut f, &w.point, |_, _| {}).unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots/remat");
    std::fs::write(format!("{dir}/pareto-vdp-rk4-1000.svg"), f.svg()).unwrap();
    std::fs::write(format!("{dir}/pareto-vdp-rk4-1000.txt"), f.table()).unwrap();
}
