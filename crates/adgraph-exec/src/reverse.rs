//! The reverse interpreter: adjoints of a program under a checkpoint plan.
//!
//! `adgraph-remat` decides (a [`Plan`]: segments and a schedule of store, restore,
//! advance, record and reverse actions); this module carries the plan out over the
//! program's [`Trace`], measuring what it holds. Working values live in slots reused by
//! forward liveness, adjoints in slots reused by reverse liveness; checkpoints and
//! tapes are slices laid end to end on one stack ([`crate::reverse_stack`]), metered
//! as they are pushed and popped. Every plan sweeps the instructions backward in
//! the same order with the same values, so gradients are bit-identical across plans.

use crate::reverse_code::{
    chain, fuse_runs, lower_forward, prefetch_lines, run_backward, run_forward, Bwd, Fwd,
    TAPE_SPARE,
};
use crate::reverse_kernels::{structurally_zero, Backward, Forward, FROM_TAPE, LANES};
use crate::reverse_schedule::{lower_actions, range, Move};
use crate::reverse_stack::{ObjectStack, StackMemory};
use crate::ReverseError;
use adgraph_ir::{Function, Graph};
use adgraph_remat::{
    plan_checkpoints, tapes, Action, CostModel, Frontier, Plan, Source, Strategy, Trace,
    NEEDS_RESULT, NO_SLOT,
};
use rayon::prelude::*;
use std::time::Instant;

/// The most backward records of the next segment [`ReversePlan`]'s sweep asks for
/// ahead (6 KiB of 24-byte records), the last ones, which it sweeps first.
const PREFETCH_RECORDS: u32 = 256;

/// What a sweep did, counted and measured as it ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Instructions executed for the first time (each instruction once).
    pub forward_ops: u64,
    /// Instructions executed again (recomputation).
    pub recomputed_ops: u64,
    /// Instructions swept backward.
    pub backward_ops: u64,
    /// Peak bytes held: working slots, adjoint slots, checkpoints and tapes (the sum of
    /// the live slices on the checkpoint and tape stack), for all lanes of the sweep.
    pub peak_bytes: u64,
    /// Peak bytes of the checkpoint and tape stack in use: its live slices and the
    /// spare places a recording writes past its tape (the stack's buffer holds at
    /// least this).
    pub reserved_bytes: u64,
    /// Points swept at once.
    pub lanes: usize,
}

/// Outputs, input adjoints and stats of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Vjp {
    /// Output values in output order.
    pub outputs: Vec<f64>,
    /// Input adjoints (the vector-Jacobian product) in input order.
    pub adjoints: Vec<f64>,
    /// What the sweep did.
    pub stats: Stats,
}

/// Outputs and input adjoints of many points, row by row.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchVjp {
    /// `points x outputs` values, row-major.
    pub outputs: Vec<f64>,
    /// `points x inputs` adjoints, row-major.
    pub adjoints: Vec<f64>,
    /// Stats of one lane group ([`LANES`] points); every group does the same work.
    pub stats: Stats,
}

/// Memory a sweep reuses from call to call: adjoint slots, and the buffer holding the
/// working slots and the checkpoint and tape stack. Sweeping with one workspace again
/// touches memory already mapped, instead of fresh pages every call, and clears
/// nothing it need not: a sweep writes every working slot before reading it (what a
/// sweep left there is never read by the next), and leaves every adjoint slot zero.
#[derive(Default)]
pub struct ReverseWorkspace {
    /// Adjoint slots (at least `adjoint_count * W`), all zero between sweeps unless
    /// `dirty`: the backward sweep clears each result's adjoint as it reads it, and
    /// the sweep's end clears the few it leaves set (the inputs'), so the next sweep
    /// starts from zeros without a pass over them all.
    adj: Vec<f64>,
    /// Set while a sweep runs: a sweep that never finished (a panic) may have left
    /// adjoints set, so the next one clears them all first.
    dirty: bool,
    /// The working slots, then the checkpoint and tape stack.
    stack: StackMemory,
}

impl ReverseWorkspace {
    /// An empty workspace (it grows to fit on first use).
    pub fn new() -> ReverseWorkspace {
        ReverseWorkspace::default()
    }

    /// Bytes the workspace's buffers have reserved.
    fn reserved(&self) -> usize {
        std::mem::size_of::<f64>() * self.adj.capacity() + self.stack.reserved()
    }
}

/// Largest workspace a thread keeps between calls of the workspace-less methods
/// ([`ReversePlan::vjp`], [`ReversePlan::grad`]); bigger ones are freed after use.
const SPARE_LIMIT: usize = 16 << 20;

