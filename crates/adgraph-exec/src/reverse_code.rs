//! The reverse interpreter's hot instruction forms: compact forward code that records
//! kept values by pushing them, and backward code specialized per operation and per
//! which operands take an adjoint.
//!
//! A plan is first laid out in the general forms of [`crate::reverse_kernels`]
//! ([`Forward`], [`Backward`]), whose every index is validated against the slot counts
//! and tape lengths. This module lowers those validated instructions once, when the
//! plan is laid out, into forms the sweeps run fast:
//!
//! - [`Fwd`]: the forward interpreter's dense opcode ([`Kind`], with `x ^ 2` as
//!   `Square`), one store per instruction, and a `keep` flag. A segment's tape holds
//!   its kept values in instruction order after the values carried into it, so
//!   recording is a push through a moving pointer, not an offset lookup.
//! - [`Bwd`]: one opcode per (operation, which operands take an adjoint) pair for the
//!   common operations, operand sources resolved to a working slot or a tape offset
//!   and read without a per-operand branch, and no adjoint-present tests; anything
//!   else falls back to the general [`backward`] kernel on the original instruction.
//!
//! Each specialized arm performs exactly the floating-point operations of
//! [`crate::reverse_kernels::contribution`] in the same order, so gradients stay
//! bit-identical to the general kernel (a test runs both on every op).

use crate::code::{self, Kind};
use crate::reverse_kernels::{backward, Backward, Forward, FROM_TAPE};
use adgraph_ir::op::{powi, select};
use adgraph_ir::Op;
use adgraph_remat::NO_SLOT;

/// A forward instruction: `work[dst] = kind(work[a], work[b], work[c])` (`PowI` keeps
/// its exponent in `c`); when recording, a `keep` result is also pushed on the tape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fwd {
    kind: Kind,
    keep: bool,
    a: u32,
    b: u32,
    c: u32,
    dst: u32,
}

impl Fwd {
    /// Lowers a validated forward instruction; `keep` says whether its result goes on
    /// the tape of its segment.
    pub(crate) fn lower(f: &Forward, keep: bool) -> Fwd {
        let exponent = if f.op == Op::PowI { f.b as i32 } else { 0 };
        let c = code::lower(f.op, exponent, [f.a, f.b, f.c], f.r);
        Fwd {
            kind: c.kind,
            keep,
            a: c.a,
            b: c.b,
            c: c.c,
            dst: c.dst,
        }
    }
}

/// Unary opcodes other than the inline ones, out of line so the hot loop stays small.
#[inline(never)]
fn unary_outlined(kind: Kind, a: f64, exponent: i32) -> f64 {
    code::unary(kind, a, exponent)
}

/// Binary opcodes other than the inline ones, out of line.
#[inline(never)]
fn binary_outlined(kind: Kind, a: f64, b: f64) -> f64 {
    code::binary(kind, a, b)
}

/// Runs `code` forward over `W` lanes of `work`; with `RECORD`, pushes each kept
/// result's lanes at `tape` (advancing it).
///
/// # Safety
/// Every slot index of `code` is below `work.len() / W` (the [`Forward`] instructions
/// it was lowered from were validated); with `RECORD`, `tape` has room for `W` values
/// per kept instruction of `code`.
#[inline(always)]
pub(crate) unsafe fn run_forward<const W: usize, const RECORD: bool>(
    code: &[Fwd],
    work: &mut [f64],
    mut tape: *mut f64,
) {
    let p = work.as_mut_ptr();
    for f in code {
        let rd = |s: u32, l: usize| *p.add(s as usize * W + l);
        let dst = p.add(f.dst as usize * W);
        macro_rules! lanes {
            (|$l:ident| $e:expr) => {
                for $l in 0..W {
                    *dst.add($l) = $e;
                }
            };
        }
        match f.kind {
            Kind::Add => lanes!(|l| rd(f.a, l) + rd(f.b, l)),
            Kind::Sub => lanes!(|l| rd(f.a, l) - rd(f.b, l)),
            Kind::Mul => lanes!(|l| rd(f.a, l) * rd(f.b, l)),
            Kind::Div => lanes!(|l| rd(f.a, l) / rd(f.b, l)),
            Kind::Square => lanes!(|l| {
                let a = rd(f.a, l);
                a * a
            }),
            Kind::Neg => lanes!(|l| -rd(f.a, l)),
            Kind::Select => lanes!(|l| select(rd(f.a, l), rd(f.b, l), rd(f.c, l))),
            k if code::arity(k) == 1 => lanes!(|l| unary_outlined(k, rd(f.a, l), f.c as i32)),
            k => lanes!(|l| binary_outlined(k, rd(f.a, l), rd(f.b, l))),
        }
        if RECORD && f.keep {
            for l in 0..W {
                *tape.add(l) = *dst.add(l);
            }
            tape = tape.add(W);
        }
    }
}

