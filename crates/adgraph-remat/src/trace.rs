//! `Trace`: the abstract program that plans are made for, and its liveness facts.
//!
//! A plan needs to know, for each instruction, what it reads, what it costs, and which
//! primal values its backward step needs; nothing about how the interpreter stores
//! values. So `adgraph-remat` plans over this small description, built from a
//! `Function` (or from any compiled program that can list its instructions), and the
//! interpreter in `adgraph-exec` carries the plan out over the same trace.
//!
//! Values are numbered densely: the inputs first (in input order), then the pooled
//! constants, then one value per instruction in instruction (topological) order. The
//! trace also assigns working slots (forward liveness) and adjoint slots (reverse
//! liveness), so both the interpreter and the planner agree on every byte.

use crate::RematError;
use adgraph_ir::{Function, Graph, NodeId, Op};

/// Bytes of one value at one point: an `f64`.
pub const VALUE_BYTES: u64 = 8;

/// A marker for "no slot" (constants have no adjoint; unused operand positions).
pub const NO_SLOT: u32 = u32::MAX;

/// Backward needs operand 0 (bit 0), operand 1 (bit 1), operand 2 (bit 2), the result (bit 3).
pub const NEEDS_RESULT: u8 = 8;

/// One instruction of a trace: `op` over value indices, with its slots.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// The operator (never a leaf).
    pub op: Op,
    /// The integer exponent of `PowI` (0 otherwise).
    pub exponent: i32,
    /// Operand value indices (the first `op.arity()` are meaningful, the rest 0).
    pub args: [u32; 3],
    /// Which primal values the backward step reads: bit `i` for operand `i`,
    /// [`NEEDS_RESULT`] for the result: what [`operand_needs`] names for the operands
    /// that take an adjoint (a subset of [`backward_needs`]).
    pub needs: u8,
    /// Working slot of each operand (forward liveness).
    pub arg_slots: [u32; 3],
    /// Working slot the result is written to.
    pub result_slot: u32,
    /// Adjoint slot of each operand ([`NO_SLOT`] for constants).
    pub arg_adjoints: [u32; 3],
    /// Adjoint slot of the result.
    pub result_adjoint: u32,
}

/// The primal values the backward rule of `op` reads, as a bit set (bit `i` for
/// operand `i`, [`NEEDS_RESULT`] for the result): the union of [`operand_needs`] over
/// its operands. It mirrors [`adgraph_ir::derivative`]: passing anything at all for
/// the values not named here leaves every contribution unchanged (a unit test checks
/// this per op).
pub fn backward_needs(op: Op, exponent: i32) -> u8 {
    (0..op.arity()).fold(0, |n, i| n | operand_needs(op, exponent, i))
}

/// The primal values the contribution to operand `i` of `op` reads (bits as in
/// [`backward_needs`]; 0 where that contribution is structurally zero). A step keeps
/// only what the contributions to its operands that take an adjoint read: `c * x`
/// with `c` a constant needs `c`, not `x`, so `x` stays off the tape.
pub fn operand_needs(op: Op, exponent: i32, i: usize) -> u8 {
    use Op::*;
    match op {
        Input | Const | Neg | Add | Sub | Lt | Le | Gt | Ge | Eq | Ne => 0,
        Exp | Sqrt | Tan | Tanh | Sigmoid => NEEDS_RESULT,
        Log | Sin | Cos | Abs => 1,
        // The condition takes no adjoint; either branch's contribution reads it.
        Select => {
            if i == 0 {
                0
            } else {
                1
            }
        }
        PowI => {
            if exponent == 0 || exponent == 1 {
                0
            } else {
                1
            }
        }
        // `s * y` for `x`, `s * x` for `y`.
        Mul => {
            if i == 0 {
                2
            } else {
                1
            }
        }
        Min | Max | Atan2 => 3,
        // `s / y` for `x`, `-((s * r) / y)` for `y`.
        Div => {
            if i == 0 {
                2
            } else {
                2 | NEEDS_RESULT
            }
        }
        // `s * (y * x ^ (y - 1))` for `x`; `r * ln x` (`0` where `x` is 0) for `y`.
        Pow => {
            if i == 0 {
                3
            } else {
                1 | NEEDS_RESULT
            }
        }
    }
}

/// Where a value comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source {
    /// Input number `k` (position in the function's input order).
    Input(u32),
    /// A pooled constant.
    Constant(f64),
    /// The result of instruction `j`.
    Step(u32),
}

