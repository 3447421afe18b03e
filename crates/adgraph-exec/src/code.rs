//! The forward interpreter's instruction encoding: one compact [`Code`] per
//! instruction, operands as slots, and the scalar semantics of each opcode.
//!
//! The opcodes are the graph's operators, plus `Square` for `x ^ 2` (the most common
//! integer power, `powi(x, 2) == x * x` bit for bit by `adgraph_ir::op::powi`'s
//! contract), so the hot loop is one `match` over a dense `u8`. Every opcode computes
//! exactly what [`Op::eval`] computes: the same functions from `adgraph_ir::op`.

use adgraph_ir::op::{max, min, powi, sigmoid};
use adgraph_ir::Op;

/// An opcode of the forward interpreter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    Neg,
    Exp,
    Log,
    Sqrt,
    Sin,
    Cos,
    Tan,
    Tanh,
    Abs,
    Sigmoid,
    /// `x ^ 2`, computed as `x * x`.
    Square,
    /// `x ^ n`; `n` is in `Code::c`.
    PowI,
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Min,
    Max,
    Atan2,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Select,
    // Pairs fused for the value stream only (see `fuse`): `<inner><outer><side>`
    // computes `t = a inner b` (`a * a` for `Sq`), then `t outer c` (side `L`),
    // `c outer t` (side `R`) or `t * t` (outer `Sq`).
    AddAddL,
    AddAddR,
    AddSubL,
    AddSubR,
    AddMulL,
    AddMulR,
    AddSq,
    SubAddL,
    SubAddR,
    SubSubL,
    SubSubR,
    SubMulL,
    SubMulR,
    SubSq,
    MulAddL,
    MulAddR,
    MulSubL,
    MulSubR,
    MulMulL,
    MulMulR,
    MulSq,
    SqAddL,
    SqAddR,
    SqSubL,
    SqSubR,
    SqMulL,
    SqMulR,
    SqSq,
}

/// One instruction of the forward stream (20 bytes): opcode, operand slots `a`, `b`,
/// `c` (unused operands are 0; `PowI` keeps its exponent's bits in `c`) and the slot
/// `dst` it writes. `dst` is never one of its operand slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Code {
    pub kind: Kind,
    pub a: u32,
    pub b: u32,
    pub c: u32,
    pub dst: u32,
}

impl Code {
    /// The exponent of a `PowI` (or 2 for `Square`).
    #[inline]
    pub fn exponent(&self) -> i32 {
        match self.kind {
            Kind::Square => 2,
            _ => self.c as i32,
        }
    }
}

/// The code of `op` (not a leaf) over operand slots `s`, writing slot `dst`.
pub(crate) fn lower(op: Op, exponent: i32, s: [u32; 3], dst: u32) -> Code {
    let kind = match op {
        Op::Neg => Kind::Neg,
        Op::Exp => Kind::Exp,
        Op::Log => Kind::Log,
        Op::Sqrt => Kind::Sqrt,
        Op::Sin => Kind::Sin,
        Op::Cos => Kind::Cos,
        Op::Tan => Kind::Tan,
        Op::Tanh => Kind::Tanh,
        Op::Abs => Kind::Abs,
        Op::Sigmoid => Kind::Sigmoid,
        Op::PowI if exponent == 2 => Kind::Square,
        Op::PowI => Kind::PowI,
        Op::Add => Kind::Add,
        Op::Sub => Kind::Sub,
        Op::Mul => Kind::Mul,
        Op::Div => Kind::Div,
        Op::Pow => Kind::Pow,
        Op::Min => Kind::Min,
        Op::Max => Kind::Max,
        Op::Atan2 => Kind::Atan2,
        Op::Lt => Kind::Lt,
        Op::Le => Kind::Le,
        Op::Gt => Kind::Gt,
        Op::Ge => Kind::Ge,
        Op::Eq => Kind::Eq,
        Op::Ne => Kind::Ne,
        // Leaves never become instructions (`compile` keeps them in fixed slots).
        Op::Select | Op::Input | Op::Const => Kind::Select,
    };
    let c = if kind == Kind::PowI {
        exponent as u32
    } else {
        s[2]
    };
    Code {
        kind,
        a: s[0],
        b: s[1],
        c,
        dst,
    }
}

