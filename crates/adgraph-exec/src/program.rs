//! `Program`: a function compiled to a flat list of instructions over reusable slots.
//!
//! Compiling is where evaluation gets cheap: the nodes the outputs reach are laid out
//! once, in a topological order, as instructions whose operands are plain indices;
//! constants are pooled; and each intermediate value gets a slot that is handed back
//! when the value's last user has run, so a program needs as many slots as its largest
//! live set, not as many as it has nodes. The interpreters (forward here, reverse in
//! `reverse.rs`) run over this layout without touching the graph again.
//!
//! # The SSA view
//!
//! A program also keeps the static single assignment reading of the same code, for
//! the reverse interpreter and any other consumer: every value has a [`ValueId`].
//! Values `0 .. input_count` are the inputs (in the function's input order), the next
//! `constant_count` are the pooled constants ([`Program::constants`]), and instruction
//! `j` of [`Program::instructions`] defines value `input_count + constant_count + j`
//! ([`Program::defined_value`]). Each [`Instruction`] gives its op, its `PowI`
//! exponent, its operand values and the graph node it came from. The forward
//! interpreter's slot assignment is [`Program::slot`]: two values share a slot only if
//! their lifetimes do not overlap.

use crate::code::{fusion, lower, Code};
use crate::ExecError;
use adgraph_ir::{Function, Graph, NodeId, Op};
use std::fmt;

/// The index of a value of a [`Program`] in its SSA view (see the module docs):
/// inputs first, then constants, then one value per instruction. Prints as `%12`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct ValueId(u32);

impl ValueId {
    /// The value at `index`.
    #[inline]
    pub const fn new(index: u32) -> ValueId {
        ValueId(index)
    }

    /// The index as a `usize`, for side tables.
    #[inline]
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// The raw `u32`.
    #[inline]
    pub const fn as_u32(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ValueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.0)
    }
}

impl fmt::Debug for ValueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}", self.0)
    }
}

/// One instruction of the SSA view: `op` applied to earlier values, defining one value.
///
/// Flat and `Copy` (24 bytes): a program's instructions are one `Vec`, no boxing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// The operator (never `Input` or `Const`).
    op: Op,
    /// The exponent of `PowI`; 0 for every other op.
    exponent: i32,
    /// Operand values; the first `op.arity()` are meaningful, the rest are 0.
    args: [ValueId; 3],
    /// The graph node this instruction computes.
    node: NodeId,
}

impl Instruction {
    /// The operator.
    #[inline]
    pub fn op(&self) -> Op {
        self.op
    }

    /// The integer exponent of a `PowI` instruction (0 for other ops).
    #[inline]
    pub fn exponent(&self) -> i32 {
        self.exponent
    }

    /// The operand values, `op().arity()` of them, each defined before this
    /// instruction.
    #[inline]
    pub fn args(&self) -> &[ValueId] {
        &self.args[..self.op.arity()]
    }

    /// The graph node this instruction computes.
    #[inline]
    pub fn node(&self) -> NodeId {
        self.node
    }
}

/// What a value of a program is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueKind {
    /// Input number `k` of the function (in input order).
    Input(usize),
    /// A pooled constant with this value.
    Constant(f64),
    /// The result of instruction number `j`.
    Instruction(usize),
}