/// A program as the planner sees it: instructions over dense value indices, with
/// forward and reverse liveness worked out.
///
/// ```
/// use adgraph_ir::parse;
/// use adgraph_remat::Trace;
/// let (g, f) = parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let t = Trace::from_function(&g, &f)?;
/// assert_eq!(t.steps().len(), 4);
/// assert_eq!(t.input_count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Trace {
    /// Per value, where it comes from. Inputs, then constants, then one per step.
    sources: Vec<Source>,
    /// The instructions, in execution order.
    steps: Vec<Step>,
    /// Input names in input order.
    input_names: Vec<String>,
    /// Output value indices, in output order.
    outputs: Vec<u32>,
    /// Output names, in output order.
    output_names: Vec<String>,
    /// Index of the first step value (inputs + constants).
    first_step_value: u32,
    /// Per value: the last step that reads it, or `steps.len()` if an output (or an
    /// input or constant, which live throughout).
    last_use: Vec<u32>,
    /// Per value: its working slot.
    slots: Vec<u32>,
    /// Number of working slots.
    slot_count: u32,
    /// Per value: its adjoint slot ([`NO_SLOT`] for constants).
    adjoints: Vec<u32>,
    /// Number of adjoint slots.
    adjoint_count: u32,
}

impl Trace {
    /// The trace of `f`: the nodes its outputs reach, in a topological order: id order
    /// or depth-first order ([`Function::depth_first_ops`], each operand computed just
    /// before its first user) when that needs at most half the working and adjoint
    /// slots of id order for step values (the memory every sweep zeroes and streams
    /// through; inputs and constants hold theirs either way).
    pub fn from_function(g: &Graph, f: &Function) -> Result<Trace, RematError> {
        for id in f.output_ids().chain(f.inputs().iter().copied()) {
            if !g.contains(id) {
                return Err(RematError::UnknownNode { id });
            }
        }
        let mask = f.reachable(g);
        let nodes: Vec<NodeId> = mask
            .iter()
            .enumerate()
            .filter(|(_, &m)| m)
            .map(|(i, _)| NodeId::new(i as u32))
            .collect();
        let ops: Vec<NodeId> = nodes
            .iter()
            .copied()
            .filter(|&id| !matches!(g.node(id).op(), Op::Input | Op::Const))
            .collect();
        let by_id = Trace::in_order(g, f, &nodes, &ops)?;
        let depth_first = f.depth_first_ops(g, &mask);
        if depth_first == ops {
            return Ok(by_id);
        }
        let other = Trace::in_order(g, f, &nodes, &depth_first)?;
        // Slots beyond the fixed ones of inputs and constants (and inputs' adjoints).
        let size = |t: &Trace| {
            (t.slot_count - t.first_step_value) as u64
                + (t.adjoint_count as u64).saturating_sub(t.input_count() as u64)
        };
        // Depth-first only when it at least halves the slots: id order keeps a
        // time-stepping chain's steps whole and alike, which is what segments and
        // binomial schedules want; depth-first wins big where id order computes many
        // terms long before a sum consumes them.
        Ok(if 2 * size(&other) <= size(&by_id) {
            other
        } else {
            by_id
        })
    }

    /// The trace of `f` with its operation nodes in `order` (topological).
    fn in_order(
        g: &Graph,
        f: &Function,
        nodes: &[NodeId],
        order: &[NodeId],
    ) -> Result<Trace, RematError> {
        let top = nodes.last().map_or(0, |id| id.index() + 1);
        let mut value_of = vec![NO_SLOT; top];
        let mut sources = Vec::with_capacity(nodes.len());
        for (k, &id) in f.inputs().iter().enumerate() {
            value_of[id.index()] = sources.len() as u32;
            sources.push(Source::Input(k as u32));
        }
        for &id in nodes {
            if let Some(x) = g.node(id).constant_value() {
                value_of[id.index()] = sources.len() as u32;
                sources.push(Source::Constant(x));
            }
        }
        let mut steps = Vec::with_capacity(order.len());
        for &id in order {
            let node = g.node(id);
            let mut args = [0u32; 3];
            for (a, &arg) in args.iter_mut().zip(node.args()) {
                *a = value_of[arg.index()];
            }
            value_of[id.index()] = sources.len() as u32;
            sources.push(Source::Step(steps.len() as u32));
            steps.push((node.op(), node.exponent(), args));
        }
        let outputs = f.output_ids().map(|id| value_of[id.index()]).collect();
        let input_names = f.input_names(g).iter().map(|s| s.to_string()).collect();
        let output_names = f.outputs().iter().map(|o| o.name.clone()).collect();
        Trace::new(sources, steps, input_names, outputs, output_names)
    }

