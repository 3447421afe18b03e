//! Construction and parsing: how fast the hash-consing arena takes new nodes, which
//! hasher it should use, how fast `.adg` text becomes a graph, and the memory per node.
//!
//! - `arena/uniform`, `arena/local`: a random DAG of about 1,000,000 new nodes built
//!   through `Graph::apply`/`powi`/`constant` (checks, folding, rewrites,
//!   hash-consing); the target is 10 million new nodes per second on one thread.
//!   `uniform` draws every operand uniformly from all nodes before it (each operand and
//!   each table probe a cache miss: the worst case); `local` draws half of them from
//!   the 64 newest nodes, as graphs built from code do (an expression uses what was
//!   just computed). `uniform` at 100,000 nodes shows the same work on a graph whose
//!   tables fit in the cache. `uniform-reserved`: the first, into a graph that
//!   reserved its nodes first (`Graph::reserve`, as the parser and the passes do).
//!   `uniform-batched`: the first through `Graph::extend_indexed`, 256 steps a batch
//!   (operands before the batch by id, in it by entry index): the same calls, ids and
//!   graph (checked before timing), with the memory of entries ahead prefetched.
//!   `uniform-reserved-batched`: both, the batches into a graph that reserved its
//!   nodes first. `uniform-reserved-positions`: the same with every operand named by
//!   its position in the ids (`BatchArg::Out`), which the batch reads and fetches
//!   ahead instead of the bench's loop. After the group, the three reserved builds
//!   alternated on one pinned core (`summary arena/uniform-reserved alternated`).
//!   `harness`: the bench's own loop over the same recipe (mapping operand indices to
//!   ids, pushing one id per step) with no graph: the cost in every `arena` figure
//!   that is not the arena's. The recipe itself is generated before timing.
//! - `hasher/*`: the same million nodes inserted into the arena's former structure, an
//!   `IndexSet<Node, S>` (until the arena became a `Vec<Node>` beside a table of ids),
//!   with FxHash, foldhash, aHash and std's SipHash-1-3, so only the hasher differs:
//!   the baseline the arena is compared with in the same run.
//! - `parse/*`: `.adg` text of a random DAG (every operator, constants, powers) parsed
//!   into a fresh graph, in bytes per second (target 20 MB/s), and `dump` back to text.
//! - Memory per node: measured by a counting global allocator while building the DAG,
//!   printed once before the benches run (`bytes/node`).
//!
//! Times are thread CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time: the machine
//! is shared by several jobs, and wall time would measure their load, not this code.
//!
//! Run: `cargo bench --bench build -- --warm-up-time 1 --measurement-time 3`.

use adgraph_ir::{dump, parse, BatchArg, BatchNode, Graph, Node, NodeId, Op};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use indexmap::IndexSet;
use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write;
use std::hash::BuildHasher;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "common/alternate.rs"]
mod alternate;
#[path = "common/cpu_time.rs"]
mod cpu_time;
#[path = "common/medians.rs"]
mod medians;

use cpu_time::ThreadCpuTime;

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to `System` unchanged; the counter is only read.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// SplitMix64: the same stream on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One node of the random DAG; operands index the nodes built before it.
#[derive(Clone, Copy)]
enum Step {
    Constant(f64),
    Apply(Op, [u32; 3]),
    PowI(u32, i32),
}

const INPUTS: usize = 16;

/// Operators of the random DAG, weighted towards arithmetic as real graphs are.
const OPS: [Op; 24] = [
    Op::Add,
    Op::Add,
    Op::Add,
    Op::Sub,
    Op::Sub,
    Op::Mul,
    Op::Mul,
    Op::Mul,
    Op::Div,
    Op::Neg,
    Op::Exp,
    Op::Log,
    Op::Sqrt,
    Op::Sin,
    Op::Cos,
    Op::Tanh,
    Op::Sigmoid,
    Op::Pow,
    Op::Min,
    Op::Max,
    Op::Atan2,
    Op::Lt,
    Op::Ge,
    Op::Select,
];

