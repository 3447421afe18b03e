//! Threads: the core values can cross threads, and batched evaluation and gradients
//! give the same bits whatever the thread count (1, 2 and 8 threads).

use adgraph::exec::ReversePlan;
use adgraph::remat::{plan_checkpoints, CostModel, Plan, Strategy, Trace};
use adgraph::workloads::Rng;
use adgraph::{Function, Graph, Program};

fn send_sync<T: Send + Sync>() {}

#[test]
fn core_values_are_send_and_sync() {
    send_sync::<Graph>();
    send_sync::<Function>();
    send_sync::<Program>();
    send_sync::<Trace>();
    send_sync::<Plan>();
    send_sync::<ReversePlan<'static>>();
    send_sync::<adgraph::Error>();
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter()
        .map(|x| {
            if x.is_nan() {
                0x7ff8_0000_0000_0000
            } else {
                x.to_bits()
            }
        })
        .collect()
}

#[test]
fn batches_are_deterministic_across_thread_counts() {
    for w in adgraph::workloads::small() {
        let n = w.function.inputs().len();
        let m = w.function.outputs().len();
        let rows = 37; // not a multiple of any lane width
        let mut rng = Rng::new(11);
        let points: Vec<f64> = (0..rows)
            .flat_map(|_| {
                w.point
                    .iter()
                    .map(|x| x * (1.0 + 0.01 * rng.next_f64()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(points.len(), rows * n);
        let program = Program::compile(&w.graph, &w.function).unwrap();
        let trace = Trace::from_function(&w.graph, &w.function).unwrap();
        let cotangents = vec![1.0; rows * m];
        let mut seen: Option<(Vec<u64>, Vec<u64>, Vec<u64>)> = None;
        for threads in [1, 2, 8] {
            let values = in_pool(threads, || program.eval_batch(&points).unwrap());
            let mut grads = Vec::new();
            for s in [Strategy::StoreAll, Strategy::Revolve(3)] {
                let plan = plan_checkpoints(&trace, s, &CostModel::default()).unwrap();
                let r = ReversePlan::new(&trace, &plan).unwrap();
                let b = in_pool(threads, || r.vjp_batch(&points, &cotangents).unwrap());
                assert_eq!(
                    bits(&b.outputs),
                    bits(&values),
                    "{} outputs, {threads} threads",
                    w.name
                );
                grads.push(b.adjoints);
            }
            assert_eq!(bits(&grads[0]), bits(&grads[1]), "{}: plans differ", w.name);
            // Row by row, the batch equals one-point sweeps.
            let plan = plan_checkpoints(&trace, Strategy::StoreAll, &CostModel::default()).unwrap();
            let r = ReversePlan::new(&trace, &plan).unwrap();
            for row in [0, rows / 2, rows - 1] {
                let one = r
                    .vjp(
                        &points[row * n..(row + 1) * n],
                        &cotangents[row * m..(row + 1) * m],
                    )
                    .unwrap();
                assert_eq!(
                    bits(&one.adjoints),
                    bits(&grads[0][row * n..(row + 1) * n]),
                    "{} row {row}",
                    w.name
                );
            }
            let now = (bits(&values), bits(&grads[0]), bits(&grads[1]));
            if let Some(before) = &seen {
                assert_eq!(before, &now, "{}: {threads} threads differ from 1", w.name);
            }
            seen = Some(now);
        }
    }
}