/// A function compiled for evaluation: instructions in a topological order over
/// slots reused by liveness, constants pooled. The order is id order, or a
/// depth-first order where that needs fewer slots (operands always come before
/// their users either way). See the module documentation for the SSA
/// view that the reverse interpreter uses.
///
/// A `Program` owns everything it needs (it does not borrow the graph), is immutable
/// once compiled, and is `Send + Sync`: share it between threads freely.
///
/// ```
/// use adgraph_exec::Program;
/// let (g, f) = adgraph_ir::parse("input x, y\noutput z = x*x + x*y + 2")?;
/// let p = Program::compile(&g, &f)?;
/// assert_eq!(p.eval(&[3.0, 4.0])?, vec![23.0]);
/// assert_eq!(p.instruction_count(), 4); // x*x, x*y, +, + 2
/// // Two inputs, one constant, three temporaries (a result never takes an operand's slot).
/// assert_eq!(p.slot_count(), 6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Program {
    /// Names of the inputs, in input order.
    input_names: Vec<String>,
    /// Names of the outputs, in output order.
    output_names: Vec<String>,
    /// The constant pool; constant `j` is value `input_count + j` and lives in slot
    /// `input_count + j`.
    constants: Vec<f64>,
    /// The SSA instructions in a topological order; instruction `j` defines value
    /// `input_count + constants.len() + j`.
    instructions: Vec<Instruction>,
    /// The graph node of every value.
    value_nodes: Vec<NodeId>,
    /// The slot of every value. Inputs and constants have fixed slots (value index =
    /// slot); an instruction's slot differs from its operands' slots and from the slot
    /// of every value live across it.
    value_slots: Vec<u32>,
    /// The output values, in output order.
    outputs: Vec<ValueId>,
    /// The forward interpreter's instruction stream: one [`Code`] per instruction,
    /// operands and result as slots (every index below `slot_count`).
    pub(crate) code: Vec<Code>,
    /// The value-only stream: `code` with pairs fused (an add, subtract, multiply or
    /// square whose only user is the next instruction, fused with that user when it
    /// is one of those too), so one dispatch does the work of two. Same bits.
    pub(crate) fused: Vec<Code>,
    /// Slots the forward interpreter needs: inputs, constants and the largest set of
    /// intermediate values live at once.
    slot_count: usize,
}

impl Program {
    /// Compiles the outputs of `f` (a function of `g`): the nodes they reach, in a
    /// topological order (id order, or depth-first if that needs fewer slots), as
    /// instructions over slots reused by liveness. Fails if the function
    /// does not fit the graph.
    pub fn compile(g: &Graph, f: &Function) -> Result<Program, ExecError> {
        for id in f.output_ids().chain(f.inputs().iter().copied()) {
            if !g.contains(id) {
                return Err(ExecError::UnknownNode { id });
            }
        }
        const NONE: u32 = u32::MAX;
        let mask = f.reachable(g);
        let mut value_of = vec![NONE; mask.len()];
        let input_count = f.inputs().len();
        let mut value_nodes = Vec::with_capacity(input_count);
        for (k, &id) in f.inputs().iter().enumerate() {
            if g.node(id).op() != Op::Input || value_of[id.index()] != NONE {
                return Err(ExecError::NotAnInput { id });
            }
            value_of[id.index()] = k as u32;
            value_nodes.push(id);
        }
        let mut constants = Vec::new();
        let mut ops = Vec::new();
        for (i, _) in mask.iter().enumerate().filter(|(_, &m)| m) {
            let id = NodeId::new(i as u32);
            let node = g.node(id);
            match node.op() {
                Op::Input if value_of[i] == NONE => {
                    return Err(ExecError::UndeclaredInput { id });
                }
                Op::Input => {}
                Op::Const => {
                    value_of[i] = (input_count + constants.len()) as u32;
                    constants.push(node.constant_value().unwrap_or(f64::NAN));
                    value_nodes.push(id);
                }
                _ => ops.push(id),
            }
        }
        let leaf_count = input_count + constants.len();
        if leaf_count + ops.len() >= NONE as usize {
            return Err(ExecError::TooLarge {
                what: "the program",
            });
        }
        // Two topological orders: id order, and a depth-first order that computes each
        // operand just before its first user; keep whichever needs fewer slots.
        let mut best: Option<Layout> = None;
        for order in [ops.clone(), depth_first(g, f, &mask)] {
            let mut instructions = Vec::with_capacity(order.len());
            for (j, &id) in order.iter().enumerate() {
                let node = g.node(id);
                let mut args = [ValueId(0); 3];
                for (a, &arg) in args.iter_mut().zip(node.args()) {
                    *a = ValueId(value_of[arg.index()]);
                }
                value_of[id.index()] = (leaf_count + j) as u32;
                instructions.push(Instruction {
                    op: node.op(),
                    exponent: node.exponent(),
                    args,
                    node: id,
                });
            }
            let outputs: Vec<ValueId> = f
                .output_ids()
                .map(|id| ValueId(value_of[id.index()]))
                .collect();
            let (slots, count) = assign_slots(leaf_count, &instructions, &outputs);
            if best.as_ref().is_none_or(|b| count < b.slot_count) {
                best = Some(Layout {
                    instructions,
                    outputs,
                    value_slots: slots,
                    slot_count: count,
                });
            }
        }
        let Some(Layout {
            instructions,
            outputs,
            value_slots,
            slot_count,
        }) = best
        else {
            return Err(ExecError::TooLarge {
                what: "the program",
            });
        };
        value_nodes.extend(instructions.iter().map(|ins| ins.node));
        let code = instructions
            .iter()
            .enumerate()
            .map(|(j, ins)| {
                let slot = |v: ValueId| value_slots[v.index()];
                let mut s = [0u32; 3];
                for (s, &a) in s.iter_mut().zip(ins.args()) {
                    *s = slot(a);
                }
                lower(ins.op, ins.exponent, s, value_slots[leaf_count + j])
            })
            .collect::<Vec<Code>>();
        let fused = fuse(&instructions, &code, leaf_count, &outputs);
        Ok(Program {
            input_names: f.input_names(g).into_iter().map(String::from).collect(),
            output_names: f.outputs().iter().map(|o| o.name.clone()).collect(),
            constants,
            instructions,
            value_nodes,
            value_slots,
            outputs,
            code,
            fused,
            slot_count,
        })
    }