/// The fused opcode of `inner` then `outer`, where the inner result is the outer's
/// operand `side` (0 or 1; any for a square); `None` if the pair does not fuse.
pub(crate) fn fusion(inner: Kind, outer: Kind, side: usize) -> Option<Kind> {
    use Kind::*;
    let i = match inner {
        Add => 0,
        Sub => 1,
        Mul => 2,
        Square => 3,
        _ => return None,
    };
    const TABLE: [[Kind; 7]; 4] = [
        [AddAddL, AddAddR, AddSubL, AddSubR, AddMulL, AddMulR, AddSq],
        [SubAddL, SubAddR, SubSubL, SubSubR, SubMulL, SubMulR, SubSq],
        [MulAddL, MulAddR, MulSubL, MulSubR, MulMulL, MulMulR, MulSq],
        [SqAddL, SqAddR, SqSubL, SqSubR, SqMulL, SqMulR, SqSq],
    ];
    let o = match (outer, side) {
        (Add, 0) => 0,
        (Add, _) => 1,
        (Sub, 0) => 2,
        (Sub, _) => 3,
        (Mul, 0) => 4,
        (Mul, _) => 5,
        (Square, _) => 6,
        _ => return None,
    };
    Some(TABLE[i][o])
}

#[inline(always)]
fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// A unary opcode applied to `a`: exactly [`Op::eval1`].
#[inline(always)]
pub(crate) fn unary(kind: Kind, a: f64, exponent: i32) -> f64 {
    match kind {
        Kind::Neg => -a,
        Kind::Exp => a.exp(),
        Kind::Log => a.ln(),
        Kind::Sqrt => a.sqrt(),
        Kind::Sin => a.sin(),
        Kind::Cos => a.cos(),
        Kind::Tan => a.tan(),
        Kind::Tanh => a.tanh(),
        Kind::Abs => a.abs(),
        Kind::Sigmoid => sigmoid(a),
        Kind::Square => a * a,
        Kind::PowI => powi(a, exponent),
        _ => f64::NAN,
    }
}

/// A binary opcode applied to `a` and `b`: exactly [`Op::eval2`].
#[inline(always)]
pub(crate) fn binary(kind: Kind, a: f64, b: f64) -> f64 {
    match kind {
        Kind::Add => a + b,
        Kind::Sub => a - b,
        Kind::Mul => a * b,
        Kind::Div => a / b,
        Kind::Pow => a.powf(b),
        Kind::Min => min(a, b),
        Kind::Max => max(a, b),
        Kind::Atan2 => a.atan2(b),
        Kind::Lt => truth(a < b),
        Kind::Le => truth(a <= b),
        Kind::Gt => truth(a > b),
        Kind::Ge => truth(a >= b),
        Kind::Eq => truth(a == b),
        Kind::Ne => truth(a != b),
        _ => f64::NAN,
    }
}

/// Any opcode applied to operand values `a`, `b`, `c` (the tests' scalar view).
#[cfg(test)]
pub(crate) fn apply(kind: Kind, a: f64, b: f64, c: f64, exponent: i32) -> f64 {
    if kind == Kind::Select {
        adgraph_ir::op::select(a, b, c)
    } else if (kind as u8) <= Kind::PowI as u8 {
        unary(kind, a, exponent)
    } else {
        binary(kind, a, b)
    }
}

/// How many operands the opcode reads.
#[inline(always)]
pub(crate) fn arity(kind: Kind) -> usize {
    if kind == Kind::Select {
        3
    } else if (kind as u8) <= Kind::PowI as u8 {
        1
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_opcode_computes_what_the_op_table_computes() {
        let xs = [
            0.0,
            -0.0,
            1.5,
            -2.25,
            0.5,
            3.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
            1e308,
        ];
        for &op in Op::ALL {
            if matches!(op, Op::Input | Op::Const) {
                continue;
            }
            for n in [-3, -1, 0, 1, 2, 3, 7] {
                if op != Op::PowI && n != 0 {
                    continue;
                }
                let code = lower(op, n, [0, 1, 2], 3);
                assert_eq!(arity(code.kind), op.arity(), "{op:?}");
                for &a in &xs {
                    for &b in &xs {
                        for &c in &[0.0, 1.0, f64::NAN] {
                            let args = [a, b, c];
                            let want = op.eval(&args[..op.arity()], n);
                            let got = apply(code.kind, a, b, c, code.exponent());
                            assert!(
                                want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()),
                                "{op:?} {n} {args:?}: {got} vs {want}"
                            );
                        }
                    }
                }
            }
        }
    }
}