thread_local! {
    /// The workspace the workspace-less methods reuse on this thread, so repeated
    /// one-point gradients do not map fresh pages on every call.
    static SPARE: std::cell::RefCell<Option<ReverseWorkspace>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's spare workspace (taken out of the cell for the call,
/// so a nested call simply makes its own), keeping it afterwards unless it grew past
/// [`SPARE_LIMIT`].
fn with_spare<R>(f: impl FnOnce(&mut ReverseWorkspace) -> R) -> R {
    let mut ws = SPARE
        .try_with(|s| s.borrow_mut().take())
        .ok()
        .flatten()
        .unwrap_or_default();
    let result = f(&mut ws);
    if ws.reserved() <= SPARE_LIMIT {
        let _ = SPARE.try_with(|s| *s.borrow_mut() = Some(ws));
    }
    result
}

/// A plan laid out over a trace: where each kept value sits on its segment's tape and
/// which slots each checkpoint copies. Build once, sweep many points.
///
/// ```
/// use adgraph_exec::ReversePlan;
/// use adgraph_remat::{plan_checkpoints, CostModel, Strategy, Trace};
/// let w = adgraph_workloads::seed();
/// let t = Trace::from_function(&w.graph, &w.function)?;
/// let plan = plan_checkpoints(&t, Strategy::StoreAll, &CostModel::default())?;
/// let r = ReversePlan::new(&t, &plan)?;
/// let g = r.grad(&[3.0, 4.0], 0)?;
/// assert_eq!(g.outputs, vec![23.0]);
/// assert_eq!(g.adjoints, vec![10.0, 3.0]);
/// assert_eq!(g.stats.peak_bytes, plan.prediction().peak_bytes);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ReversePlan<'a> {
    trace: &'a Trace,
    plan: &'a Plan,
    /// The trace's input count (`Trace::input_count` counts them on every call).
    inputs: usize,
    /// Values on each segment's tape.
    tape_lengths: Vec<u32>,
    /// Per segment: (working slot, tape offset) of kept values computed before it.
    carried: Vec<Vec<(u32, u32)>>,
    /// Forward instructions lowered for the sweeps, with pairs of steps fused where
    /// the inner value is used only by the outer (a code whose result is on its
    /// segment's tape is marked `keep`).
    forward: Vec<Fwd>,
    /// Backward instructions in their general form, one per step (sources depend on
    /// the plan's tapes): what `BKind::General` runs.
    general: Vec<Backward>,
    /// Backward instructions lowered for the sweeps, one per step.
    backward: Vec<Bwd>,
    /// The plan's actions with what each needs looked up.
    moves: Vec<Move>,
    /// Working slots plus the largest extent of the checkpoint and tape stack (values
    /// per lane): the buffer holding both.
    extent: u32,
    /// The working slots the checkpoints copy, each checkpoint's a range of them.
    checkpoint_slots: Vec<u32>,
    /// The leaves (inputs and constants) in trace order, as runs of consecutive
    /// working slots: inputs sit in slots `0..n` on every workload, so filling them
    /// is one copy.
    leaves: Vec<LeafRun>,
    /// The constants' values, in the order of their runs.
    constants: Vec<f64>,
    /// Per input, in input order: the adjoint slot the sweep reads its gradient from
    /// (and clears; all distinct).
    input_adjoints: Vec<u32>,
    /// The other adjoint slots a sweep leaves set (usually none): every slot's last
    /// access in the sweep is its reading by the instruction whose result it holds,
    /// which clears it, but for the inputs' and these. The sweep's end clears them.
    set_adjoints: Vec<u32>,
    /// Whether the sweep's end clears every adjoint slot in one pass rather than the
    /// inputs' and `set_adjoints` one by one: where those are a quarter of the slots
    /// or more (the MLP with weight inputs: 1,633 of 1,634; perf put 15% of its
    /// gradient in the scattered clears and copies).
    clear_all: bool,
}

/// Leaves in consecutive working slots `slot..slot + len`, filled before a sweep from
/// inputs `from..from + len` (`input`) or from `constants[from..from + len]`.
#[derive(Clone, Copy, Debug)]
struct LeafRun {
    slot: u32,
    len: u32,
    from: u32,
    input: bool,
}

