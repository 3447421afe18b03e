//! When the pipeline stops: at a fixed point, or when its rounds stop removing
//! operations, returning the round that left the fewest.

use adgraph_ir::{dump, FloatMode};
use adgraph_opt::{op_count, optimize, Pipeline};

/// Operations left at the end of each round, from the report.
fn ops_per_round(report: &adgraph_opt::Report) -> Vec<usize> {
    (1..=report.rounds)
        .map(|r| {
            report
                .steps
                .iter()
                .rfind(|s| s.round == r)
                .expect("every round runs its passes")
                .ops_out
        })
        .collect()
}

#[test]
fn fast_rounds_that_add_operations_stop_the_pipeline_with_the_best_round() {
    // On these graphs Fast `simplify` and the constructors associate a few sums in
    // opposite ways, so rounds after the first never reach a fixed point.
    for n in [2_000, 5_000, 20_000] {
        let (g, f) = adgraph_workloads::random_graph(n);
        let (r, report) = optimize(&g, std::slice::from_ref(&f), FloatMode::Fast).unwrap();
        let per_round = ops_per_round(&report);
        assert!(report.stalled && !report.converged, "{n}: {report}");
        assert!(
            report.rounds < Pipeline::new(FloatMode::Fast).max_rounds,
            "{n}: {report}"
        );
        // The kept round left the fewest operations of all rounds run, and the result
        // is that round's graph.
        let fewest = *per_round.iter().min().unwrap();
        assert_eq!(per_round[report.kept - 1], fewest, "{n}: {report}");
        assert_eq!(op_count(&r), fewest, "{n}: {report}");
        // The last round is the one that stopped it: more operations, or the second
        // round in a row with no fewer.
        assert!(per_round[report.rounds - 1] >= fewest, "{n}: {report}");
        // The result is exactly what the pipeline bounded to the kept round returns.
        let mut bounded = Pipeline::new(FloatMode::Fast);
        bounded.max_rounds = report.kept;
        let (k, _) = bounded.run(&g, std::slice::from_ref(&f)).unwrap();
        assert_eq!(
            dump(&r.graph, &r.functions[0]),
            dump(&k.graph, &k.functions[0]),
            "{n}"
        );
    }
}

#[test]
fn strict_rounds_still_run_to_their_fixed_point() {
    for n in [2_000, 20_000] {
        let (g, f) = adgraph_workloads::random_graph(n);
        let (r, report) = optimize(&g, std::slice::from_ref(&f), FloatMode::Strict).unwrap();
        assert!(report.converged && !report.stalled, "{n}: {report}");
        let per_round = ops_per_round(&report);
        assert_eq!(op_count(&r), *per_round.last().unwrap());
        assert!(report.without_times().ends_with("fixed point\n"));
    }
}
