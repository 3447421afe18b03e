//! Batched evaluation is bit-identical to one-point evaluation whatever the batch
//! size and the thread count (1, 2 and 8 threads, local rayon pools).

mod common;

use adgraph_exec::{Program, BATCH_WIDTH};
use common::{assert_same, build, point, recipe};
use proptest::prelude::*;

fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
}

fn one_by_one(p: &Program, points: &[f64]) -> Vec<f64> {
    points
        .chunks(p.input_count())
        .flat_map(|x| p.eval(x).unwrap())
        .collect()
}

#[test]
fn thread_and_batch_size_invariance_on_workloads() {
    let pools = [pool(1), pool(2), pool(8)];
    for w in adgraph_workloads::small() {
        let p = Program::compile(&w.graph, &w.function).unwrap();
        let ni = p.input_count();
        let mut rng = adgraph_workloads::Rng::new(23);
        let all: Vec<f64> = (0..(3 * BATCH_WIDTH + 5) * ni)
            .map(|k| w.point[k % ni] * (1.0 + 0.2 * rng.next_f64()))
            .collect();
        for count in [
            1,
            BATCH_WIDTH - 1,
            BATCH_WIDTH,
            BATCH_WIDTH + 1,
            3 * BATCH_WIDTH + 5,
        ] {
            let pts = &all[..count * ni];
            let want = one_by_one(&p, pts);
            assert_same(&p.eval_batch_serial(pts).unwrap(), &want, &w.name);
            for pool in &pools {
                let got = pool.install(|| p.eval_batch(pts).unwrap());
                assert_same(&got, &want, &format!("{} {count} points", w.name));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_graphs_batch_bit_identically((inputs, steps, outputs) in recipe(), count in 1usize..80) {
        let (g, f) = build(inputs, &steps, outputs);
        let p = Program::compile(&g, &f).unwrap();
        let pts: Vec<f64> = (0..count).flat_map(|k| point(inputs, k, &[0.3, -1.7, 2.9])).collect();
        let want = one_by_one(&p, &pts);
        assert_same(&p.eval_batch_serial(&pts).unwrap(), &want, "serial");
        let got = pool(2).install(|| p.eval_batch(&pts).unwrap());
        assert_same(&got, &want, "2 threads");
    }
}