impl<'a> ReversePlan<'a> {
    /// Lays `plan` out over `trace`; fails if the plan was made for another program.
    pub fn new(trace: &'a Trace, plan: &'a Plan) -> Result<ReversePlan<'a>, ReverseError> {
        ReversePlan::lay_out(trace, plan, true)
    }

    /// [`new`](Self::new); `fuse` fuses forward pairs and passes single-use adjoints
    /// in a register (off only to test that neither changes a bit).
    fn lay_out(
        trace: &'a Trace,
        plan: &'a Plan,
        fuse: bool,
    ) -> Result<ReversePlan<'a>, ReverseError> {
        plan.check(trace)?;
        let b = plan.boundaries();
        let l = plan.segment_count() as usize;
        let first = trace.first_step_value();
        let slots = trace.slots();
        let tapes = tapes(trace, b);
        let mut offset = vec![NO_SLOT; trace.sources().len()];
        let mut record_offsets = vec![NO_SLOT; trace.steps().len()];
        let forward_code: Vec<Forward> = trace
            .steps()
            .iter()
            .map(|st| Forward {
                op: st.op,
                a: st.arg_slots[0],
                b: if st.op == adgraph_ir::Op::PowI {
                    st.exponent as u32
                } else {
                    st.arg_slots[1]
                },
                c: st.arg_slots[2],
                r: st.result_slot,
            })
            .collect();
        let mut backward_code = Vec::with_capacity(trace.steps().len());
        let mut carried: Vec<Vec<(u32, u32)>> = Vec::with_capacity(l);
        for (j, tape) in tapes.iter().enumerate() {
            for (k, &v) in tape.iter().enumerate() {
                offset[v as usize] = k as u32;
            }
            let start = b[j];
            carried.push(
                tape.iter()
                    .filter(|&&v| v - first < start)
                    .map(|&v| (slots[v as usize], offset[v as usize]))
                    .collect(),
            );
            for step in b[j]..b[j + 1] {
                let s = &trace.steps()[step as usize];
                let r = first + step;
                let source_of = |v: u32| {
                    if trace.is_step_value(v) {
                        offset[v as usize] | FROM_TAPE
                    } else {
                        slots[v as usize]
                    }
                };
                let mut src = [0u32; 3];
                let mut adj = [NO_SLOT; 3];
                if s.needs & 1 != 0 {
                    src[0] = source_of(s.args[0]);
                }
                if s.needs & 2 != 0 {
                    src[1] = source_of(s.args[1]);
                }
                if s.op == adgraph_ir::Op::PowI {
                    src[1] = s.exponent as u32;
                }
                if s.needs & NEEDS_RESULT != 0 {
                    src[2] = source_of(r);
                }
                for (i, a) in adj.iter_mut().enumerate().take(s.op.arity()) {
                    if !structurally_zero(s.op, s.exponent, i) {
                        *a = s.arg_adjoints[i];
                    }
                }
                backward_code.push(Backward {
                    op: s.op,
                    needs: s.needs & 0b1011,
                    src,
                    adj,
                    radj: s.result_adjoint,
                });
            }
            for step in b[j]..b[j + 1] {
                let r = (first + step) as usize;
                if tape.binary_search(&(r as u32)).is_ok() {
                    record_offsets[step as usize] = offset[r];
                }
            }
        }
        let mut stored = vec![false; l + 1];
        for a in plan.actions() {
            if let Action::Store(k) = *a {
                stored[k as usize] = true;
            }
        }
        let mut checkpoint_slots: Vec<Vec<u32>> = vec![Vec::new(); l + 1];
        for j in 0..trace.steps().len() as u32 {
            let v = first + j;
            let last = trace.last_use(v);
            let mut k = b.partition_point(|&x| x <= j);
            while k < l && b[k] <= last {
                if stored[k] {
                    checkpoint_slots[k].push(slots[v as usize]);
                }
                k += 1;
            }
        }
        let tape_lengths: Vec<u32> = tapes.iter().map(|t| t.len() as u32).collect();
        check_code(trace, b, &tape_lengths, &forward_code, &backward_code)?;
        // Recording pushes kept values after the carried ones: each tape must hold
        // exactly those, in instruction order (as `tapes` lays them out).
        for (j, w) in b.windows(2).enumerate() {
            if carried[j]
                .iter()
                .enumerate()
                .any(|(k, &(_, o))| o != k as u32)
            {
                return Err(malformed("a carried value out of tape order"));
            }
            let mut next = carried[j].len() as u32;
            for &o in &record_offsets[w[0] as usize..w[1] as usize] {
                if o != NO_SLOT {
                    if o != next {
                        return Err(malformed("a tape out of instruction order"));
                    }
                    next += 1;
                }
            }
            if next != tape_lengths[j] {
                return Err(malformed("a tape value neither carried nor recorded"));
            }
        }
        // Single uses, for fusing forward pairs and chaining adjoints; never across a
        // segment boundary (a sweep runs whole segments).
        let steps = trace.steps();
        let mut uses = vec![0u8; trace.sources().len()];
        for st in steps {
            for &v in &st.args[..st.op.arity()] {
                uses[v as usize] = uses[v as usize].saturating_add(1);
            }
        }
        for &v in trace.outputs() {
            uses[v as usize] = uses[v as usize].saturating_add(1);
        }
        let mut starts = vec![false; steps.len() + 1];
        for &k in b {
            starts[k as usize] = true;
        }
        // `Some(k)`: the value of step `j` is used once in all, as operand `k` of step
        // `j + 1` in the same segment.
        let only_use_by_next = |j: usize| {
            let v = first + j as u32;
            let next = steps.get(j + 1)?;
            if starts[j + 1] || uses[v as usize] != 1 {
                return None;
            }
            next.args[..next.op.arity()].iter().position(|&a| a == v)
        };
        let keep: Vec<bool> = record_offsets.iter().map(|&o| o != NO_SLOT).collect();
        let (forward, code_at) = if fuse {
            lower_forward(&forward_code, &keep, only_use_by_next)
        } else {
            lower_forward(&forward_code, &keep, |_| None)
        };
        let forward_starts: Vec<u32> = b.iter().map(|&k| code_at[k as usize]).collect();
        let layout = lower_actions(plan, &forward_starts, &checkpoint_slots, &tape_lengths)?;
        // Tapes sit above the working slots in one buffer (`reverse_stack`).
        let extent = u32::try_from(layout.extent)
            .ok()
            .and_then(|e| e.checked_add(trace.slot_count()))
            .ok_or_else(|| malformed("a schedule holding more than 2^32 values"))?;
        let mut backward: Vec<Bwd> = Vec::with_capacity(backward_code.len());
        for (j, w) in b.windows(2).enumerate() {
            let tape_base = trace.slot_count() + layout.tape_at[j];
            for k in w[0]..w[1] {
                backward.push(Bwd::lower(&backward_code[k as usize], k, tape_base));
            }
        }
        if fuse {
            chain(&mut backward, |j| only_use_by_next(j - 1));
            fuse_runs(&mut backward, |j| starts[j]);
        }
        // Resolved once here: per call, walking the sources to the first step and
        // looking each slot up cost more than the copies (Rosenbrock n = 10,000:
        // about 50 machine instructions per input, callgrind).
        let mut leaves: Vec<LeafRun> = Vec::new();
        let mut constants = Vec::new();
        let mut input_adjoints = Vec::new();
        for (v, source) in trace.sources().iter().enumerate() {
            let slot = trace.slots()[v];
            let (input, from) = match *source {
                Source::Input(k) => {
                    if k as usize != input_adjoints.len() {
                        return Err(malformed("an input out of input order"));
                    }
                    input_adjoints.push(trace.adjoint_slots()[v]);
                    (true, k)
                }
                Source::Constant(x) => {
                    constants.push(x);
                    (false, constants.len() as u32 - 1)
                }
                Source::Step(_) => break,
            };
            match leaves.last_mut() {
                Some(run)
                    if run.input == input
                        && run.slot.checked_add(run.len) == Some(slot)
                        && run.from + run.len == from =>
                {
                    run.len += 1
                }
                _ => leaves.push(LeafRun {
                    slot,
                    len: 1,
                    from,
                    input,
                }),
            }
        }
        // The sweeps index with these unchecked.
        let inputs = trace.input_count();
        if leaves
            .iter()
            .any(|r| r.slot as u64 + r.len as u64 > trace.slot_count() as u64)
            || input_adjoints.len() != inputs
        {
            return Err(malformed("a leaf's slot out of range"));
        }
        let mut seen = vec![false; trace.adjoint_count() as usize];
        for &a in &input_adjoints {
            match seen.get_mut(a as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err(malformed("an input's adjoint slot out of range or shared")),
            }
        }
        let set_adjoints = set_adjoints(trace, &backward_code, &seen);
        let clear_all =
            4 * (input_adjoints.len() + set_adjoints.len()) >= trace.adjoint_count() as usize;
        Ok(ReversePlan {
            trace,
            plan,
            leaves,
            constants,
            input_adjoints,
            set_adjoints,
            clear_all,
            inputs,
            tape_lengths,
            carried,
            forward,
            general: backward_code,
            backward,
            moves: layout.moves,
            checkpoint_slots: layout.checkpoint_slots,
            extent,
        })
    }

    /// The vector-Jacobian product at one point: outputs, `cotangents^T J`, and stats.
    /// Reuses a per-thread workspace (up to 16 MiB is kept between calls).
    pub fn vjp(&self, inputs: &[f64], cotangents: &[f64]) -> Result<Vjp, ReverseError> {
        with_spare(|ws| self.vjp_with(ws, inputs, cotangents))
    }

    /// [`vjp`](Self::vjp) reusing the memory of `ws` (for repeated calls).
    pub fn vjp_with(
        &self,
        ws: &mut ReverseWorkspace,
        inputs: &[f64],
        cotangents: &[f64],
    ) -> Result<Vjp, ReverseError> {
        self.check_sizes(inputs.len(), cotangents.len())?;
        let mut outputs = vec![0.0; self.trace.outputs().len()];
        let mut adjoints = Vec::with_capacity(self.inputs);
        let stats = self.sweep::<1>(ws, inputs, cotangents, &mut outputs, &mut adjoints);
        Ok(Vjp {
            outputs,
            adjoints,
            stats,
        })
    }

    /// The outputs at one point by a forward sweep of the same kernels, keeping
    /// nothing (the baseline a gradient's cost is compared with).
    pub fn eval(&self, inputs: &[f64]) -> Result<Vec<f64>, ReverseError> {
        let t = self.trace;
        self.check_sizes(inputs.len(), t.outputs().len())?;
        let mut work = vec![0.0; t.slot_count() as usize];
        for (v, source) in t.sources().iter().enumerate() {
            match *source {
                Source::Input(k) => work[t.slots()[v] as usize] = inputs[k as usize],
                Source::Constant(x) => work[t.slots()[v] as usize] = x,
                Source::Step(_) => break,
            }
        }
        // SAFETY: `new` checked every slot of the forward code against the slot count.
        unsafe { run_forward::<1, false>(&self.forward, &mut work, std::ptr::null_mut()) };
        Ok(t.outputs()
            .iter()
            .map(|&v| work[t.slots()[v as usize] as usize])
            .collect())
    }

    /// The gradient of output `output` at one point (with every output's value).
    /// Reuses a per-thread workspace (up to 16 MiB is kept between calls).
    pub fn grad(&self, inputs: &[f64], output: usize) -> Result<Vjp, ReverseError> {
        with_spare(|ws| self.grad_with(ws, inputs, output))
    }

    /// [`grad`](Self::grad) reusing the memory of `ws` (for repeated calls).
    pub fn grad_with(
        &self,
        ws: &mut ReverseWorkspace,
        inputs: &[f64],
        output: usize,
    ) -> Result<Vjp, ReverseError> {
        let n = self.trace.outputs().len();
        if output >= n {
            return Err(ReverseError::NoSuchOutput {
                index: output,
                outputs: n,
            });
        }
        let mut cotangents = vec![0.0; n];
        cotangents[output] = 1.0;
        self.vjp_with(ws, inputs, &cotangents)
    }

    /// Vector-Jacobian products of many points: `points` row-major (`inputs` values
    /// per row), `cotangents` row-major (`outputs` values per row). Rows are swept
    /// [`LANES`] at a time, groups in parallel on the current rayon pool. Results are
    /// bit-identical to [`vjp`](Self::vjp) row by row.
    pub fn vjp_batch(&self, points: &[f64], cotangents: &[f64]) -> Result<BatchVjp, ReverseError> {
        let (n_in, n_out) = (self.inputs, self.trace.outputs().len());
        let rows = points
            .len()
            .checked_div(n_in)
            .or(cotangents.len().checked_div(n_out))
            .unwrap_or(0);
        if rows * n_in != points.len() {
            return Err(ReverseError::WrongInputCount {
                expected: n_in,
                found: points.len(),
            });
        }
        if rows * n_out != cotangents.len() {
            return Err(ReverseError::WrongCotangentCount {
                expected: rows * n_out,
                found: cotangents.len(),
            });
        }
        let groups = rows.div_ceil(LANES);
        let results: Vec<(Vec<f64>, Vec<f64>, Stats)> = (0..groups)
            .into_par_iter()
            .map_init(ReverseWorkspace::new, |ws, g| {
                // Lane-major copies of the group's rows; the tail repeats the last row
                // with zero cotangents.
                let mut x = vec![0.0; n_in * LANES];
                let mut c = vec![0.0; n_out * LANES];
                for l in 0..LANES {
                    let row = (g * LANES + l).min(rows - 1);
                    let live = g * LANES + l < rows;
                    for k in 0..n_in {
                        x[k * LANES + l] = points[row * n_in + k];
                    }
                    for k in 0..n_out {
                        c[k * LANES + l] = if live {
                            cotangents[row * n_out + k]
                        } else {
                            0.0
                        };
                    }
                }
                let mut outs = vec![0.0; n_out * LANES];
                let mut adjs = Vec::with_capacity(n_in * LANES);
                let stats = self.sweep::<LANES>(ws, &x, &c, &mut outs, &mut adjs);
                (outs, adjs, stats)
            })
            .collect();
        let mut outputs = vec![0.0; rows * n_out];
        let mut adjoints = vec![0.0; rows * n_in];
        let mut stats = Stats::default();
        for (g, (outs, adjs, s)) in results.into_iter().enumerate() {
            stats = s;
            for l in 0..LANES.min(rows - g * LANES) {
                let row = g * LANES + l;
                for k in 0..n_out {
                    outputs[row * n_out + k] = outs[k * LANES + l];
                }
                for k in 0..n_in {
                    adjoints[row * n_in + k] = adjs[k * LANES + l];
                }
            }
        }
        Ok(BatchVjp {
            outputs,
            adjoints,
            stats,
        })
    }

    fn check_sizes(&self, inputs: usize, cotangents: usize) -> Result<(), ReverseError> {
        let (n_in, n_out) = (self.inputs, self.trace.outputs().len());
        if inputs != n_in {
            return Err(ReverseError::WrongInputCount {
                expected: n_in,
                found: inputs,
            });
        }
        if cotangents != n_out {
            return Err(ReverseError::WrongCotangentCount {
                expected: n_out,
                found: cotangents,
            });
        }
        Ok(())
    }

    /// One sweep over `W` lanes. `inputs`, `cotangents`, `outputs` and `adjoints` are
    /// lane-major (`[k * W + lane]`); `adjoints` is overwritten with every input's.
    fn sweep<const W: usize>(
        &self,
        ws: &mut ReverseWorkspace,
        inputs: &[f64],
        cotangents: &[f64],
        outputs: &mut [f64],
        adjoints: &mut Vec<f64>,
    ) -> Stats {
        let t = self.trace;
        // What the unchecked leaf and adjoint copies below rely on.
        assert!(inputs.len() == self.inputs * W);
        let l = self.plan.segment_count();
        let (n_work, n_adj) = (t.slot_count() as usize * W, t.adjoint_count() as usize * W);
        if ws.dirty {
            ws.adj.fill(0.0);
        }
        if ws.adj.len() < n_adj {
            ws.adj.resize(n_adj, 0.0);
        }
        ws.dirty = true;
        let adj = &mut ws.adj[..n_adj];
        // The working slots, then the checkpoints and tapes, in one buffer that does
        // not grow during the sweep (`reverse_stack`).
        let mut held = ObjectStack::new(
            ((n_work + n_adj) * std::mem::size_of::<f64>()) as u64,
            std::mem::take(&mut ws.stack),
            n_work,
            self.extent as usize * W,
        );
        let base = held.as_mut_ptr();
        // The working slots, as a slice made afresh for each use (`held` reaches the
        // objects above them through its own pointer; the backward sweep reads both
        // through `base`, while no mutable slice is alive).
        // SAFETY: the buffer's first `n_work` values are the working slots, no object
        // overlaps them, and the buffer neither moves nor shrinks while `held` lives.
        let work = || unsafe { std::slice::from_raw_parts_mut(base, n_work) };
        if cfg!(debug_assertions) {
            // Every slot is written before it is read; NaN shows any that is not.
            work().fill(f64::NAN);
        }
        for run in &self.leaves {
            let (len, from) = (run.len as usize, run.from as usize);
            // SAFETY: `lay_out` checked each run's slots against the slot count;
            // `base` holds `slot_count * W` working values. Input runs are within the
            // input count (the inputs are numbered in order), and the callers checked
            // `inputs` holds `input_count * W`.
            unsafe {
                let dst = base.add(run.slot as usize * W);
                if run.input {
                    std::ptr::copy_nonoverlapping(inputs.as_ptr().add(from * W), dst, len * W);
                } else {
                    for (n, &x) in self.constants[from..from + len].iter().enumerate() {
                        for l in 0..W {
                            *dst.add(n * W + l) = x;
                        }
                    }
                }
            }
        }
        let adjoint_slots = t.adjoint_slots();
        for (o, &v) in t.outputs().iter().enumerate() {
            let slot = adjoint_slots[v as usize];
            if slot != NO_SLOT {
                for lane in 0..W {
                    adj[slot as usize * W + lane] += cotangents[o * W + lane];
                }
            }
        }
        let mut stats = Stats {
            lanes: W,
            ..Stats::default()
        };
        let take_outputs = |work: &[f64], outputs: &mut [f64]| {
            for (o, &v) in t.outputs().iter().enumerate() {
                outputs[o * W..][..W]
                    .copy_from_slice(&work[t.slots()[v as usize] as usize * W..][..W]);
            }
        };
        if l == 0 {
            take_outputs(work(), outputs);
        }
        for &m in &self.moves {
            match m {
                Move::Store { slots } => {
                    let slots = &self.checkpoint_slots[range(slots)];
                    let work = work();
                    // SAFETY: the copies write all `slots.len() * W` values.
                    unsafe {
                        held.push_filled(slots.len() * W, 0, |dst| {
                            for (n, &s) in slots.iter().enumerate() {
                                let src = &work[s as usize * W..][..W];
                                std::ptr::copy_nonoverlapping(src.as_ptr(), dst.add(n * W), W);
                            }
                        })
                    };
                }
                Move::Restore { at, slots } => {
                    let src = held.get(at as usize);
                    let work = work();
                    for (n, &s) in self.checkpoint_slots[range(slots)].iter().enumerate() {
                        work[s as usize * W..][..W].copy_from_slice(&src[n * W..][..W]);
                    }
                }
                Move::Free => held.pop(),
                Move::Advance { code, counts } => {
                    stats.forward_ops += counts.fresh as u64;
                    stats.recomputed_ops += counts.again as u64;
                    let code = &self.forward[range(code)];
                    // SAFETY: slots checked in `new`; `work` has `slot_count * W` lanes.
                    unsafe { run_forward::<W, false>(code, work(), std::ptr::null_mut()) };
                    if counts.outputs {
                        take_outputs(work(), outputs);
                    }
                }
                Move::Record {
                    code,
                    counts,
                    segment,
                } => {
                    stats.forward_ops += counts.fresh as u64;
                    stats.recomputed_ops += counts.again as u64;
                    let carried = &self.carried[segment as usize];
                    let code = &self.forward[range(code)];
                    let work = work();
                    // SAFETY: slots checked in `new`; `work` has `slot_count * W` lanes;
                    // `new` checked that the tape holds the carried values at offsets
                    // `0..carried.len()`, then one value per kept instruction of the
                    // segment: the copies and the recording write every value, and
                    // the recording's spare stores stay within `TAPE_SPARE` places.
                    unsafe {
                        let len = self.tape_lengths[segment as usize] as usize * W;
                        held.push_filled(len, TAPE_SPARE * W, |tape| {
                            for &(s, o) in carried {
                                let src = &work[s as usize * W..][..W];
                                std::ptr::copy_nonoverlapping(
                                    src.as_ptr(),
                                    tape.add(o as usize * W),
                                    W,
                                );
                            }
                            run_forward::<W, true>(code, work, tape.add(carried.len() * W));
                        })
                    };
                    if counts.outputs {
                        take_outputs(work, outputs);
                    }
                }
                Move::Reverse { code, at, next } => {
                    let code = range(code);
                    stats.backward_ops += code.len() as u64;
                    let tape = held.get(held.len() - 1);
                    // The tape lies where `lay_out` placed it (its sources point there).
                    #[cfg(debug_assertions)]
                    assert_eq!(held.top() - tape.len(), n_work + at as usize * W);
                    #[cfg(not(debug_assertions))]
                    let _ = at;
                    // SAFETY: sources and adjoint slots checked in `new` against the
                    // slot counts and this segment's tape length (`tape` has
                    // `tape_lengths[j] * W` values), the lowered sources placed at the
                    // tape's position in the buffer at `base`, which holds the working
                    // slots and the stack (no mutable slice of it is alive here).
                    unsafe {
                        let work = std::slice::from_raw_parts(base, n_work);
                        run_backward::<W>(
                            &self.backward[code],
                            &self.general,
                            base,
                            tape,
                            work,
                            adj,
                        )
                    };
                    held.pop();
                    // Ask for the records of the next backward sweep now, so they
                    // arrive while the forward runs before it recompute and record
                    // its segment. A checkpointed plan sweeps its segments one by one
                    // between such runs, and each segment's records otherwise start
                    // cold (`revolve:20` on the RK4 chain of 20,000 steps spent twice
                    // store-all's time in the same backward instructions).
                    let (start, end) = next;
                    let from = start.max(end.saturating_sub(PREFETCH_RECORDS));
                    prefetch_lines(&self.backward[range((from, end))]);
                }
            }
        }
        // Gathered into an empty vector rather than copied into a zeroed one: zeroing
        // the MLP's 1,600 input adjoints first cost 9% of its gradient's machine
        // instructions (callgrind).
        adjoints.clear();
        adjoints.reserve(self.input_adjoints.len() * W);
        let dst = adjoints.spare_capacity_mut().as_mut_ptr().cast::<f64>();
        let clear_each = !self.clear_all;
        for (k, &slot) in self.input_adjoints.iter().enumerate() {
            // SAFETY: `lay_out` checked the adjoint slots against the adjoint count
            // (`adj` holds `adjoint_count * W`) and that they are distinct (so clearing
            // one loses no other's); `dst` has room for `W` values per input.
            unsafe {
                let src = adj.as_mut_ptr().add(slot as usize * W);
                std::ptr::copy_nonoverlapping(src, dst.add(k * W), W);
                if clear_each {
                    std::ptr::write_bytes(src, 0, W);
                }
            };
        }
        // SAFETY: the loop wrote the first `input_adjoints.len() * W` values.
        unsafe { adjoints.set_len(self.input_adjoints.len() * W) };
        if self.clear_all {
            adj.fill(0.0);
        } else {
            for &slot in &self.set_adjoints {
                // SAFETY: `lay_out` checked these against the adjoint count.
                unsafe { std::ptr::write_bytes(adj.as_mut_ptr().add(slot as usize * W), 0, W) };
            }
        }
        debug_assert!(adj.iter().all(|&a| a == 0.0), "a sweep left an adjoint set");
        stats.peak_bytes = held.peak();
        stats.reserved_bytes = held.reserved_peak();
        ws.stack = held.into_memory();
        ws.dirty = false;
        stats
    }
}