/// A random DAG of `n` steps after `INPUTS` inputs, 2% new constants, 4% integer
/// powers. Operands are uniform over every node before, or with `local`, half of them
/// among the 64 newest.
fn recipe(n: usize, seed: u64, local: bool) -> Vec<Step> {
    let mut rng = Rng(seed);
    (0..n)
        .map(|i| {
            let before = INPUTS + i;
            let mut pick = || {
                let r = rng.next();
                if local && r & 1 == 0 {
                    (before - 1 - ((r >> 1) as usize % before.min(64))) as u32
                } else {
                    ((r >> 1) % before as u64) as u32
                }
            };
            let args = [pick(), pick(), pick()];
            match rng.below(100) {
                0..=1 => Step::Constant((rng.next() >> 11) as f64 / (1u64 << 40) as f64),
                2..=5 => Step::PowI(args[0], rng.below(7) as i32 - 3),
                _ => Step::Apply(OPS[rng.below(OPS.len())], args),
            }
        })
        .collect()
}

/// Builds the DAG through the smart constructors; returns the graph.
fn build(steps: &[Step]) -> Graph {
    build_into(Graph::new(), steps)
}

/// Adds the DAG's inputs and steps to `g` through the smart constructors.
fn build_into(mut g: Graph, steps: &[Step]) -> Graph {
    let mut ids: Vec<NodeId> = Vec::with_capacity(INPUTS + steps.len());
    for i in 0..INPUTS {
        ids.push(g.input(&format!("x{i}")).unwrap());
    }
    for s in steps {
        let id = match *s {
            Step::Constant(x) => g.constant(x),
            Step::PowI(a, n) => g.powi(ids[a as usize], n),
            Step::Apply(op, args) => {
                let args = args.map(|a| ids[a as usize]);
                g.apply(op, &args[..op.arity()])
            }
        };
        ids.push(id.unwrap());
    }
    g
}

/// Steps per batch of [`build_batched`].
const BATCH: usize = 256;

/// [`build`] through `Graph::extend_indexed`, [`BATCH`] steps at a time: the same
/// constructor calls, ids and graph. An operand built before the batch is passed by
/// id, one built in it as its entry index.
fn build_batched(steps: &[Step]) -> Graph {
    build_batched_into(Graph::new(), steps)
}

/// Adds the DAG's inputs and steps to `g` as [`build_batched`] does.
fn build_batched_into(g: Graph, steps: &[Step]) -> Graph {
    build_batches(g, steps, false)
}

/// [`build_batched_into`] with every operand named by its position in the ids
/// (`BatchArg::Out`): the batch reads the ids itself, fetched ahead, and the bench's
/// loop only renames its steps.
fn build_positions_into(g: Graph, steps: &[Step]) -> Graph {
    build_batches(g, steps, true)
}

/// The DAG's inputs, then its steps [`BATCH`] at a time through
/// `Graph::extend_indexed`, each operand named by its position in the ids
/// (`by_position`) or else resolved here: by id if built before the batch, by entry
/// index if in it.
fn build_batches(mut g: Graph, steps: &[Step], by_position: bool) -> Graph {
    let mut ids: Vec<NodeId> = Vec::with_capacity(INPUTS + steps.len());
    for i in 0..INPUTS {
        ids.push(g.input(&format!("x{i}")).unwrap());
    }
    let mut batch = Vec::with_capacity(BATCH);
    for chunk in steps.chunks(BATCH) {
        let start = ids.len() as u32;
        let arg = |a: u32| {
            if by_position {
                BatchArg::Out(a)
            } else if a < start {
                BatchArg::Id(ids[a as usize])
            } else {
                BatchArg::Entry(a - start)
            }
        };
        batch.clear();
        batch.extend(chunk.iter().map(|s| match *s {
            Step::Constant(x) => BatchNode::Constant(x),
            Step::PowI(a, n) => BatchNode::PowI(arg(a), n),
            Step::Apply(op, args) => BatchNode::Apply(op, args.map(arg)),
        }));
        g.extend_indexed(&batch, &mut ids).unwrap();
    }
    g
}