    /// Number of inputs (values per point).
    #[inline]
    pub fn input_count(&self) -> usize {
        self.input_names.len()
    }

    /// Number of outputs.
    #[inline]
    pub fn output_count(&self) -> usize {
        self.outputs.len()
    }

    /// Input names in input order.
    pub fn input_names(&self) -> &[String] {
        &self.input_names
    }

    /// Output names in output order.
    pub fn output_names(&self) -> &[String] {
        &self.output_names
    }

    /// Number of instructions (operation nodes the outputs reach).
    #[inline]
    pub fn instruction_count(&self) -> usize {
        self.instructions.len()
    }

    /// Number of pooled constants.
    #[inline]
    pub fn constant_count(&self) -> usize {
        self.constants.len()
    }

    /// Number of slots one evaluation uses: inputs, constants, and the largest number
    /// of intermediate values live at once. Evaluation memory is `8 * slot_count()`
    /// bytes per point (and per tangent direction).
    #[inline]
    pub fn slot_count(&self) -> usize {
        self.slot_count
    }

    /// Slots for intermediate values only: `slot_count() - input_count() -
    /// constant_count()`.
    #[inline]
    pub fn working_slot_count(&self) -> usize {
        self.slot_count - self.leaf_count()
    }

    /// Number of values in the SSA view: inputs, constants and instructions (the
    /// number of graph nodes the program covers).
    #[inline]
    pub fn value_count(&self) -> usize {
        self.value_nodes.len()
    }

    /// Inputs plus constants: the first value an instruction defines.
    #[inline]
    pub(crate) fn leaf_count(&self) -> usize {
        self.input_count() + self.constants.len()
    }

    /// The constant pool; constant `j` is value `input_count() + j`.
    pub fn constants(&self) -> &[f64] {
        &self.constants
    }

    /// The instructions of the SSA view, in topological order.
    pub fn instructions(&self) -> &[Instruction] {
        &self.instructions
    }

    /// The output values, in output order (an output may be an input or a constant).
    pub fn outputs(&self) -> &[ValueId] {
        &self.outputs
    }

    /// The value instruction `j` defines (`input_count() + constant_count() + j`).
    #[inline]
    pub fn defined_value(&self, j: usize) -> ValueId {
        ValueId((self.leaf_count() + j) as u32)
    }

    /// What value `v` is, or `None` if the program has no such value.
    pub fn value_kind(&self, v: ValueId) -> Option<ValueKind> {
        let i = v.index();
        let ni = self.input_count();
        if i < ni {
            Some(ValueKind::Input(i))
        } else if i < self.leaf_count() {
            Some(ValueKind::Constant(self.constants[i - ni]))
        } else if i < self.value_count() {
            Some(ValueKind::Instruction(i - self.leaf_count()))
        } else {
            None
        }
    }

    /// The graph node value `v` stands for.
    pub fn value_node(&self, v: ValueId) -> Option<NodeId> {
        self.value_nodes.get(v.index()).copied()
    }

    /// The slot of value `v`, which exists.
    #[inline]
    pub(crate) fn slot_of(&self, v: ValueId) -> usize {
        self.value_slots[v.index()] as usize
    }

    /// The slot the forward interpreter keeps value `v` in.
    pub fn slot(&self, v: ValueId) -> Option<u32> {
        self.value_slots.get(v.index()).copied()
    }
}