/// Checks every index the kernels use without bounds checks: forward slots, backward
/// sources (working slots or offsets into the step's segment tape) and adjoint slots.
fn check_code(
    trace: &Trace,
    boundaries: &[u32],
    tape_lengths: &[u32],
    forward_code: &[Forward],
    backward_code: &[Backward],
) -> Result<(), ReverseError> {
    let (slots, adjoints) = (trace.slot_count(), trace.adjoint_count());
    let bad = || malformed("an operand index out of range");
    for (j, w) in boundaries.windows(2).enumerate() {
        for k in w[0] as usize..w[1] as usize {
            let (f, code) = (&forward_code[k], &backward_code[k]);
            let arity = f.op.arity();
            let used = [f.a, f.b, f.c];
            let unary_powi = f.op == adgraph_ir::Op::PowI;
            if f.r >= slots
                || used[..arity]
                    .iter()
                    .enumerate()
                    .any(|(i, &x)| !(unary_powi && i == 1) && x >= slots)
            {
                return Err(bad());
            }
            for (i, &x) in code.src.iter().enumerate() {
                let bit = [1u8, 2, 8][i];
                if code.needs & bit == 0 {
                    continue;
                }
                let ok = if x & FROM_TAPE != 0 {
                    x & !FROM_TAPE < tape_lengths[j]
                } else {
                    x < slots
                };
                if !ok {
                    return Err(bad());
                }
            }
            if code.radj >= adjoints || code.adj.iter().any(|&a| a != NO_SLOT && a >= adjoints) {
                return Err(bad());
            }
        }
    }
    Ok(())
}

