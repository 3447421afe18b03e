//! Evaluation benches for `adgraph-exec` on every workload at two sizes, each beside a
//! baseline measured in the same run: one-point evaluation (ns per instruction)
//! against the reference evaluator and hand-written Rust; batched evaluation per
//! point against hand-written Rust, one thread, and two threads against one; `jvp`
//! with one direction against `eval`; and the slot count of the RK4 chain as a
//! fraction of its nodes (printed).
//!
//! Workloads: Rosenbrock n = 1,000 and 100,000, the RK4 chain of 1,000 and 20,000
//! steps, Lennard-Jones 30 and 100, and the MLP with constant weights and with its
//! weights as inputs. The MLP has one size (its layer widths are the workloads
//! crate's `MLP_LAYERS`); its batched rows take two batch sizes instead (1,024 points
//! and one chunk of 64). Every workload has a hand-written `native` version in this
//! file (checked against the program's value before timing).
//!
//! Groups (per workload `<w>`):
//! - `eval-one-point/<w>`: `program` (`Program::eval_with`), `native`,
//!   `reference-evaluate` (`adgraph_ir::evaluate`); throughput in instructions.
//! - `eval-batch/<w>`: `program-1-thread` (`eval_batch_into` on the calling thread)
//!   and `native` over the same points; throughput in points. A batch is 1,024 points
//!   where an evaluation is short, fewer (down to 128) where it is long, so a call
//!   stays near 8M instruction-points; and `eval-batch/mlp-64-points`.
//! - `eval-batch-threads/<w>`: `threads/1`, `threads/2`: four batches' worth of points
//!   (at least two chunks, at most 128 MiB of points) on a rayon pool of 1 and of 2;
//!   then 60 rounds alternating one call on each pool, whose medians and speedup a
//!   `summary ... interleaved` line prints (both pools under the same load), and 8
//!   rounds alternating blocks of 8 calls (`summary ... alternating blocks`: the same
//!   without waking a pool on every call; see `interleaved`), then the same blocks of a
//!   compute-only loop (`summary ... platform`): the machine's own two-core scaling
//!   under the same load, the yardstick for the rows above. Last, both again with
//!   every thread pinned to a CPU (`summary ... per core`, see `per_core`): one
//!   thread on CPU 0, one on CPU 1, two on both, in rounds, which takes the two
//!   vCPUs' own (independently moving) speeds out of the ratio.
//! - `jvp/<w>`: `eval` and `jvp-1-direction` (tangent along the first input).
//!
//! Single-threaded groups are timed in CPU time of the benchmarking thread (so that
//! other processes on a shared machine inflate them less); the thread-count group is
//! timed in wall time, which is what more threads improve. After each group a
//! `summary <group>` line on stderr gives every row's median (per call) and its ratio
//! to the group's baselines (`benches/common/medians.rs`).
//!
//! Run: `cargo bench --bench eval -- --warm-up-time 1 --measurement-time 3` (about 6
//! minutes); one kind of group: append e.g. `eval-batch/`.

use adgraph_exec::{Program, Workspace, BATCH_WIDTH};
use adgraph_workloads::{
    lennard_jones, mlp, mlp_weights, rosenbrock, van_der_pol, Rng, Workload, MLP_LAYERS,
};
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;

#[path = "common/alternate.rs"]
mod alternate;
#[path = "common/cpu_time.rs"]
mod cpu_time;
#[path = "common/medians.rs"]
mod medians;
#[path = "common/workloads.rs"]
mod workloads;

use alternate::{median, pin_to};
use cpu_time::ThreadCpuTimePerElement as CpuTime;
use medians::{format_ns, Medians};

/// Rosenbrock written by hand, the same arithmetic as the workload graph.
fn rosenbrock_native(x: &[f64]) -> f64 {
    let mut f = 0.0;
    for i in 0..x.len() - 1 {
        let d = x[i + 1] - x[i] * x[i];
        let e = 1.0 - x[i];
        let t = 100.0 * (d * d) + e * e;
        f = if i == 0 { t } else { f + t };
    }
    f
}