/// Fuses pairs of consecutive instructions for the value stream: instruction `j`
/// joins `j + 1` when its value is read exactly once, by `j + 1`, is not an output,
/// and [`fusion`] has an opcode for the pair. The fused code reads the inner operands,
/// then the outer's other operand (still in its slot: it is live across `j`), and
/// writes only the outer result.
fn fuse(
    instructions: &[Instruction],
    code: &[Code],
    leaf: usize,
    outputs: &[ValueId],
) -> Vec<Code> {
    let mut uses = vec![0u32; leaf + instructions.len()];
    for ins in instructions {
        for a in ins.args() {
            uses[a.index()] = uses[a.index()].saturating_add(1);
        }
    }
    for o in outputs {
        uses[o.index()] = u32::MAX;
    }
    let mut out = Vec::with_capacity(code.len());
    let mut j = 0;
    while j < code.len() {
        let v = ValueId((leaf + j) as u32);
        if let (Some(next), Some(outer)) = (instructions.get(j + 1), code.get(j + 1)) {
            let side = next.args().iter().position(|&a| a == v);
            let kind = side.and_then(|side| fusion(code[j].kind, outer.kind, side));
            if let (Some(kind), Some(side), 1) = (kind, side, uses[v.index()]) {
                let other = match (next.args().len(), side) {
                    (2, 0) => outer.b,
                    (2, _) => outer.a,
                    _ => 0,
                };
                out.push(Code {
                    kind,
                    a: code[j].a,
                    b: code[j].b,
                    c: other,
                    dst: outer.dst,
                });
                j += 2;
                continue;
            }
        }
        out.push(code[j]);
        j += 1;
    }
    out
}

/// One candidate instruction order with its slot assignment.
struct Layout {
    instructions: Vec<Instruction>,
    outputs: Vec<ValueId>,
    value_slots: Vec<u32>,
    slot_count: usize,
}

/// The operation nodes the outputs reach in depth-first post-order, every node once:
/// a node's operands before the node, the operand that needs more slots first (the
/// Sethi-Ullman labelling, counted as if the graph were a tree; ties go to the later
/// node, typically the longer chain). Loops with an explicit stack, not recursion, so
/// chains of any depth are fine. Where id order computes many values long before
/// their users (a sum of terms built term by term, then added up), this order
/// computes each term just before it is added.
fn depth_first(g: &Graph, f: &Function, mask: &[bool]) -> Vec<NodeId> {
    let is_op = |id: NodeId| !matches!(g.node(id).op(), Op::Input | Op::Const);
    // need[i]: slots to evaluate node i as a tree (leaves need none: they have fixed
    // slots).
    let mut need = vec![0u32; mask.len()];
    for (i, _) in mask.iter().enumerate().filter(|(_, &m)| m) {
        let id = NodeId::new(i as u32);
        if !is_op(id) {
            continue;
        }
        let mut ns: Vec<u32> = g.node(id).args().iter().map(|a| need[a.index()]).collect();
        ns.sort_unstable_by(|a, b| b.cmp(a));
        need[i] = ns
            .iter()
            .enumerate()
            .map(|(k, &n)| n.saturating_add(k as u32))
            .max()
            .unwrap_or(0)
            .max(1);
    }
    let mut done = vec![false; mask.len()];
    let mut order = Vec::new();
    let mut stack: Vec<(NodeId, usize)> = Vec::new();
    // Operand k of a node in visiting order: by need, then by id, both descending.
    let nth = |id: NodeId, k: usize| -> NodeId {
        let mut args: [NodeId; 3] = [NodeId::new(0); 3];
        let a = g.node(id).args();
        args[..a.len()].copy_from_slice(a);
        let args = &mut args[..a.len()];
        args.sort_unstable_by(|x, y| (need[y.index()], *y).cmp(&(need[x.index()], *x)));
        args[k]
    };
    for out in f.output_ids() {
        if done[out.index()] || !is_op(out) {
            continue;
        }
        stack.push((out, 0));
        while let Some(top) = stack.last_mut() {
            let (id, k) = *top;
            if k < g.node(id).args().len() {
                top.1 += 1;
                let a = nth(id, k);
                if !done[a.index()] && is_op(a) {
                    stack.push((a, 0));
                }
            } else {
                stack.pop();
                if !done[id.index()] {
                    done[id.index()] = true;
                    order.push(id);
                }
            }
        }
    }
    order
}