    /// A trace from its parts: `sources` (inputs first, then constants, then one
    /// `Source::Step(j)` per step in order), each step's `(op, exponent, operand value
    /// indices)`, and the outputs. Checks that operands precede their users.
    pub fn new(
        sources: Vec<Source>,
        steps: Vec<(Op, i32, [u32; 3])>,
        input_names: Vec<String>,
        outputs: Vec<u32>,
        output_names: Vec<String>,
    ) -> Result<Trace, RematError> {
        let n = steps.len() as u32;
        let first = sources
            .iter()
            .position(|s| matches!(s, Source::Step(_)))
            .unwrap_or(sources.len()) as u32;
        let well_formed = sources.len() as u32 == first + n
            && sources[first as usize..]
                .iter()
                .enumerate()
                .all(|(j, s)| *s == Source::Step(j as u32))
            && sources[..first as usize]
                .iter()
                .all(|s| !matches!(s, Source::Step(_)))
            && outputs.len() == output_names.len()
            && outputs.iter().all(|&v| (v as usize) < sources.len());
        if !well_formed {
            return Err(RematError::MalformedTrace {
                reason: "values must be inputs, then constants, then one per step".into(),
            });
        }
        for (j, (op, _, args)) in steps.iter().enumerate() {
            if matches!(op, Op::Input | Op::Const)
                || args[..op.arity()].iter().any(|&a| a >= first + j as u32)
            {
                return Err(RematError::MalformedTrace {
                    reason: format!("step {j} reads a value not yet computed, or is a leaf"),
                });
            }
        }
        let mut last_use = vec![0u32; sources.len()];
        for (v, s) in sources.iter().enumerate() {
            if !matches!(s, Source::Step(_)) {
                last_use[v] = n;
            }
        }
        for (j, (op, _, args)) in steps.iter().enumerate() {
            for &a in &args[..op.arity()] {
                last_use[a as usize] = last_use[a as usize].max(j as u32);
            }
        }
        for &v in &outputs {
            last_use[v as usize] = n;
        }
        let (slots, slot_count) = assign_working_slots(&steps, first, &last_use);
        let (adjoints, adjoint_count) = assign_adjoint_slots(&sources, &steps, first, &outputs);
        let steps = steps
            .into_iter()
            .enumerate()
            .map(|(j, (op, exponent, args))| {
                let mut arg_slots = [0u32; 3];
                let mut arg_adjoints = [NO_SLOT; 3];
                let mut needs = 0;
                for i in 0..op.arity() {
                    arg_slots[i] = slots[args[i] as usize];
                    arg_adjoints[i] = adjoints[args[i] as usize];
                    if arg_adjoints[i] != NO_SLOT {
                        needs |= operand_needs(op, exponent, i);
                    }
                }
                let r = first as usize + j;
                Step {
                    op,
                    exponent,
                    args,
                    needs,
                    arg_slots,
                    result_slot: slots[r],
                    arg_adjoints,
                    result_adjoint: adjoints[r],
                }
            })
            .collect();
        Ok(Trace {
            sources,
            steps,
            input_names,
            outputs,
            output_names,
            first_step_value: first,
            last_use,
            slots,
            slot_count,
            adjoints,
            adjoint_count,
        })
    }

    /// The instructions in execution order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Where each value comes from.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Number of inputs.
    pub fn input_count(&self) -> usize {
        self.first_constant() as usize
    }

    /// Input names in input order.
    pub fn input_names(&self) -> &[String] {
        &self.input_names
    }

    /// Output value indices in output order.
    pub fn outputs(&self) -> &[u32] {
        &self.outputs
    }

    /// Output names in output order.
    pub fn output_names(&self) -> &[String] {
        &self.output_names
    }

    /// Index of the first constant value (= the number of inputs).
    fn first_constant(&self) -> u32 {
        self.sources
            .iter()
            .position(|s| !matches!(s, Source::Input(_)))
            .unwrap_or(self.sources.len()) as u32
    }

    /// Index of the value computed by step 0 (inputs and constants come before).
    pub fn first_step_value(&self) -> u32 {
        self.first_step_value
    }

    /// Whether value `v` is computed by a step (not an input or a constant).
    #[inline]
    pub fn is_step_value(&self, v: u32) -> bool {
        v >= self.first_step_value
    }

    /// The last step reading value `v` (`steps().len()` for outputs, inputs, constants).
    pub fn last_use(&self, v: u32) -> u32 {
        self.last_use[v as usize]
    }

    /// Working slot of each value.
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// Number of working slots (the largest live set, plus inputs and constants).
    pub fn slot_count(&self) -> u32 {
        self.slot_count
    }