/// The RK4 chain written by hand: final `x` after `steps` steps from `(x0, y0, mu)`.
fn rk4_native(p: &[f64], steps: usize) -> f64 {
    let (mu, h) = (p[2], 0.01);
    let (mut x, mut y) = (p[0], p[1]);
    for _ in 0..steps {
        (x, y) = workloads::rk4_step(mu, h, x, y);
    }
    x
}

/// Lennard-Jones energy written by hand (`epsilon = sigma = 1`).
fn lj_native(p: &[f64]) -> f64 {
    let n = p.len() / 3;
    let mut e = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            let dx = p[3 * i] - p[3 * j];
            let dy = p[3 * i + 1] - p[3 * j + 1];
            let dz = p[3 * i + 2] - p[3 * j + 2];
            let s = 1.0 / (dx * dx + dy * dy + dz * dz);
            let s3 = s * (s * s);
            e += 4.0 * (s3 * s3 - s3);
        }
    }
    e
}

/// The MLP written by hand (dense layers, tanh on hidden ones) over its parameters
/// laid out as the workloads lay them out: per layer, weights row by row, then biases.
fn mlp_native(params: &[f64], input: &[f64], a: &mut Vec<f64>, next: &mut Vec<f64>) -> f64 {
    a.clear();
    a.extend_from_slice(input);
    let mut at = 0;
    let layers = MLP_LAYERS.len() - 1;
    for l in 0..layers {
        let (n_in, n_out) = (MLP_LAYERS[l], MLP_LAYERS[l + 1]);
        let w = &params[at..at + n_in * n_out];
        let b = &params[at + n_in * n_out..at + n_in * n_out + n_out];
        at += n_in * n_out + n_out;
        next.clear();
        for (j, &bj) in b.iter().enumerate() {
            let row = &w[j * n_in..(j + 1) * n_in];
            let mut acc = bj;
            for (wi, ai) in row.iter().zip(a.iter()) {
                acc += wi * ai;
            }
            next.push(if l + 1 == layers { acc } else { acc.tanh() });
        }
        std::mem::swap(a, next);
    }
    a[0]
}

/// A hand-written function of one point.
type Native = Box<dyn FnMut(&[f64]) -> f64>;

/// A workload, its compiled program and its hand-written version.
struct Case {
    w: Workload,
    p: Program,
    native: Native,
}

/// The workloads at their two sizes, each with its native version. The MLP's
/// constant weights are `mlp_weights()`'s point (the same draws); `mlp_weights`'s
/// sample is its constant input.
fn cases() -> Vec<Case> {
    let weights = mlp_weights().point;
    let mut rng = Rng::new(7);
    let sample: Vec<f64> = (0..MLP_LAYERS[0]).map(|_| rng.next_f64()).collect();
    let (mut a, mut next) = (Vec::new(), Vec::new());
    let (mut a2, mut next2) = (Vec::new(), Vec::new());
    let natives: Vec<(Workload, Native)> = vec![
        (rosenbrock(1000), Box::new(rosenbrock_native)),
        (rosenbrock(100_000), Box::new(rosenbrock_native)),
        (van_der_pol(1000), Box::new(|p| rk4_native(p, 1000))),
        (van_der_pol(20_000), Box::new(|p| rk4_native(p, 20_000))),
        (lennard_jones(30), Box::new(lj_native)),
        (lennard_jones(100), Box::new(lj_native)),
        (
            mlp(),
            Box::new(move |x| mlp_native(&weights, x, &mut a, &mut next)),
        ),
        (
            mlp_weights(),
            Box::new(move |params| {
                let y = mlp_native(params, &sample, &mut a2, &mut next2);
                (y - 0.5) * (y - 0.5)
            }),
        ),
    ];
    natives
        .into_iter()
        .map(|(w, mut native)| {
            let p = Program::compile(&w.graph, &w.function).unwrap();
            let (y, n) = (p.eval(&w.point).unwrap()[0], native(&w.point));
            assert!(
                (y - n).abs() <= 1e-12 * (1.0 + y.abs()),
                "{}: {y} vs {n}",
                w.name
            );
            Case { w, p, native }
        })
        .collect()
}