/// Assigns slots: inputs and constants keep their own (slot = value index); each
/// instruction takes a free slot (the most recently freed first, which keeps the
/// working set hot) before its operands' slots are freed, so a result never shares a
/// slot with an operand. A value's slot is freed after its last user; outputs are
/// never freed. Returns the slot of every value and the number of slots.
fn assign_slots(
    leaf_count: usize,
    instructions: &[Instruction],
    outputs: &[ValueId],
) -> (Vec<u32>, usize) {
    const KEEP: u32 = u32::MAX;
    let n = leaf_count + instructions.len();
    // last_use[v]: the last instruction reading v; a value nobody reads dies where it
    // is defined.
    let mut last_use: Vec<u32> = (0..n)
        .map(|v| v.saturating_sub(leaf_count) as u32)
        .collect();
    for (j, ins) in instructions.iter().enumerate() {
        for a in ins.args() {
            last_use[a.index()] = j as u32;
        }
    }
    for o in outputs {
        last_use[o.index()] = KEEP;
    }
    let mut slots: Vec<u32> = (0..leaf_count as u32).collect();
    slots.reserve(instructions.len());
    let mut free: Vec<u32> = Vec::new();
    let mut next = leaf_count as u32;
    for (j, ins) in instructions.iter().enumerate() {
        let dst = free.pop().unwrap_or_else(|| {
            next += 1;
            next - 1
        });
        slots.push(dst);
        let args = ins.args();
        for (k, a) in args.iter().enumerate() {
            let first = !args[..k].contains(a);
            if first && a.index() >= leaf_count && last_use[a.index()] == j as u32 {
                free.push(slots[a.index()]);
            }
        }
        if last_use[leaf_count + j] == j as u32 {
            free.push(dst);
        }
    }
    (slots, next as usize)
}