/// The adjoint slots a sweep leaves set: the outputs' are seeded, then, instruction by
/// instruction backward, each instruction's result adjoint is read and cleared and its
/// operands' are added to. (Passing an adjoint in a register instead, [`chain`],
/// leaves its slot untouched, clear as it was; the general forms tell the same story.)
/// Slots are the validated ones of `code`, so all below the adjoint count. Leaves out
/// the inputs' (`input[slot]`), which the sweep clears as it reads them.
fn set_adjoints(trace: &Trace, code: &[Backward], input: &[bool]) -> Vec<u32> {
    let mut set = vec![false; trace.adjoint_count() as usize];
    for &v in trace.outputs() {
        if let Some(s) = set.get_mut(trace.adjoint_slots()[v as usize] as usize) {
            *s = true;
        }
    }
    for b in code.iter().rev() {
        set[b.radj as usize] = false;
        for &a in &b.adj {
            if a != NO_SLOT {
                set[a as usize] = true;
            }
        }
    }
    (0..set.len() as u32)
        .filter(|&s| set[s as usize] && !input[s as usize])
        .collect()
}

/// The error for a plan laid out inconsistently with its trace.
pub(crate) fn malformed(reason: &str) -> ReverseError {
    ReverseError::Plan(adgraph_remat::RematError::MalformedTrace {
        reason: reason.into(),
    })
}