/// `count` points near the workload's point, row after row.
fn points_near(w: &Workload, count: usize) -> Vec<f64> {
    let mut rng = Rng::new(11);
    (0..count)
        .flat_map(|_| {
            w.point
                .iter()
                .map(|&x| x + 0.01 * rng.next_f64())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Instruction-points per batched call the batch size aims at.
const BATCH_WORK: usize = 1 << 23;
/// Most bytes of points a batch may take (Rosenbrock n = 100,000: 800 KB a point).
const MAX_POINT_BYTES: usize = 128 << 20;

/// Points per batched call: near `BATCH_WORK` instruction-points, a power of two in
/// 128..=1,024, within `MAX_POINT_BYTES`, at least one chunk.
fn batch_points(p: &Program) -> usize {
    let want = (BATCH_WORK / p.instruction_count().max(1))
        .next_power_of_two()
        .clamp(128, 1024);
    want.min(max_points(p)).max(BATCH_WIDTH)
}

/// The most whole chunks of points that fit in `MAX_POINT_BYTES`.
fn max_points(p: &Program) -> usize {
    MAX_POINT_BYTES / (8 * p.input_count().max(1)) / BATCH_WIDTH * BATCH_WIDTH
}

/// Samples per row: fewer where a call does much work (flat sampling then takes
/// seconds a row).
fn samples(instruction_points: usize) -> usize {
    if instruction_points > 20_000_000 {
        20
    } else {
        100
    }
}

fn one_point(c: &mut Criterion<CpuTime>, cases: &mut [Case], rec: &Medians) {
    for Case { w, p, native } in cases {
        if w.name == "rosenbrock-100000" {
            eprintln!(
                "rosenbrock-100000: {} instructions in {} steps (fused pairs), {} slots ({} working)",
                p.instruction_count(),
                p.step_count(),
                p.slot_count(),
                p.working_slot_count()
            );
        }
        let name = format!("eval-one-point/{}", w.name);
        let id = |row: &str| format!("{name}/{row}");
        let n = samples(p.instruction_count());
        let mut g = c.benchmark_group(&name);
        g.sample_size(n);
        g.throughput(Throughput::Elements(p.instruction_count() as u64));
        let mut ws = Workspace::new();
        let mut out = vec![0.0; p.output_count()];
        g.bench_function("program", |b| {
            rec.iter(b, &id("program"), n, || {
                p.eval_with(&mut ws, black_box(&w.point), &mut out).unwrap()
            })
        });
        g.bench_function("native", |b| {
            rec.iter(b, &id("native"), n, || native(black_box(&w.point)))
        });
        // The program translated to machine code (`Program::native`, x86-64 Unix).
        if let Ok(code) = p.native() {
            g.bench_function("machine-code", |b| {
                rec.iter(b, &id("machine-code"), n, || {
                    code.eval_with(&mut ws, black_box(&w.point), &mut out)
                        .unwrap()
                })
            });
        }
        // The reference evaluator takes ~10x longer.
        let nr = samples(10 * p.instruction_count());
        g.sample_size(nr);
        g.bench_function("reference-evaluate", |b| {
            rec.iter(b, &id("reference-evaluate"), nr, || {
                adgraph_ir::evaluate(&w.graph, &w.function, black_box(&w.point)).unwrap()
            })
        });
        g.finish();
        rec.summary(&name, &["native", "machine-code", "reference-evaluate"]);
    }
}

/// `eval-batch/<name>`: `count` points through the program on one thread and through
/// the native function.
fn batch_group(
    c: &mut Criterion<CpuTime>,
    rec: &Medians,
    name: &str,
    case: &mut Case,
    count: usize,
) {
    let Case { w, p, native } = case;
    let pts = points_near(w, count);
    let mut out = vec![0.0; count * p.output_count()];
    let name = format!("eval-batch/{name}");
    let id = |row: &str| format!("{name}/{row}");
    let n = samples(count * p.instruction_count());
    eprintln!("{name}: {count} points a call");
    let mut g = c.benchmark_group(&name);
    g.sample_size(n);
    g.throughput(Throughput::Elements(count as u64));
    g.bench_function("program-1-thread", |b| {
        rec.iter(b, &id("program-1-thread"), n, || {
            p.eval_batch_into(black_box(&pts), &mut out, false).unwrap()
        })
    });
    let mut native_out = vec![0.0; count];
    g.bench_function("native", |b| {
        rec.iter(b, &id("native"), n, || {
            for (o, x) in native_out.iter_mut().zip(pts.chunks(w.point.len())) {
                *o = native(black_box(x));
            }
        })
    });
    g.finish();
    rec.summary(&name, &["native"]);
}

fn batched(c: &mut Criterion<CpuTime>, cases: &mut [Case], rec: &Medians) {
    for case in cases {
        let name = case.w.name.clone();
        let count = batch_points(&case.p);
        batch_group(c, rec, &name, case, count);
        if name == "mlp" {
            batch_group(c, rec, "mlp-64-points", case, BATCH_WIDTH);
        }
    }
}

fn threads(c: &mut Criterion, cases: &[Case], rec: &Medians) {
    for Case { w, p, .. } in cases {
        let count = (4 * batch_points(p))
            .min(max_points(p))
            .max(2 * BATCH_WIDTH);
        let pts = points_near(w, count);
        let mut out = vec![0.0; count * p.output_count()];
        let name = format!("eval-batch-threads/{}", w.name);
        eprintln!("{name}: {count} points a call");
        let n = samples(count * p.instruction_count());
        let mut g = c.benchmark_group(&name);
        g.sample_size(n);
        g.throughput(Throughput::Elements(count as u64));
        let pools: Vec<rayon::ThreadPool> = [1, 2]
            .iter()
            .map(|&t| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .unwrap()
            })
            .collect();
        for (t, pool) in [1, 2].into_iter().zip(&pools) {
            let row = format!("threads/{t}");
            g.bench_function(BenchmarkId::new("threads", t), |b| {
                rec.iter(b, &format!("{name}/{row}"), n, || {
                    pool.install(|| p.eval_batch_into(black_box(&pts), &mut out, true).unwrap())
                })
            });
        }
        g.finish();
        rec.summary(&name, &["threads/1"]);
        // Only where the group ran (a filter may have skipped it).
        if rec.median(&format!("{name}/threads/2")).is_some() {
            let mut call = || {
                p.eval_batch_into(black_box(&pts), &mut out, true).unwrap();
            };
            interleaved(&pools, &mut call, &name, 1);
            interleaved(&pools, &mut call, &name, 8);
            // The machine's own scaling under the same load: pure arithmetic, no memory.
            let mut platform = || {
                black_box(
                    (0..64)
                        .into_par_iter()
                        .map(|k| compute_only(20_000 + k))
                        .sum::<f64>(),
                );
            };
            interleaved(&pools, &mut platform, &format!("{name} platform"), 8);
            per_core(&mut call, &name);
            per_core(&mut platform, &format!("{name} platform"));
        }
    }
}

/// Floating-point work with no memory traffic: 32 independent multiply-add chains,
/// more than the floating-point units can overlap, so it is bound by their
/// throughput (a core shared with another thread, as hyperthreads share one, would
/// show here), not by one chain's latency. What two cores of this machine give over
/// one when nothing is shared: the yardstick for the thread rows. On a virtual
/// machine it moves with the host's load: a C loop of 512-bit multiply-adds ran 2.0x
/// on two vCPUs of this one in a quiet hour and 1.3x to 1.5x in a busy one, with
/// nothing else running in the VM.
fn compute_only(n: usize) -> f64 {
    let mut a = [0.0f64; 32];
    for (k, x) in a.iter_mut().enumerate() {
        *x = k as f64;
    }
    for _ in 0..n / 4 {
        for x in &mut a {
            *x = *x * 0.999_999_9 + 1e-9;
        }
    }
    a.iter().sum()
}

/// A rayon pool with one thread on each CPU of `cpus`, or `None` if pinning failed.
fn pinned_pool(cpus: &[usize]) -> Option<rayon::ThreadPool> {
    let pinned = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (cpus_owned, count) = (cpus.to_vec(), pinned.clone());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cpus.len())
        .start_handler(move |i| {
            if pin_to(cpus_owned[i]) {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        })
        .build()
        .ok()?;
    // The start handlers run as the threads start: wait for them (briefly).
    pool.broadcast(|_| ());
    (pinned.load(std::sync::atomic::Ordering::SeqCst) == cpus.len()).then_some(pool)
}

/// Two threads against one with the cores' own speeds taken out: rounds of three
/// blocks of 8 calls (the first of each not counted), one thread pinned to CPU 0, one
/// thread pinned to CPU 1, two threads pinned one to each. Prints a `summary ... per
/// core` line with each pool's median and two medians over rounds: the speedup over
/// the mean of the two one-thread times, and the efficiency, the two-thread rate as a
/// share of the two cores' one-thread rates added (1/t2 over 1/t0 + 1/t1).
///
/// Why: on this virtual machine each vCPU's speed moves by up to 1.5x in phases of a
/// tenth of a second to a second, and the two vCPUs move independently (a C loop of
/// libm `tanh` pinned to each, run side by side, shows it). A one-thread pool runs on
/// whichever core the scheduler picks and a two-thread call lasts as long as the two
/// cores' combined rate allows, so `interleaved`'s ratio mixes the code's scaling with
/// the difference between the cores at that moment. Rounds are short enough (about
/// 25 calls) to fall mostly within one phase; the efficiency is the code's own scaling
/// (1.0 when two threads do exactly what the two cores do alone), and twice it is the
/// speedup two equally fast cores would give.
fn per_core(call: &mut (dyn FnMut() + Send), name: &str) {
    const ROUNDS: usize = 16;
    const BLOCK: usize = 8;
    let pools: Vec<rayon::ThreadPool> = match [&[0][..], &[1], &[0, 1]]
        .iter()
        .map(|cpus| pinned_pool(cpus))
        .collect::<Option<Vec<_>>>()
    {
        Some(pools) => pools,
        None => {
            eprintln!("summary {name} per core: skipped (cannot pin threads to CPUs 0 and 1)");
            return;
        }
    };
    let mut all = vec![Vec::with_capacity(ROUNDS * BLOCK); pools.len()];
    let (mut speedups, mut efficiencies) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let mut round = [0.0f64; 3];
        for ((pool, t), r) in pools.iter().zip(&mut all).zip(&mut round) {
            let mut block = time_block(pool, call, BLOCK);
            t.extend_from_slice(&block);
            *r = median(&mut block);
        }
        let [t0, t1, t2] = round;
        speedups.push((t0 + t1) / 2.0 / t2);
        efficiencies.push((1.0 / t2) / (1.0 / t0 + 1.0 / t1));
    }
    let medians: Vec<f64> = all.iter_mut().map(|t| median(t)).collect();
    eprintln!(
        "summary {name} per core ({ROUNDS} rounds of {BLOCK} calls on each pool, the first of each not counted, medians): \
         threads/1 on cpu 0 {}, threads/1 on cpu 1 {}, threads/2 {}; speedup over the mean one-thread time {:.2}x; \
         efficiency {:.2} (twice it: {:.2}x)",
        format_ns(medians[0]),
        format_ns(medians[1]),
        format_ns(medians[2]),
        median(&mut speedups),
        median(&mut efficiencies),
        2.0 * median(&mut efficiencies),
    );
}

/// Wall times (ns) of `block` calls on `pool`, the first not counted unless it is
/// the only one: it wakes a pool whose threads idled through another pool's calls.
fn time_block(pool: &rayon::ThreadPool, call: &mut (dyn FnMut() + Send), block: usize) -> Vec<f64> {
    (0..block)
        .filter_map(|k| {
            let start = std::time::Instant::now();
            pool.install(&mut *call);
            (block == 1 || k > 0).then(|| start.elapsed().as_secs_f64() * 1e9)
        })
        .collect()
}

/// Rounds of the thread-count rows, one call (`block` 1) or a block of calls on each
/// pool in turn, and the medians of each pool's calls (wall time), printed as a
/// `summary` line with the speedup. In blocks, the first call of each is not counted:
/// it wakes a pool whose threads idled through the other pool's calls.
///
/// Why besides criterion's rows: criterion times all of one row's samples, then all
/// of the next, so a change in the machine's load between the two (other jobs on a
/// shared 2-core machine) moves the ratio; alternating puts both rows under the same
/// load. Single calls alternate pools on every call, so each two-thread call starts
/// by waking two threads that slept through the one-thread call before it (and on a
/// virtual machine, perhaps an idle vCPU): a cost a program evaluating batch after
/// batch pays once, not per batch. Blocks of 8 alternate as often as the load
/// changes, not on every call. Both lines are printed; the README quotes both.
fn interleaved(
    pools: &[rayon::ThreadPool],
    call: &mut (dyn FnMut() + Send),
    name: &str,
    block: usize,
) {
    const CALLS: usize = 60;
    let block = block.max(1);
    let rounds = CALLS.div_ceil(block);
    let mut times = vec![Vec::with_capacity(CALLS); pools.len()];
    for _ in 0..rounds {
        for (pool, t) in pools.iter().zip(&mut times) {
            t.extend(time_block(pool, call, block));
        }
    }
    let medians: Vec<f64> = times.iter_mut().map(|t| median(t)).collect();
    let rows: Vec<String> = medians
        .iter()
        .enumerate()
        .map(|(k, m)| format!("threads/{} {}", k + 1, format_ns(*m)))
        .collect();
    let how = if block == 1 {
        format!("interleaved ({rounds} rounds, medians)")
    } else {
        format!("alternating blocks ({rounds} rounds of {block} calls, the first of each not counted, medians)")
    };
    eprintln!(
        "summary {name} {how}: {}; speedup {:.2}x",
        rows.join(", "),
        medians[0] / medians[medians.len() - 1]
    );
}

fn tangents(c: &mut Criterion<CpuTime>, cases: &[Case], rec: &Medians) {
    for Case { w, p, .. } in cases {
        let mut ws = Workspace::new();
        let mut out = vec![0.0; p.output_count()];
        let mut t = vec![0.0; p.output_count()];
        let mut dir = vec![0.0; p.input_count()];
        dir[0] = 1.0;
        let name = format!("jvp/{}", w.name);
        let id = |row: &str| format!("{name}/{row}");
        let n = samples(3 * p.instruction_count());
        let mut g = c.benchmark_group(&name);
        g.sample_size(n);
        g.throughput(Throughput::Elements(p.instruction_count() as u64));
        g.bench_function("eval", |b| {
            rec.iter(b, &id("eval"), n, || {
                p.eval_with(&mut ws, black_box(&w.point), &mut out).unwrap()
            })
        });
        g.bench_function("jvp-1-direction", |b| {
            rec.iter(b, &id("jvp-1-direction"), n, || {
                p.jvp_with(&mut ws, black_box(&w.point), &dir, 1, &mut out, &mut t)
                    .unwrap()
            })
        });
        g.finish();
        rec.summary(&name, &["eval"]);
    }
}

fn slots(cases: &[Case]) {
    for Case { w, p, .. } in cases.iter().filter(|c| c.w.name.starts_with("vdp-rk4")) {
        let nodes = p.value_count();
        eprintln!(
            "{}: {nodes} nodes, {} instructions, {} slots ({} working): slots = {:.4}% of nodes",
            w.name,
            p.instruction_count(),
            p.slot_count(),
            p.working_slot_count(),
            100.0 * p.slot_count() as f64 / nodes as f64
        );
    }
}

/// The single-threaded groups, in CPU time.
fn cpu(c: &mut Criterion<CpuTime>) {
    let mut cases = cases();
    let rec = Medians::cpu();
    slots(&cases);
    one_point(c, &mut cases, &rec);
    batched(c, &mut cases, &rec);
    tangents(c, &cases, &rec);
}

/// The thread-count groups, in wall time.
fn wall(c: &mut Criterion) {
    threads(c, &cases(), &Medians::wall());
}

criterion_group! {
    name = cpu_groups;
    config = Criterion::default().with_measurement(CpuTime);
    targets = cpu
}
criterion_group!(wall_groups, wall);
criterion_main!(cpu_groups, wall_groups);