impl fmt::Display for Program {
    /// One line per instruction, `%5 = mul %0, %1  ; v7 @ s4` (value, op, operand
    /// values, graph node and slot), after a header of inputs, constants and outputs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "; {} instruction(s), {} slot(s), {} constant(s)",
            self.instruction_count(),
            self.slot_count(),
            self.constant_count()
        )?;
        for (k, name) in self.input_names.iter().enumerate() {
            writeln!(f, "%{k} = input {name}")?;
        }
        for (j, c) in self.constants.iter().enumerate() {
            writeln!(f, "%{} = const {c:?}", self.input_count() + j)?;
        }
        for (j, ins) in self.instructions.iter().enumerate() {
            let v = self.defined_value(j);
            write!(f, "{v} = {}", ins.op.name())?;
            for (k, a) in ins.args().iter().enumerate() {
                write!(f, "{}{a}", if k == 0 { " " } else { ", " })?;
            }
            if ins.op == Op::PowI {
                write!(f, ", {}", ins.exponent)?;
            }
            writeln!(f, "  ; {} @ s{}", ins.node, self.value_slots[v.index()])?;
        }
        for (name, v) in self.output_names.iter().zip(&self.outputs) {
            writeln!(f, "output {name} = {v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn seed() -> (Graph, Function) {
        adgraph_ir::parse("input x, y\noutput z = x*x + x*y + 2").unwrap()
    }

    #[test]
    fn values_are_numbered_inputs_constants_instructions() {
        let (g, f) = seed();
        let p = Program::compile(&g, &f).unwrap();
        assert_eq!(p.input_count(), 2);
        assert_eq!(p.constants(), &[2.0]);
        assert_eq!(p.value_count(), 2 + 1 + 4);
        assert_eq!(p.value_kind(ValueId::new(0)), Some(ValueKind::Input(0)));
        assert_eq!(
            p.value_kind(ValueId::new(2)),
            Some(ValueKind::Constant(2.0))
        );
        assert_eq!(
            p.value_kind(ValueId::new(3)),
            Some(ValueKind::Instruction(0))
        );
        assert_eq!(p.value_kind(ValueId::new(7)), None);
        for (j, ins) in p.instructions().iter().enumerate() {
            let v = p.defined_value(j);
            assert_eq!(p.value_node(v), Some(ins.node()));
            assert!(ins.args().iter().all(|&a| a < v));
        }
        assert_eq!(p.outputs(), &[p.defined_value(3)]);
    }

    #[test]
    fn slots_are_reused_and_never_alias_live_values() {
        // A chain: each step's temporaries die at once, so a few slots suffice.
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let mut v = x;
        for _ in 0..1000 {
            let s = g.apply(Op::Sin, &[v]).unwrap();
            let t = g.mul(s, v).unwrap();
            v = g.add(t, x).unwrap();
        }
        let f = Function::new(&g, vec![x], vec![("y".into(), v)]).unwrap();
        let p = Program::compile(&g, &f).unwrap();
        assert_eq!(p.instruction_count(), 3000);
        assert!(p.working_slot_count() <= 3, "{}", p.working_slot_count());
        check_slot_invariant(&p);
    }

    #[test]
    fn a_sum_built_term_by_term_runs_in_few_slots() {
        // Rosenbrock builds every term, then adds them up: in id order every term is
        // live until the additions; the depth-first order adds each term at once.
        let w = adgraph_workloads::rosenbrock(1000);
        let p = Program::compile(&w.graph, &w.function).unwrap();
        assert!(p.working_slot_count() <= 8, "{}", p.working_slot_count());
        check_slot_invariant(&p);
        let w = adgraph_workloads::van_der_pol(200);
        let p = Program::compile(&w.graph, &w.function).unwrap();
        assert!(p.working_slot_count() <= 20, "{}", p.working_slot_count());
        check_slot_invariant(&p);
    }

    #[test]
    fn pairs_fuse_in_the_value_stream() {
        let w = adgraph_workloads::rosenbrock(100);
        let p = Program::compile(&w.graph, &w.function).unwrap();
        // Eight instructions per term; the value stream needs about half the dispatches.
        assert!(
            p.fused.len() * 10 <= p.code.len() * 6,
            "{} of {}",
            p.fused.len(),
            p.code.len()
        );
        assert_eq!(
            p.eval(&w.point).unwrap(),
            adgraph_ir::evaluate(&w.graph, &w.function, &w.point).unwrap()
        );
    }

    /// Simulates the slot file: no instruction may overwrite a value still needed.
    pub(crate) fn check_slot_invariant(p: &Program) {
        let leaf = p.input_count() + p.constant_count();
        let mut holder: Vec<Option<ValueId>> = vec![None; p.slot_count()];
        for (v, h) in holder.iter_mut().enumerate().take(leaf) {
            *h = Some(ValueId::new(v as u32));
        }
        let mut last_use = vec![0usize; p.value_count()];
        for (j, ins) in p.instructions().iter().enumerate() {
            for a in ins.args() {
                last_use[a.index()] = j;
            }
        }
        for o in p.outputs() {
            last_use[o.index()] = usize::MAX;
        }
        for (j, ins) in p.instructions().iter().enumerate() {
            for a in ins.args() {
                let s = p.slot(*a).unwrap() as usize;
                assert_eq!(
                    holder[s],
                    Some(*a),
                    "operand {a} lost before instruction {j}"
                );
            }
            let v = p.defined_value(j);
            let s = p.slot(v).unwrap() as usize;
            assert!(s >= leaf && s < p.slot_count());
            assert!(ins.args().iter().all(|a| p.slot(*a) != Some(s as u32)));
            if let Some(old) = holder[s] {
                assert!(last_use[old.index()] < j, "{v} overwrites live {old}");
            }
            holder[s] = Some(v);
        }
        for o in p.outputs() {
            assert_eq!(holder[p.slot(*o).unwrap() as usize], Some(*o));
        }
    }

    #[test]
    fn mismatched_functions_are_errors() {
        let (g, f) = seed();
        let small = Graph::new();
        assert!(matches!(
            Program::compile(&small, &f),
            Err(ExecError::UnknownNode { .. })
        ));
        // The seed's function over a graph where its ids are other nodes.
        let mut other = Graph::new();
        let c = other.constant(1.0).unwrap();
        let x = other.input("x").unwrap();
        let _ = other.add(c, x).unwrap();
        for _ in 0..10 {
            let _ = other.input(&format!("i{}", other.len())).unwrap();
        }
        assert!(Program::compile(&other, &f).is_err());
        let _ = g;
    }

    #[test]
    fn prints_the_ssa_view() {
        let (g, f) = seed();
        let p = Program::compile(&g, &f).unwrap();
        let text = p.to_string();
        assert!(text.contains("%0 = input x"), "{text}");
        assert!(text.contains("%2 = const 2.0"), "{text}");
        assert!(text.contains("output z = %6"), "{text}");
    }
}
