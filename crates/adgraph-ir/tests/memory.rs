//! Memory per node of the arena, measured by a counting global allocator: a graph
//! costs its 16-byte nodes, a byte per node for its operator, and the hash table's
//! 8-byte slot (an id and 32 hash bits) per slot. The README states the figure this
//! test bounds.
//! (`cargo test -p adgraph-ir --test memory -- --nocapture` prints it.)

use adgraph_ir::{Graph, NodeId, Op};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// A random DAG of `n` operations over 8 inputs into `g` (SplitMix64 picks).
fn fill(g: &mut Graph, n: usize) {
    let mut state = 1u64;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut ids: Vec<NodeId> = (0..8).map(|i| g.input(&format!("x{i}")).unwrap()).collect();
    let ops = [Op::Add, Op::Mul, Op::Sub, Op::Div, Op::Sin, Op::Max];
    while g.len() < n {
        let op = ops[(next() % ops.len() as u64) as usize];
        let a = ids[(next() % ids.len() as u64) as usize];
        let b = ids[(next() % ids.len() as u64) as usize];
        let id = g.apply(op, &[a, b][..op.arity()]).unwrap();
        ids.push(id);
    }
}

#[test]
fn bytes_per_node_are_bounded() {
    let n = 200_000;
    let before = ALLOCATED.load(Ordering::Relaxed);
    let mut grown = Graph::new();
    fill(&mut grown, n);
    let as_built = (ALLOCATED.load(Ordering::Relaxed) - before) as f64 / n as f64;

    let before = ALLOCATED.load(Ordering::Relaxed);
    let mut reserved = Graph::new();
    reserved.reserve(n);
    let up_front = (ALLOCATED.load(Ordering::Relaxed) - before) as f64 / n as f64;
    fill(&mut reserved, n);
    let after = (ALLOCATED.load(Ordering::Relaxed) - before) as f64 / n as f64;
    println!(
        "{n} nodes: {as_built:.1} bytes/node grown, {up_front:.1} reserved exactly \
         ({after:.1} after filling)"
    );
    // A node is 16 bytes and its operator 1 more; the table adds 8 bytes a slot at a
    // load of 7/8 at most, and up to twice that just after growing.
    let bounds = 17.0 + 8.0 * 8.0 / 7.0..=17.0 + 8.0 * 8.0 / 7.0 * 2.0 + 1.0;
    assert!(bounds.contains(&up_front), "{up_front} bytes/node");
    assert!(
        (after - up_front).abs() < 0.01,
        "reserving exactly leaves no regrowth"
    );
    assert!(as_built <= 50.0, "{as_built} bytes/node");
}