/// Times every plan of a Pareto frontier: the median of repeated one-point gradients
/// of output 0 at `point` (at least 5 runs and about 20 ms per plan), in nanoseconds,
/// recorded with [`Frontier::set_times`]. `progress(done, total)` is called after each
/// plan (for a progress bar).
///
/// ```
/// use adgraph_remat::{pareto, CostModel, Trace};
/// let w = adgraph_workloads::van_der_pol(10);
/// let t = Trace::from_function(&w.graph, &w.function)?;
/// let mut f = pareto(&t, &CostModel::default(), &w.name)?;
/// adgraph_exec::time_frontier(&t, &mut f, &w.point, |_, _| {})?;
/// assert!(f.points.iter().all(|p| p.time_ns.is_some()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn time_frontier(
    trace: &Trace,
    frontier: &mut Frontier,
    point: &[f64],
    mut progress: impl FnMut(usize, usize),
) -> Result<(), ReverseError> {
    let total = frontier.points.len();
    let mut times = Vec::with_capacity(total);
    for (i, p) in frontier.points.iter().enumerate() {
        let r = ReversePlan::new(trace, &p.plan)?;
        let mut ws = ReverseWorkspace::new();
        let mut runs = Vec::new();
        let start = Instant::now();
        while runs.len() < 5 || (start.elapsed().as_millis() < 20 && runs.len() < 10_000) {
            let t0 = Instant::now();
            std::hint::black_box(r.grad_with(&mut ws, point, 0)?);
            runs.push(t0.elapsed().as_nanos() as f64);
        }
        runs.sort_by(f64::total_cmp);
        times.push(runs[runs.len() / 2]);
        progress(i + 1, total);
    }
    frontier.set_times(&times);
    Ok(())
}

