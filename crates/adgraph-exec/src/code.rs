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

/// The opcode of `op` (not a leaf) with `PowI` exponent `exponent`.
pub(crate) fn kind_of(op: Op, exponent: i32) -> Kind {
    match op {
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
    }
}

/// The code of `op` (not a leaf) over operand slots `s`, writing slot `dst` (the
/// reverse interpreter's forward sweep runs these too).
pub(crate) fn lower(op: Op, exponent: i32, s: [u32; 3], dst: u32) -> Code {
    let kind = kind_of(op, exponent);
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

/// The fused opcodes, in the order of [`fusion`]'s table.
#[cfg(test)]
pub(crate) const FUSED: [Kind; 28] = {
    use Kind::*;
    [
        AddAddL, AddAddR, AddSubL, AddSubR, AddMulL, AddMulR, AddSq, SubAddL, SubAddR, SubSubL,
        SubSubR, SubMulL, SubMulR, SubSq, MulAddL, MulAddR, MulSubL, MulSubR, MulMulL, MulMulR,
        MulSq, SqAddL, SqAddR, SqSubL, SqSubR, SqMulL, SqMulR, SqSq,
    ]
};

/// The pair a fused opcode stands for: `(inner, outer, side)`, the inner result being
/// the outer's operand `side`; `None` for an opcode that is not fused.
pub(crate) fn parts(kind: Kind) -> Option<(Kind, Kind, usize)> {
    let k = kind as u8;
    let first = Kind::AddAddL as u8;
    if k < first {
        return None;
    }
    let (i, o) = ((k - first) / 7, (k - first) % 7);
    let inner = [Kind::Add, Kind::Sub, Kind::Mul, Kind::Square][i as usize];
    let (outer, side) = [
        (Kind::Add, 0),
        (Kind::Add, 1),
        (Kind::Sub, 0),
        (Kind::Sub, 1),
        (Kind::Mul, 0),
        (Kind::Mul, 1),
        (Kind::Square, 0),
    ][o as usize];
    Some((inner, outer, side))
}

/// Which of the code's operand fields `a`, `b`, `c` hold slots it reads (a `PowI`
/// keeps its exponent in `c`; a fused pair reads the inner operands in `a` and `b`
/// and the outer's other operand in `c`).
pub(crate) fn reads(kind: Kind) -> [bool; 3] {
    match parts(kind) {
        Some((inner, outer, _)) => [true, inner != Kind::Square, outer != Kind::Square],
        None => match arity(kind) {
            1 => [true, false, false],
            2 => [true, true, false],
            _ => [true, true, true],
        },
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

/// Expands to a `match` over the opcode `$kind` with the given `arms`, then one arm per
/// fused opcode calling `$pair!(Inner, Outer, side)` with the pair's parts as
/// `Kind` variant names (`Square` for `Sq`) and the side as a literal: `0` (`L`, and
/// every square outer) or `1` (`R`). Each interpreter writes its pair arithmetic once
/// and the opcodes stay compile-time constants inside each arm.
macro_rules! match_kind {
    ($kind:expr, $pair:ident, { $($arms:tt)* }) => {
        match_kind!($kind, $pair, { $($arms)* }, {})
    };
    // `tail`: arms after the pairs (a catch-all for the unfused opcodes).
    ($kind:expr, $pair:ident, { $($arms:tt)* }, { $($tail:tt)* }) => {
        match $kind {
            $($arms)*
            Kind::AddAddL => $pair!(Add, Add, 0),
            Kind::AddAddR => $pair!(Add, Add, 1),
            Kind::AddSubL => $pair!(Add, Sub, 0),
            Kind::AddSubR => $pair!(Add, Sub, 1),
            Kind::AddMulL => $pair!(Add, Mul, 0),
            Kind::AddMulR => $pair!(Add, Mul, 1),
            Kind::AddSq => $pair!(Add, Square, 0),
            Kind::SubAddL => $pair!(Sub, Add, 0),
            Kind::SubAddR => $pair!(Sub, Add, 1),
            Kind::SubSubL => $pair!(Sub, Sub, 0),
            Kind::SubSubR => $pair!(Sub, Sub, 1),
            Kind::SubMulL => $pair!(Sub, Mul, 0),
            Kind::SubMulR => $pair!(Sub, Mul, 1),
            Kind::SubSq => $pair!(Sub, Square, 0),
            Kind::MulAddL => $pair!(Mul, Add, 0),
            Kind::MulAddR => $pair!(Mul, Add, 1),
            Kind::MulSubL => $pair!(Mul, Sub, 0),
            Kind::MulSubR => $pair!(Mul, Sub, 1),
            Kind::MulMulL => $pair!(Mul, Mul, 0),
            Kind::MulMulR => $pair!(Mul, Mul, 1),
            Kind::MulSq => $pair!(Mul, Square, 0),
            Kind::SqAddL => $pair!(Square, Add, 0),
            Kind::SqAddR => $pair!(Square, Add, 1),
            Kind::SqSubL => $pair!(Square, Sub, 0),
            Kind::SqSubR => $pair!(Square, Sub, 1),
            Kind::SqMulL => $pair!(Square, Mul, 0),
            Kind::SqMulR => $pair!(Square, Mul, 1),
            Kind::SqSq => $pair!(Square, Square, 0),
            $($tail)*
        }
    };
}
pub(crate) use match_kind;

/// The value of one half of a fused pair: `a + b`, `a - b`, `a * b` or (`Square`)
/// `a * a`, exactly as the unfused opcode computes it.
#[inline(always)]
pub(crate) fn pair_value(kind: Kind, a: f64, b: f64) -> f64 {
    match kind {
        Kind::Add => a + b,
        Kind::Sub => a - b,
        Kind::Mul => a * b,
        _ => a * a,
    }
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

    #[test]
    fn fused_opcodes_name_their_parts() {
        for (i, &k) in FUSED.iter().enumerate() {
            let (inner, outer, side) = parts(k).unwrap();
            assert_eq!(fusion(inner, outer, side), Some(k), "{k:?}");
            assert_eq!(k as u8, Kind::AddAddL as u8 + i as u8);
            assert_eq!(arity(k), 2, "fused codes are not unary or select");
            let r = reads(k);
            assert_eq!((r[1], r[2]), (inner != Kind::Square, outer != Kind::Square));
        }
        for &op in Op::ALL {
            if !matches!(op, Op::Input | Op::Const) {
                for n in [0, 2, 3] {
                    assert_eq!(parts(kind_of(op, n)), None, "{op:?}");
                }
            }
        }
        // Only add, subtract, multiply and square fuse.
        assert_eq!(fusion(Kind::Div, Kind::Add, 0), None);
        assert_eq!(fusion(Kind::Add, Kind::Exp, 0), None);
    }
}