/// The reserved builds side by side on one pinned core: `ROUNDS` rounds, each
/// building the graph once per row (thread CPU time, the graph's drop not timed, as in
/// criterion's rows), then the medians a build on stderr as `summary
/// arena/uniform-reserved alternated`. The VM's cores change speed in phases of a
/// tenth of a second to a second, so criterion's rows, timed one after another, can
/// land in different phases; these rows share them.
fn alternate_reserved(steps: &[Step]) {
    const ROUNDS: usize = 12;
    type Build = fn(Graph, &[Step]) -> Graph;
    let reserved = |build: Build| {
        let mut g = Graph::new();
        g.reserve(INPUTS + steps.len());
        build(g, steps)
    };
    let rows: [(&str, Build); 3] = [
        ("one-at-a-time", build_into),
        ("batched", build_batched_into),
        ("positions", build_positions_into),
    ];
    let mut times = vec![Vec::with_capacity(ROUNDS); rows.len()];
    alternate::on_this_core(|pinned| {
        for _ in 0..ROUNDS {
            for (t, (_, build)) in times.iter_mut().zip(&rows) {
                let start = cpu_time::thread_cpu_now();
                let g = reserved(*build);
                t.push((cpu_time::thread_cpu_now() - start).as_secs_f64());
                drop(black_box(g));
            }
        }
        let line: Vec<String> = rows
            .iter()
            .zip(&mut times)
            .map(|((name, _), t)| format!("{name} {:.1} ms", alternate::median(t) * 1e3))
            .collect();
        eprintln!(
            "summary arena/uniform-reserved alternated ({ROUNDS} rounds, {}, medians): {}",
            if pinned {
                "one pinned core"
            } else {
                "not pinned"
            },
            line.join(", ")
        );
    });
}

/// The loop of [`build`] without the graph: operand indices mapped to ids, one id
/// pushed per step. Returns the ids.
fn harness(steps: &[Step]) -> Vec<NodeId> {
    let mut ids: Vec<NodeId> = Vec::with_capacity(INPUTS + steps.len());
    for i in 0..INPUTS {
        ids.push(NodeId::new(i as u32));
    }
    for s in steps {
        match *s {
            Step::Constant(x) => {
                black_box(x);
            }
            Step::PowI(a, n) => {
                black_box((ids[a as usize], n));
            }
            Step::Apply(op, args) => {
                let args = args.map(|a| ids[a as usize]);
                black_box(&args[..op.arity()]);
            }
        }
        ids.push(NodeId::new(ids.len() as u32));
    }
    ids
}

/// [`build`] into a graph that reserved room for every step first.
fn build_reserved(steps: &[Step]) -> Graph {
    let mut g = Graph::new();
    g.reserve(INPUTS + steps.len());
    build_into(g, steps)
}

/// Inserts `nodes` into a fresh arena set with hasher `S`; returns its length.
fn insert_all<S: BuildHasher + Default>(nodes: &[Node]) -> usize {
    let mut set: IndexSet<Node, S> = IndexSet::default();
    for &n in nodes {
        set.insert_full(n);
    }
    set.len()
}

/// `.adg` text of a random DAG of `lines` lets over every operator, with constants and
/// integer powers, ending in one output. The first operand of each line is the line
/// before (so the output reaches every node and the dump prints them all), the others
/// are uniform over every name before.
fn text(lines: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let mut s = String::with_capacity(lines * 30);
    s.push_str("input ");
    let names: Vec<String> = (0..INPUTS).map(|i| format!("x{i}")).collect();
    s.push_str(&names.join(", "));
    s.push('\n');
    let name = |k: usize| {
        if k < INPUTS {
            format!("x{k}")
        } else {
            format!("v{}", k - INPUTS)
        }
    };
    for i in 0..lines {
        let before = INPUTS + i;
        let a = name(before - 1);
        let b = name(rng.below(before));
        let _ = write!(s, "let v{i} = ");
        let _ = match rng.below(12) {
            0 => write!(s, "{a} + {b}"),
            1 => write!(s, "{a} - {b}"),
            2 => write!(s, "{a} * {b}"),
            3 => write!(s, "{a} / {b}"),
            4 => write!(s, "{a} * {}", rng.below(1000) as f64 / 8.0 + 0.1),
            5 => write!(s, "{a} ^ {}", rng.below(5) + 2),
            6 => write!(s, "-{a}"),
            7 => write!(s, "sin({a})"),
            8 => write!(s, "exp({a})"),
            9 => write!(s, "max({a}, {b})"),
            10 => write!(s, "{a} < {b}"),
            _ => write!(s, "select({a}, {b}, {})", name(rng.below(before))),
        };
        s.push('\n');
    }
    let _ = writeln!(s, "output y = v{}", lines - 1);
    s
}