/// A backward opcode: the operation, specialized by which operands take an adjoint.
/// `x`, `y`, `v` name the [`Bwd`] source fields read; `A`, `B` its adjoint fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum BKind {
    /// Only clears the result's adjoint (no operand takes one).
    Nop,
    /// `A += s` (`Add` with one adjoint operand, `x ^ 1`).
    Pass,
    /// `A += -s` (`Neg`, `Sub`'s right operand alone).
    NegPass,
    /// `A += s; B += s`.
    Add,
    /// `A += s; B += -s`.
    Sub,
    /// `A += s * x` (`Mul` with one adjoint operand; `x` the other operand).
    Scale,
    /// `A += s * y; B += s * x`.
    Mul,
    /// `A += s / y` (`Div`, numerator alone).
    DivL,
    /// `A += -((s * v) / y)` (`Div`, denominator alone).
    DivR,
    /// `A += s / y; B += -((s * v) / y)`.
    Div,
    /// `A += s * v`.
    Exp,
    /// `A += s * (1 - v * v)`.
    Tanh,
    /// `A += s / (2 * v)`.
    Sqrt,
    /// `A += s * (v * (1 - v))`.
    Sigmoid,
    /// `A += s * (2 * x)`.
    Square,
    /// `A += s * (e * x ^ (e - 1))`, `e` in `y`.
    PowI,
    /// The general kernel on `Backward` instruction number `x`.
    General,
}

/// A backward instruction (28 bytes): opcode, sources `x`, `y`, `v` (working slots,
/// or tape offsets tagged [`FROM_TAPE`]; 0, a valid working slot, where unused),
/// adjoint slots `a`, `b` (unused: 0), and the result's adjoint slot `r`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bwd {
    kind: BKind,
    x: u32,
    y: u32,
    v: u32,
    a: u32,
    b: u32,
    r: u32,
}

impl Bwd {
    /// Lowers validated backward instruction number `index`. Only sources the general
    /// kernel would read (per `needs`) and adjoint slots it would write are used, so
    /// every index stays one the validation covered.
    pub(crate) fn lower(g: &Backward, index: u32) -> Bwd {
        let [ax, ay, _] = g.adj;
        let (has_a, has_b) = (ax != NO_SLOT, ay != NO_SLOT);
        let [x, y, v] = g.src;
        let e = g.src[1] as i32;
        let mk = |kind, x, y, v, a, b| Bwd {
            kind,
            x,
            y,
            v,
            a,
            b,
            r: g.radj,
        };
        let general = mk(BKind::General, index, 0, 0, 0, 0);
        let one = |kind, x, y, v| mk(kind, x, y, v, if has_a { ax } else { ay }, 0);
        match (g.op, has_a, has_b) {
            (Op::Add | Op::Sub | Op::Mul | Op::Div, false, false) | (Op::Neg, false, _) => {
                mk(BKind::Nop, 0, 0, 0, 0, 0)
            }
            (Op::Add, true, true) => mk(BKind::Add, 0, 0, 0, ax, ay),
            (Op::Sub, true, true) => mk(BKind::Sub, 0, 0, 0, ax, ay),
            (Op::Mul, true, true) => mk(BKind::Mul, x, y, 0, ax, ay),
            (Op::Div, true, true) => mk(BKind::Div, 0, y, v, ax, ay),
            (Op::Add, _, _) | (Op::Sub, true, false) => one(BKind::Pass, 0, 0, 0),
            (Op::Sub, false, true) | (Op::Neg, true, _) => one(BKind::NegPass, 0, 0, 0),
            (Op::Mul, true, false) => one(BKind::Scale, y, 0, 0),
            (Op::Mul, false, true) => one(BKind::Scale, x, 0, 0),
            (Op::Div, true, false) => one(BKind::DivL, 0, y, 0),
            (Op::Div, false, true) => one(BKind::DivR, 0, y, v),
            (op, true, _) if op.arity() == 1 => match op {
                Op::Exp => one(BKind::Exp, 0, 0, v),
                Op::Tanh => one(BKind::Tanh, 0, 0, v),
                Op::Sqrt => one(BKind::Sqrt, 0, 0, v),
                Op::Sigmoid => one(BKind::Sigmoid, 0, 0, v),
                Op::PowI if e == 1 => one(BKind::Pass, 0, 0, 0),
                Op::PowI if e == 2 => one(BKind::Square, x, 0, 0),
                Op::PowI if e != 0 => one(BKind::PowI, x, e as u32, 0),
                _ => general,
            },
            _ => general,
        }
    }
}