    /// Adjoint slot of each value ([`NO_SLOT`] for constants).
    pub fn adjoint_slots(&self) -> &[u32] {
        &self.adjoints
    }

    /// Number of adjoint slots (the largest set of live adjoints).
    pub fn adjoint_count(&self) -> u32 {
        self.adjoint_count
    }

    /// A printable name: the input's name, `c<k>` for constants, `%j` for step `j`.
    pub fn value_name(&self, v: u32) -> String {
        match self.sources.get(v as usize) {
            Some(Source::Input(k)) => self.input_names[*k as usize].clone(),
            Some(Source::Constant(x)) => adgraph_ir::format_number(*x),
            Some(Source::Step(j)) => format!("%{j}"),
            None => format!("?{v}"),
        }
    }

    /// Width of every boundary in values: entry `b` (for `b` in `0..=steps().len()`)
    /// counts the step values computed before step `b` and read at or after it (or
    /// output). Inputs and constants are always held and never counted.
    pub fn widths(&self) -> Vec<u32> {
        let n = self.steps.len();
        let mut diff = vec![0i64; n + 2];
        for j in 0..n {
            let v = self.first_step_value as usize + j;
            let u = self.last_use[v] as usize;
            if u > j {
                diff[j + 1] += 1;
                diff[u + 1] -= 1;
            }
        }
        let mut acc = 0i64;
        (0..=n)
            .map(|b| {
                acc += diff[b];
                acc as u32
            })
            .collect()
    }

    /// The step values live across boundary `b`, ascending.
    pub fn live_across(&self, b: u32) -> Vec<u32> {
        let f = self.first_step_value;
        (0..b.min(self.steps.len() as u32))
            .map(|j| f + j)
            .filter(|&v| self.last_use[v as usize] >= b)
            .collect()
    }
}

/// Forward liveness: inputs and constants get permanent slots; a step value holds its
/// slot from its step to its last use. A step may write its result into the slot of an
/// operand read for the last time by that step.
fn assign_working_slots(
    steps: &[(Op, i32, [u32; 3])],
    first: u32,
    last_use: &[u32],
) -> (Vec<u32>, u32) {
    let mut slots = vec![0u32; last_use.len()];
    for (v, s) in slots.iter_mut().enumerate().take(first as usize) {
        *s = v as u32;
    }
    let mut count = first;
    let mut free: Vec<u32> = Vec::new();
    for (j, (op, _, args)) in steps.iter().enumerate() {
        for (i, &a) in args[..op.arity()].iter().enumerate() {
            if a >= first && last_use[a as usize] == j as u32 && !args[..i].contains(&a) {
                free.push(slots[a as usize]);
            }
        }
        let r = first as usize + j;
        slots[r] = free.pop().unwrap_or_else(|| {
            count += 1;
            count - 1
        });
        if last_use[r] == j as u32 {
            // Read by nothing later (cannot happen for reachable nodes); release.
            free.push(slots[r]);
        }
    }
    (slots, count)
}

/// Reverse liveness: walking steps last to first, an operand's adjoint is allocated at
/// its last use (its first contribution) and the result's adjoint is released once its
/// step has been swept. Outputs are allocated first; inputs never released.
fn assign_adjoint_slots(
    sources: &[Source],
    steps: &[(Op, i32, [u32; 3])],
    first: u32,
    outputs: &[u32],
) -> (Vec<u32>, u32) {
    let mut adj = vec![NO_SLOT; sources.len()];
    let mut count = 0u32;
    let mut free: Vec<u32> = Vec::new();
    let mut take = |free: &mut Vec<u32>| {
        free.pop().unwrap_or_else(|| {
            count += 1;
            count - 1
        })
    };
    let is_constant = |v: u32| matches!(sources[v as usize], Source::Constant(_));
    for &v in outputs {
        if !is_constant(v) && adj[v as usize] == NO_SLOT {
            adj[v as usize] = take(&mut free);
        }
    }
    for (j, (op, _, args)) in steps.iter().enumerate().rev() {
        let r = (first as usize) + j;
        if adj[r] == NO_SLOT {
            adj[r] = take(&mut free);
        }
        for &a in &args[..op.arity()] {
            if !is_constant(a) && adj[a as usize] == NO_SLOT {
                adj[a as usize] = take(&mut free);
            }
        }
        free.push(adj[r]);
    }
    for (v, s) in sources.iter().enumerate() {
        if matches!(s, Source::Input(_)) && adj[v] == NO_SLOT {
            adj[v] = take(&mut free);
        }
    }
    (adj, count)
}