/// Bytes per node of a graph of the DAG, measured by the counting allocator.
fn memory_per_node(steps: &[Step]) -> (usize, f64, f64) {
    let before = ALLOCATED.load(Ordering::Relaxed);
    let g = build(steps);
    let grown = ALLOCATED.load(Ordering::Relaxed) - before;
    let mut reserved = Graph::new();
    let before = ALLOCATED.load(Ordering::Relaxed);
    reserved.reserve(g.len());
    let exact = ALLOCATED.load(Ordering::Relaxed) - before;
    (
        g.len(),
        grown as f64 / g.len() as f64,
        exact as f64 / g.len() as f64,
    )
}

fn benches(c: &mut Criterion<ThreadCpuTime>) {
    let n = 1_000_000;
    let uniform = recipe(n, 7, false);
    let local = recipe(n, 7, true);
    let (count, grown, exact) = memory_per_node(&uniform);
    eprintln!(
        "memory: {count} nodes, {grown:.1} bytes/node as built (tables grown by doubling), \
         {exact:.1} bytes/node reserved up front"
    );

    let small = recipe(100_000, 7, false);
    let mut group = c.benchmark_group("arena");
    group.sample_size(10);
    for (name, steps) in [
        ("uniform", &uniform),
        ("local", &local),
        ("uniform", &small),
    ] {
        let len = build(steps).len();
        group.throughput(Throughput::Elements(len as u64));
        group.bench_function(BenchmarkId::new(name, len), |b| {
            b.iter_with_large_drop(|| build(steps))
        });
    }
    let len = build(&uniform).len();
    group.throughput(Throughput::Elements(len as u64));
    group.bench_function(BenchmarkId::new("uniform-reserved", len), |b| {
        b.iter_with_large_drop(|| build_reserved(&uniform))
    });
    let one = build(&uniform);
    let batched = build_batched(&uniform);
    let positions = build_positions_into(Graph::new(), &uniform);
    for other in [&batched, &positions] {
        assert!(
            one.len() == other.len() && one.iter().zip(other.iter()).all(|(a, b)| a == b),
            "the batched builds give the same graph"
        );
    }
    drop((one, batched, positions));
    group.bench_function(BenchmarkId::new("uniform-batched", len), |b| {
        b.iter_with_large_drop(|| build_batched(&uniform))
    });
    group.bench_function(BenchmarkId::new("uniform-reserved-batched", len), |b| {
        b.iter_with_large_drop(|| {
            let mut g = Graph::new();
            g.reserve(INPUTS + uniform.len());
            build_batched_into(g, &uniform)
        })
    });
    group.bench_function(BenchmarkId::new("uniform-reserved-positions", len), |b| {
        b.iter_with_large_drop(|| {
            let mut g = Graph::new();
            g.reserve(INPUTS + uniform.len());
            build_positions_into(g, &uniform)
        })
    });
    group.throughput(Throughput::Elements(uniform.len() as u64));
    group.bench_function(BenchmarkId::new("harness", uniform.len()), |b| {
        b.iter_with_large_drop(|| harness(&uniform))
    });
    group.finish();
    alternate_reserved(&uniform);

    let g = build(&uniform);
    let nodes: Vec<Node> = g.iter().map(|(_, node)| *node).collect();
    drop(g);

    let mut group = c.benchmark_group("hasher");
    group.sample_size(10);
    group.throughput(Throughput::Elements(nodes.len() as u64));
    group.bench_function("fxhash", |b| {
        b.iter(|| insert_all::<rustc_hash::FxBuildHasher>(&nodes))
    });
    group.bench_function("foldhash", |b| {
        b.iter(|| insert_all::<foldhash::fast::FixedState>(&nodes))
    });
    group.bench_function("ahash", |b| {
        b.iter(|| insert_all::<ahash::RandomState>(&nodes))
    });
    group.bench_function("siphash", |b| {
        b.iter(|| insert_all::<std::hash::RandomState>(&nodes))
    });
    group.finish();

    let source = text(300_000, 11);
    let (g, f) = parse(&source).unwrap();
    eprintln!(
        "parse input: {} bytes, {} lines, {} nodes",
        source.len(),
        source.lines().count(),
        g.len()
    );
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(source.len() as u64));
    group.bench_function("parse", |b| {
        b.iter_with_large_drop(|| parse(&source).unwrap())
    });
    let printed = dump(&g, &f);
    group.throughput(Throughput::Bytes(printed.len() as u64));
    group.bench_function("dump", |b| b.iter(|| dump(&g, &f)));
    group.finish();
}

criterion_group! {
    name = build_benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = benches
}
criterion_main!(build_benches);