/// Sweeps `code` backward (last instruction first) over `W` lanes. `general` holds
/// the instructions `BKind::General` refers to; `tape` is the segment's tape.
///
/// # Safety
/// `code` was lowered by [`Bwd::lower`] from `general`, whose indices were validated
/// against `work.len() / W` working slots, `adjoints.len() / W` adjoint slots and
/// `tape.len() / W` tape values.
#[inline(always)]
pub(crate) unsafe fn run_backward<const W: usize>(
    code: &[Bwd],
    general: &[Backward],
    tape: &[f64],
    work: &[f64],
    adjoints: &mut [f64],
) {
    let bases = [work.as_ptr(), tape.as_ptr()];
    let adj = adjoints.as_mut_ptr();
    for b in code.iter().rev() {
        if b.kind == BKind::General {
            backward::<W>(general.get_unchecked(b.x as usize), tape, work, adjoints);
            continue;
        }
        // A source is a working slot or, tagged, a tape offset: pick the base by the
        // tag instead of branching on it.
        let ld = |src: u32, l: usize| {
            *bases
                .get_unchecked((src >> 31) as usize)
                .add((src & !FROM_TAPE) as usize * W + l)
        };
        let r = adj.add(b.r as usize * W);
        let pa = adj.add(b.a as usize * W);
        let pb = adj.add(b.b as usize * W);
        // Per lane: read and clear the result's adjoint; a zero adjoint contributes
        // nothing (as in the general kernel, so no NaN leaks from partials).
        macro_rules! lanes {
            (|$l:ident, $s:ident| $body:expr) => {
                for $l in 0..W {
                    let $s = *r.add($l);
                    *r.add($l) = 0.0;
                    if $s != 0.0 {
                        $body;
                    }
                }
            };
        }
        match b.kind {
            BKind::Nop => {
                for l in 0..W {
                    *r.add(l) = 0.0;
                }
            }
            BKind::Pass => lanes!(|l, s| *pa.add(l) += s),
            BKind::NegPass => lanes!(|l, s| *pa.add(l) += -s),
            BKind::Add => lanes!(|l, s| {
                *pa.add(l) += s;
                *pb.add(l) += s;
            }),
            BKind::Sub => lanes!(|l, s| {
                *pa.add(l) += s;
                *pb.add(l) += -s;
            }),
            BKind::Scale => lanes!(|l, s| *pa.add(l) += s * ld(b.x, l)),
            BKind::Mul => lanes!(|l, s| {
                let (x, y) = (ld(b.x, l), ld(b.y, l));
                *pa.add(l) += s * y;
                *pb.add(l) += s * x;
            }),
            BKind::DivL => lanes!(|l, s| *pa.add(l) += s / ld(b.y, l)),
            BKind::DivR => lanes!(|l, s| *pa.add(l) += -((s * ld(b.v, l)) / ld(b.y, l))),
            BKind::Div => lanes!(|l, s| {
                let (y, v) = (ld(b.y, l), ld(b.v, l));
                *pa.add(l) += s / y;
                *pb.add(l) += -((s * v) / y);
            }),
            BKind::Exp => lanes!(|l, s| *pa.add(l) += s * ld(b.v, l)),
            BKind::Tanh => lanes!(|l, s| {
                let v = ld(b.v, l);
                *pa.add(l) += s * (1.0 - v * v);
            }),
            BKind::Sqrt => lanes!(|l, s| *pa.add(l) += s / (2.0 * ld(b.v, l))),
            BKind::Sigmoid => lanes!(|l, s| {
                let v = ld(b.v, l);
                *pa.add(l) += s * (v * (1.0 - v));
            }),
            BKind::Square => lanes!(|l, s| *pa.add(l) += s * (2.0 * ld(b.x, l))),
            BKind::PowI => lanes!(|l, s| {
                let e = b.y as i32;
                *pa.add(l) += s * (e as f64 * powi(ld(b.x, l), e - 1));
            }),
            BKind::General => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reverse_kernels::{structurally_zero, test_ops};

    /// Every lowered instruction gives the general kernel's adjoints bit for bit, for
    /// every op, every pattern of constant operands, operands in working slots and on
    /// the tape, one and several lanes.
    #[test]
    fn lowered_backward_is_the_general_kernel_bit_for_bit() {
        let values = [
            0.7,
            -0.4,
            2.0,
            0.0,
            -0.0,
            1.5,
            1e-300,
            f64::INFINITY,
            f64::NAN,
        ];
        for (op, e) in test_ops(&[0, 1, 2, 3, -2]) {
            for mask in 0..8u32 {
                for on_tape in [false, true] {
                    for (k, &a) in values.iter().enumerate() {
                        let c = values[(k * 5 + 3) % values.len()];
                        let args = [a, c, 1.0];
                        let r = op.eval(&args[..op.arity()], e);
                        let needs = adgraph_remat::backward_needs(op, e);
                        // work: operands in slots 0..3, result in slot 3; the tape
                        // mirrors slots 1..4 (offset = slot - 1).
                        let work = [args[0], args[1], args[2], r];
                        let tape = [args[1], args[2], r];
                        let at = |slot: u32| {
                            if on_tape && slot > 0 {
                                (slot - 1) | FROM_TAPE
                            } else {
                                slot
                            }
                        };
                        let g = Backward {
                            op,
                            needs: needs & 0b1011,
                            src: [0, if op == Op::PowI { e as u32 } else { at(1) }, at(3)],
                            adj: [0u32, 1, 2].map(|i| {
                                let k = i as usize;
                                if k < op.arity()
                                    && mask & (1 << i) != 0
                                    && !structurally_zero(op, e, k)
                                {
                                    i
                                } else {
                                    NO_SLOT
                                }
                            }),
                            radj: 3,
                        };
                        for seed in [-0.75, 0.0, f64::NAN] {
                            let start = [0.25, -0.0, 1.0, seed];
                            let mut want = start;
                            unsafe { backward::<1>(&g, &tape, &work, &mut want) };
                            let mut got = start;
                            let code = [Bwd::lower(&g, 0)];
                            unsafe { run_backward::<1>(&code, &[g], &tape, &work, &mut got) };
                            for i in 0..4 {
                                assert!(
                                    got[i].to_bits() == want[i].to_bits()
                                        || (got[i].is_nan() && want[i].is_nan()),
                                    "{op:?}^{e} mask {mask} tape {on_tape} at {args:?} \
                                     seed {seed}: adjoint {i} {} vs {}",
                                    got[i],
                                    want[i]
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// The lowered forward code computes what the general forward kernel computes, and
    /// pushes exactly the kept results.
    #[test]
    fn lowered_forward_matches_and_records_kept_results() {
        let values = [0.7, -0.4, 2.0, 0.0, -0.0, 3.5, f64::INFINITY, f64::NAN];
        for (op, e) in test_ops(&[0, 1, 2, 3, -2]) {
            for &a in &values {
                for &b in &values {
                    let f = Forward {
                        op,
                        a: 0,
                        b: if op == Op::PowI { e as u32 } else { 1 },
                        c: 2,
                        r: 3,
                    };
                    let mut want = [a, b, 1.0, 0.0];
                    unsafe { crate::reverse_kernels::forward::<1>(&f, &mut want) };
                    for keep in [false, true] {
                        let mut got = [a, b, 1.0, 0.0];
                        let mut tape = [-1.0; 1];
                        let code = [Fwd::lower(&f, keep)];
                        unsafe { run_forward::<1, true>(&code, &mut got, tape.as_mut_ptr()) };
                        let same = |x: f64, y: f64| {
                            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
                        };
                        assert!(same(got[3], want[3]), "{op:?}^{e} ({a}, {b})");
                        let pushed = if keep { want[3] } else { -1.0 };
                        assert!(same(tape[0], pushed), "{op:?} keep {keep}");
                    }
                }
            }
        }
    }
}