/// The gradient of output `output` of `f` at `point` under `strategy`, in one call:
/// builds the trace and the plan (default cost model), then sweeps.
///
/// ```
/// use adgraph_exec::gradient;
/// use adgraph_remat::Strategy;
/// let w = adgraph_workloads::seed();
/// let g = gradient(&w.graph, &w.function, &[3.0, 4.0], 0, Strategy::StoreAll)?;
/// assert_eq!(g.adjoints, vec![10.0, 3.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn gradient(
    g: &Graph,
    f: &Function,
    point: &[f64],
    output: usize,
    strategy: Strategy,
) -> Result<Vjp, ReverseError> {
    let trace = Trace::from_function(g, f)?;
    let plan = plan_checkpoints(&trace, strategy, &CostModel::default())?;
    ReversePlan::new(&trace, &plan)?.grad(point, output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reverse_code::BKind;
    use adgraph_remat::{plan_checkpoints, CostModel, Strategy};

    /// Random `.adg` text: `n` lets over three inputs, each an op over earlier names,
    /// with several outputs (so some values feed only some outputs), every op kind.
    fn random_source(seed: u64, n: usize) -> String {
        let mut state = seed;
        let mut next = |m: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % m
        };
        let mut text = String::from("input a, b, c\n");
        let mut names = vec!["a".to_string(), "b".into(), "c".into()];
        for i in 0..n {
            // Mostly the newest names, so single-use chains form as in real graphs.
            let pick = |next: &mut dyn FnMut(usize) -> usize| {
                let k = names.len();
                names[if next(3) == 0 {
                    next(k)
                } else {
                    k - 1 - next(k.min(3))
                }]
                .clone()
            };
            let (x, y, z) = (pick(&mut next), pick(&mut next), pick(&mut next));
            let e = match next(22) {
                0 => format!("{x} + {y}"),
                1 => format!("{x} - {y}"),
                2 => format!("{x} * {y}"),
                3 => format!("{x} / {y}"),
                4 => format!("{x} * {x}"),
                5 => format!("{x}^2"),
                6 => format!("{x}^3"),
                7 => format!("{x}^-1"),
                8 => format!("-{x}"),
                9 => format!("exp({x})"),
                10 => format!("tanh({x})"),
                11 => format!("sqrt({x})"),
                12 => format!("sigmoid({x})"),
                13 => format!("sin({x})"),
                14 => format!("log({x})"),
                15 => format!("select({x} < {y}, {y}, {z})"),
                16 => format!("max({x}, {y})"),
                17 => format!("pow({x}, {y})"),
                18 => format!("2 * {x}"),
                19 => format!("{x} - 1"),
                20 => format!("abs({x})"),
                _ => format!("{x} + {y} * {z}"),
            };
            text.push_str(&format!("let t{i} = {e}\n"));
            names.push(format!("t{i}"));
        }
        let k = names.len();
        text.push_str(&format!(
            "output f = {}\noutput g = {}\noutput h = {}\n",
            names[k - 1],
            names[k - 2],
            names[k / 2]
        ));
        text
    }

    /// The bits of each number, every NaN as one: IEEE 754 leaves a NaN result's sign
    /// and payload open, and the compiler may commute an addition of two NaNs.
    fn bits(xs: &[f64]) -> Vec<u64> {
        xs.iter()
            .map(|x| if x.is_nan() { u64::MAX } else { x.to_bits() })
            .collect()
    }

    /// Each backward sweep of a laid-out plan names the code of the next one (the
    /// records the sweep asks for ahead), and the last names none.
    #[test]
    fn each_backward_sweep_names_the_next() {
        let w = adgraph_workloads::van_der_pol(30);
        let t = Trace::from_function(&w.graph, &w.function).unwrap();
        for s in [
            Strategy::StoreAll,
            Strategy::Periodic(3),
            Strategy::Revolve(2),
            Strategy::Budget(2048),
        ] {
            let plan = plan_checkpoints(&t, s, &CostModel::default()).unwrap();
            let p = ReversePlan::new(&t, &plan).unwrap();
            let sweeps: Vec<((u32, u32), (u32, u32))> = p
                .moves
                .iter()
                .filter_map(|m| match *m {
                    Move::Reverse { code, next, .. } => Some((code, next)),
                    _ => None,
                })
                .collect();
            assert!(!sweeps.is_empty(), "{s:?}");
            for pair in sweeps.windows(2) {
                assert_eq!(pair[0].1, pair[1].0, "{s:?}");
            }
            assert_eq!(sweeps.last().unwrap().1, (0, 0), "{s:?}");
        }
    }

    /// Fused forward pairs and chained adjoints change no bit of any output, gradient
    /// or stat, under every kind of plan, at one point and in lane groups, on the
    /// workloads and on random graphs at ordinary and special values.
    #[test]
    fn fusing_and_chaining_change_no_bit() {
        let mut cases: Vec<(adgraph_ir::Graph, adgraph_ir::Function, Vec<Vec<f64>>)> = Vec::new();
        for w in adgraph_workloads::small() {
            cases.push((w.graph, w.function, vec![w.point]));
        }
        let w = adgraph_workloads::van_der_pol(30);
        cases.push((w.graph, w.function, vec![w.point]));
        let special = [
            vec![0.3, 1.7, -0.6],
            vec![0.0, -0.0, 1.0],
            vec![f64::NAN, 2.0, 0.5],
            vec![f64::INFINITY, 1.0, -2.0],
            vec![-1.5, 0.0, f64::NEG_INFINITY],
        ];
        for seed in 0..40 {
            let (g, f) = adgraph_ir::parse(&random_source(seed, 60)).unwrap();
            cases.push((g, f, special.to_vec()));
        }
        let (mut chained, mut fused, mut paired) = (0, 0, 0);
        for (g, f, points) in &cases {
            let t = Trace::from_function(g, f).unwrap();
            let strategies = [
                Strategy::StoreAll,
                Strategy::RecomputeAll,
                Strategy::Periodic(2),
                Strategy::Periodic(5),
                Strategy::Revolve(2),
                Strategy::Budget(2048),
            ];
            for s in strategies {
                let Ok(plan) = plan_checkpoints(&t, s, &CostModel::default()) else {
                    continue; // a budget too small for this graph
                };
                let fast = ReversePlan::lay_out(&t, &plan, true).unwrap();
                let slow = ReversePlan::lay_out(&t, &plan, false).unwrap();
                fused += slow.forward.len() - fast.forward.len();
                chained += fast
                    .backward
                    .iter()
                    .zip(&slow.backward)
                    .filter(|(a, b)| a.kind() != b.kind())
                    .count();
                paired += fast
                    .backward
                    .iter()
                    .filter(|b| BKind::FUSED.iter().any(|f| f.0 == b.kind()))
                    .count();
                let n_out = t.outputs().len();
                for x in points {
                    for o in 0..n_out {
                        let (a, b) = (fast.grad(x, o).unwrap(), slow.grad(x, o).unwrap());
                        // The stack reached exactly as far as the layout said (the
                        // buffer is made that large up front, tapes placed by it).
                        let laid_out = (fast.extent - t.slot_count()) as u64 * 8;
                        assert_eq!(a.stats.reserved_bytes, laid_out, "{s:?}");
                        assert_eq!(bits(&a.adjoints), bits(&b.adjoints), "{s:?} output {o}");
                        assert_eq!(bits(&a.outputs), bits(&b.outputs));
                        // (Reserved bytes depend on what the thread's workspace held.)
                        let counts = |s: Stats| Stats {
                            reserved_bytes: 0,
                            ..s
                        };
                        assert_eq!(counts(a.stats), counts(b.stats));
                    }
                }
                let batch: Vec<f64> = (0..LANES + 3)
                    .flat_map(|k| {
                        points[k % points.len()]
                            .iter()
                            .map(move |v| v * (1.0 + k as f64 / 7.0))
                    })
                    .collect();
                let rows = batch.len() / t.input_count();
                let cot: Vec<f64> = (0..rows * n_out).map(|k| [1.0, 0.0, -0.5][k % 3]).collect();
                let (a, b) = (
                    fast.vjp_batch(&batch, &cot).unwrap(),
                    slow.vjp_batch(&batch, &cot).unwrap(),
                );
                assert_eq!(bits(&a.adjoints), bits(&b.adjoints), "{s:?} batch");
                assert_eq!(bits(&a.outputs), bits(&b.outputs));
            }
        }
        // Enough of each happened for a wrong carry or pair to show.
        assert!(
            chained > 1000 && fused > 1000 && paired > 1000,
            "{chained} chained, {fused} fused, {paired} paired"
        );
    }
}
