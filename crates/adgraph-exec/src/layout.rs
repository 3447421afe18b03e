//! How a program is laid out: the order of its instructions, which pairs of them
//! fuse into one step, and which slot each stored value takes. Split from
//! `program.rs` (which owns the `Program` type and its SSA view) because this is the
//! part that decides evaluation memory and dispatch count, and the part that changes
//! when the interpreters learn new tricks.

use crate::code::{fusion, kind_of, Kind};
use crate::program::{Instruction, ValueId};

/// One step of the forward stream before slots are assigned: an instruction, or a
/// fused pair, over values.
pub(crate) struct Step {
    pub kind: Kind,
    /// The exponent of a `PowI`.
    pub exponent: i32,
    /// The values read through the code's fields `a`, `b`, `c` (see
    /// [`crate::code::reads`]); `None` where a field reads nothing.
    pub args: [Option<ValueId>; 3],
    /// The value the step defines.
    pub result: ValueId,
}

/// The steps of the forward stream: instruction `j` fuses with `j + 1` when its value
/// is read exactly once, by `j + 1`, is not an output, and [`fusion`] has an opcode for
/// the pair. A fused step reads the inner operands, then the outer's other operand,
/// and defines only the outer result: the inner value is never stored (it gets no
/// slot). Values, tangents and lanes all run these steps, so each of them gets the
/// same halving of dispatches and memory traffic.
pub(crate) fn fuse(instructions: &[Instruction], leaf: usize, outputs: &[ValueId]) -> Vec<Step> {
    let mut uses = vec![0u32; leaf + instructions.len()];
    for ins in instructions {
        for a in ins.args() {
            uses[a.index()] = uses[a.index()].saturating_add(1);
        }
    }
    for o in outputs {
        uses[o.index()] = u32::MAX;
    }
    let mut out = Vec::with_capacity(instructions.len());
    let mut j = 0;
    while let Some(ins) = instructions.get(j) {
        let v = ValueId::new((leaf + j) as u32);
        let kind = kind_of(ins.op(), ins.exponent());
        let mut args = [None; 3];
        for (slot, &a) in args.iter_mut().zip(ins.args()) {
            *slot = Some(a);
        }
        if let Some(next) = instructions.get(j + 1) {
            let outer = kind_of(next.op(), next.exponent());
            let side = next.args().iter().position(|&a| a == v);
            let fused = side.and_then(|side| fusion(kind, outer, side));
            if let (Some(fused), Some(side), 1) = (fused, side, uses[v.index()]) {
                let other = match (next.args().len(), side) {
                    (2, 0) => Some(next.args()[1]),
                    (2, _) => Some(next.args()[0]),
                    _ => None,
                };
                args[2] = other;
                out.push(Step {
                    kind: fused,
                    exponent: 0,
                    args,
                    result: ValueId::new((leaf + j + 1) as u32),
                });
                j += 2;
                continue;
            }
        }
        out.push(Step {
            kind,
            exponent: ins.exponent(),
            args,
            result: v,
        });
        j += 1;
    }
    out
}

/// One candidate instruction order with its slot assignment.
pub(crate) struct Layout {
    pub instructions: Vec<Instruction>,
    pub outputs: Vec<ValueId>,
    pub steps: Vec<Step>,
    pub value_slots: Vec<u32>,
    pub slot_count: usize,
}

/// Assigns slots: inputs and constants keep their own (slot = value index); each
/// step's result takes a free slot (the most recently freed first, which keeps the
/// working set hot) before its operands' slots are freed, so a result never shares a
/// slot with a value its step reads. A value's slot is freed after its last reader;
/// outputs are never freed. Returns the slot of each of the `value_count` values
/// (`u32::MAX` for the inner values of fused pairs, which are never stored) and the
/// number of slots.
pub(crate) fn assign_slots(
    leaf_count: usize,
    value_count: usize,
    steps: &[Step],
    outputs: &[ValueId],
) -> (Vec<u32>, usize) {
    const KEEP: u32 = u32::MAX;
    // last_use[v]: the last step reading v; a value nobody reads dies where it is
    // defined.
    let mut last_use = vec![0u32; value_count];
    for (j, st) in steps.iter().enumerate() {
        for a in st.args.iter().flatten() {
            last_use[a.index()] = j as u32;
        }
        last_use[st.result.index()] = j as u32;
    }
    for o in outputs {
        last_use[o.index()] = KEEP;
    }
    let mut slots = vec![u32::MAX; value_count];
    for (v, s) in slots.iter_mut().enumerate().take(leaf_count) {
        *s = v as u32;
    }
    let mut free: Vec<u32> = Vec::new();
    let mut next = leaf_count as u32;
    for (j, st) in steps.iter().enumerate() {
        let dst = free.pop().unwrap_or_else(|| {
            next += 1;
            next - 1
        });
        slots[st.result.index()] = dst;
        for (k, a) in st.args.iter().enumerate() {
            let Some(a) = a else { continue };
            let first = !st.args[..k].contains(&Some(*a));
            if first && a.index() >= leaf_count && last_use[a.index()] == j as u32 {
                free.push(slots[a.index()]);
            }
        }
        if last_use[st.result.index()] == j as u32 {
            free.push(dst);
        }
    }
    (slots, next as usize)
}
