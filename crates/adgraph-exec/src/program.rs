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
//! their lifetimes do not overlap. The forward interpreters run pairs of arithmetic
//! instructions fused into one step ([`Program::step_count`]); the inner value of a
//! pair never reaches a slot.

use crate::code::{Code, Kind};
use crate::layout::{assign_slots, fuse, Layout};
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
/// // `x*y` feeds the first `+` in a register: one fused step does both.
/// assert_eq!(p.step_count(), 3);
/// // Two inputs, one constant, two temporaries (a result never takes a slot its step
/// // reads).
/// assert_eq!(p.slot_count(), 5);
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
    /// The forward interpreters' instruction stream: one [`Code`] per instruction or
    /// fused pair (an add, subtract, multiply or square whose only user is the next
    /// instruction, fused with that user when it is one of those too, so one dispatch
    /// does the work of two; see [`fuse`]), operands and result as slots (every index
    /// below `slot_count`; a result's slot is never one of the slots it reads).
    pub(crate) code: Vec<Code>,
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
        for order in [ops.clone(), f.depth_first_ops(g, &mask)] {
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
            let steps = fuse(&instructions, leaf_count, &outputs);
            let (slots, count) = assign_slots(
                leaf_count,
                leaf_count + instructions.len(),
                &steps,
                &outputs,
            );
            if best.as_ref().is_none_or(|b| count < b.slot_count) {
                best = Some(Layout {
                    instructions,
                    outputs,
                    steps,
                    value_slots: slots,
                    slot_count: count,
                });
            }
        }
        let Some(Layout {
            instructions,
            outputs,
            steps,
            value_slots,
            slot_count,
        }) = best
        else {
            return Err(ExecError::TooLarge {
                what: "the program",
            });
        };
        value_nodes.extend(instructions.iter().map(|ins| ins.node));
        let code = steps
            .iter()
            .map(|st| {
                let slot = |a: Option<ValueId>| a.map_or(0, |v| value_slots[v.index()]);
                Code {
                    kind: st.kind,
                    a: slot(st.args[0]),
                    b: slot(st.args[1]),
                    c: if st.kind == Kind::PowI {
                        st.exponent as u32
                    } else {
                        slot(st.args[2])
                    },
                    dst: value_slots[st.result.index()],
                }
            })
            .collect::<Vec<Code>>();
        Ok(Program {
            input_names: f.input_names(g).into_iter().map(String::from).collect(),
            output_names: f.outputs().iter().map(|o| o.name.clone()).collect(),
            constants,
            instructions,
            value_nodes,
            value_slots,
            outputs,
            code,
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

    /// The slot the forward interpreters keep value `v` in; `None` if the program has
    /// no such value or never stores it (the inner half of a fused pair, passed to
    /// the next instruction in a register).
    pub fn slot(&self, v: ValueId) -> Option<u32> {
        self.value_slots
            .get(v.index())
            .copied()
            .filter(|&s| s != u32::MAX)
    }

    /// Number of steps the forward interpreters dispatch: instructions, with each
    /// fused pair counted once.
    pub fn step_count(&self) -> usize {
        self.code.len()
    }
}

impl fmt::Display for Program {
    /// One line per instruction, `%5 = * %0, %1  ; v7 @ s4` (value, op, operand
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
            match self.slot(v) {
                Some(s) => writeln!(f, "  ; {} @ s{s}", ins.node)?,
                None => writeln!(f, "  ; {} (fused into the next)", ins.node)?,
            }
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
    fn pairs_fuse_in_the_forward_stream() {
        let w = adgraph_workloads::rosenbrock(100);
        let p = Program::compile(&w.graph, &w.function).unwrap();
        // Eight instructions per term; the forward stream needs about half the
        // dispatches.
        assert!(
            p.step_count() * 10 <= p.instruction_count() * 6,
            "{} of {}",
            p.step_count(),
            p.instruction_count()
        );
        assert_eq!(
            p.eval(&w.point).unwrap(),
            adgraph_ir::evaluate(&w.graph, &w.function, &w.point).unwrap()
        );
        check_slot_invariant(&p);
        // The inner half of a pair has no slot.
        let unstored = (0..p.value_count())
            .filter(|&v| p.slot(ValueId::new(v as u32)).is_none())
            .count();
        assert_eq!(unstored, p.instruction_count() - p.step_count());
    }

    /// Simulates the slot file over the SSA instructions: no instruction may
    /// overwrite a value still needed; a value without a slot is read only by the
    /// next instruction (it is the inner half of a fused pair). And over the fused
    /// stream: no step writes a slot it reads (the batched kernels rely on it).
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
        // Slots read by the pending fused pair (instruction j - 1 unstored).
        let mut pending: Vec<u32> = Vec::new();
        for (j, ins) in p.instructions().iter().enumerate() {
            let mut reads = std::mem::take(&mut pending);
            for a in ins.args() {
                match p.slot(*a) {
                    Some(s) => {
                        assert_eq!(
                            holder[s as usize],
                            Some(*a),
                            "operand {a} lost before instruction {j}"
                        );
                        reads.push(s);
                    }
                    None => assert_eq!(p.defined_value(j - 1), *a, "unstored {a} read late"),
                }
            }
            let v = p.defined_value(j);
            let Some(s) = p.slot(v) else {
                assert_eq!(last_use[v.index()], j + 1, "unstored {v}");
                pending = reads;
                continue;
            };
            let s = s as usize;
            assert!(s >= leaf && s < p.slot_count());
            assert!(!reads.contains(&(s as u32)), "{v} overwrites an operand");
            if let Some(old) = holder[s] {
                assert!(last_use[old.index()] < j, "{v} overwrites live {old}");
            }
            holder[s] = Some(v);
        }
        for o in p.outputs() {
            assert_eq!(holder[p.slot(*o).unwrap() as usize], Some(*o));
        }
        for c in &p.code {
            let r = crate::code::reads(c.kind);
            for (used, s) in r.iter().zip([c.a, c.b, c.c]) {
                assert!(!used || (s as usize) < p.slot_count());
                assert!(!used || s != c.dst, "{c:?} writes a slot it reads");
            }
            assert!((c.dst as usize) < p.slot_count());
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
