//! Budgets met by the dynamic program's schedule (see `adgraph_remat::optimal`): on the
//! workloads, at budgets spread between the smallest feasible and store-all's peak,
//! every budget plan is no worse than any family plan that fits, the dynamic program
//! wins at some of them, and its plans run bit-identical to store-all with measured
//! stats equal to the prediction and within the budget.

use adgraph_exec::ReversePlan;
use adgraph_remat::{candidate_plans, plan_checkpoints, CostModel, RematError, Strategy, Trace};
use adgraph_workloads::{lennard_jones, mlp_weights, small, van_der_pol};

fn bits(xs: &[f64]) -> Vec<u64> {
    xs.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn budget_plans_beat_the_families_and_run_as_predicted() {
    let costs = CostModel::default();
    let mut workloads = small();
    workloads.extend([van_der_pol(30), mlp_weights(), lennard_jones(5)]);
    let mut wins = 0;
    for w in workloads {
        let t = Trace::from_function(&w.graph, &w.function).unwrap();
        let all = plan_checkpoints(&t, Strategy::StoreAll, &costs).unwrap();
        let reference = ReversePlan::new(&t, &all)
            .unwrap()
            .grad(&w.point, 0)
            .unwrap();
        let top = all.prediction().peak_bytes;
        let smallest = match plan_checkpoints(&t, Strategy::Budget(0), &costs) {
            Err(RematError::BudgetTooSmall { smallest, .. }) => smallest,
            other => panic!("budget 0 must be infeasible: {other:?}"),
        };
        let families = candidate_plans(&t, &costs).unwrap();
        for k in 0..=12 {
            let budget = smallest + (top - smallest) * k / 12;
            let p = plan_checkpoints(&t, Strategy::Budget(budget), &costs).unwrap();
            let name = format!("{} budget {budget}", w.name);
            let cost = p.prediction().recompute_cost;
            for f in families
                .iter()
                .filter(|f| f.prediction().peak_bytes <= budget)
            {
                assert!(
                    cost <= f.prediction().recompute_cost,
                    "{name} vs {}",
                    f.chosen()
                );
            }
            if p.chosen() != p.strategy() {
                continue;
            }
            wins += 1;
            let g = ReversePlan::new(&t, &p).unwrap().grad(&w.point, 0).unwrap();
            assert_eq!(bits(&g.adjoints), bits(&reference.adjoints), "{name}");
            assert_eq!(bits(&g.outputs), bits(&reference.outputs), "{name}");
            let pr = p.prediction();
            assert!(g.stats.peak_bytes <= budget, "{name}");
            assert_eq!(g.stats.peak_bytes, pr.peak_bytes, "{name}");
            assert_eq!(g.stats.recomputed_ops, pr.recomputed_ops, "{name}");
            assert_eq!(g.stats.backward_ops, pr.backward_ops, "{name}");
        }
    }
    assert!(wins > 0, "the dynamic program never beat the families");
}
