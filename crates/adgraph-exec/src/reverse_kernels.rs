//! The per-instruction kernels of the reverse interpreter, over `W` lanes (points).
//!
//! Forward: [`Op::eval1`]/[`Op::eval2`]/[`select`], the definitions of the ops, so
//! recomputed values are bit-identical to the first computation and to the reference
//! evaluator. Backward: [`contribution`], the derivative rule of
//! [`adgraph_ir::derivative`] specialized by hand to plain numbers, operation for
//! operation, so its results are bit-identical to the rule (a test checks every op on
//! ordinary and special values). Instructions are packed small ([`Forward`] 20 bytes,
//! [`Backward`] 32 bytes) because a sweep streams through them; operand indices are
//! validated once when a plan is laid out, so the kernels index without bounds checks.
//! `W` is a compile-time constant (1 for single points, [`LANES`] for batches).

use adgraph_ir::op::{powi, select};
use adgraph_ir::Op;
use adgraph_remat::NO_SLOT;

/// Points per lane group in batched sweeps.
pub const LANES: usize = 8;

/// Marks an operand source as a tape offset (else it is a working slot).
pub(crate) const FROM_TAPE: u32 = 1 << 31;

/// A forward instruction: `slots[r] = op(slots[a], slots[b], slots[c])`; for `PowI`,
/// `b` holds the exponent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Forward {
    pub op: Op,
    pub a: u32,
    pub b: u32,
    pub c: u32,
    pub r: u32,
}

/// A backward instruction. `src[0]`, `src[1]` locate operands 0 and 1 and `src[2]` the
/// result (for `select`, `src[0]` its condition), each a working slot or a tape offset
/// tagged [`FROM_TAPE`], loaded only where `needs` says; for `PowI`, `src[1]` holds
/// the exponent. `adj` are the operands' adjoint slots ([`NO_SLOT`] where the
/// contribution is structurally zero), `radj` the result's.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backward {
    pub op: Op,
    pub needs: u8,
    pub src: [u32; 3],
    pub adj: [u32; 3],
    pub radj: u32,
}

/// Runs one instruction forward over `W` lanes of working slots.
///
/// # Safety
/// Every slot index of `f` times `W`, plus `W`, is at most `work.len()`.
#[inline(always)]
pub(crate) unsafe fn forward<const W: usize>(f: &Forward, work: &mut [f64]) {
    let p = work.as_mut_ptr();
    let at = |slot: u32, l: usize| p.add(slot as usize * W + l);
    match f.op.arity() {
        1 => {
            let e = f.b as i32;
            for l in 0..W {
                *at(f.r, l) = f.op.eval1(*at(f.a, l), e);
            }
        }
        2 => {
            for l in 0..W {
                *at(f.r, l) = f.op.eval2(*at(f.a, l), *at(f.b, l));
            }
        }
        _ => {
            for l in 0..W {
                *at(f.r, l) = select(*at(f.a, l), *at(f.b, l), *at(f.c, l));
            }
        }
    }
}

/// Sweeps one instruction backward over `W` lanes: reads the result's adjoint, clears
/// it (its slot is free from here on), and adds each operand's contribution (none
/// where the adjoint is zero).
///
/// # Safety
/// Every working-slot source and adjoint index times `W`, plus `W`, is within `work`
/// and `adjoints`; every tape source is within `tape`.
#[inline(always)]
pub(crate) unsafe fn backward<const W: usize>(
    b: &Backward,
    tape: &[f64],
    work: &[f64],
    adjoints: &mut [f64],
) {
    let fetch = |code: u32, l: usize| -> f64 {
        if code & FROM_TAPE != 0 {
            *tape.get_unchecked((code & !FROM_TAPE) as usize * W + l)
        } else {
            *work.get_unchecked(code as usize * W + l)
        }
    };
    let adj = adjoints.as_mut_ptr();
    let r = b.radj as usize * W;
    let arity = b.op.arity();
    for l in 0..W {
        let s = *adj.add(r + l);
        *adj.add(r + l) = 0.0;
        // A zero adjoint contributes nothing, even through a NaN or infinite partial
        // (`0 * inf` would be NaN): the runtime reading of the symbolic zeros, so an
        // output's gradient never picks up NaN from nodes only other outputs use.
        if s == 0.0 {
            continue;
        }
        let x = if b.needs & 1 != 0 {
            fetch(b.src[0], l)
        } else {
            f64::NAN
        };
        let y = if b.needs & 2 != 0 {
            fetch(b.src[1], l)
        } else {
            f64::NAN
        };
        let v = if b.needs & 8 != 0 {
            fetch(b.src[2], l)
        } else {
            f64::NAN
        };
        let e = b.src[1] as i32;
        for i in 0..arity {
            let t = b.adj[i];
            if t != NO_SLOT {
                *adj.add(t as usize * W + l) += contribution(b.op, e, x, y, v, i, s);
            }
        }
    }
}

/// `(∂ result / ∂ operand i) · s` for plain numbers: [`adgraph_ir::derivative`] with
/// `Numbers`, written out. `x`, `y` are operands 0 and 1 (for `select`, `x` is the
/// condition), `r` the result, `e` the `PowI` exponent. Structurally zero
/// contributions (comparisons, `select`'s condition, `x ^ 0`) are never asked for.
#[inline(always)]
pub fn contribution(op: Op, e: i32, x: f64, y: f64, r: f64, i: usize, s: f64) -> f64 {
    use Op::*;
    match op {
        Neg => -s,
        Exp => s * r,
        Log => s / x,
        Sqrt => s / (2.0 * r),
        Sin => s * x.cos(),
        Cos => -(s * x.sin()),
        Tan => s * (1.0 + r * r),
        Tanh => s * (1.0 - r * r),
        Abs => {
            if x > 0.0 {
                s
            } else if x < 0.0 {
                -s
            } else {
                0.0
            }
        }
        Sigmoid => s * (r * (1.0 - r)),
        PowI => {
            if e == 1 {
                s
            } else {
                s * (e as f64 * powi(x, e - 1))
            }
        }
        Add => s,
        Sub => {
            if i == 0 {
                s
            } else {
                -s
            }
        }
        Mul => s * if i == 0 { y } else { x },
        Div => {
            if i == 0 {
                s / y
            } else {
                -((s * r) / y)
            }
        }
        Pow => {
            if i == 0 {
                s * (y * x.powf(y - 1.0))
            } else {
                select(if x == 0.0 { 1.0 } else { 0.0 }, 0.0, s * (r * x.ln()))
            }
        }
        Min | Max => {
            let (me, other) = if i == 0 { (x, y) } else { (y, x) };
            let wins = if op == Min { me < other } else { me > other };
            if wins {
                s
            } else if me == other {
                0.5 * s
            } else {
                0.0
            }
        }
        Atan2 => {
            let d = x * x + y * y;
            if i == 0 {
                s * (y / d)
            } else {
                -(s * (x / d))
            }
        }
        Select => {
            if i == 1 {
                select(x, s, 0.0)
            } else {
                select(x, 0.0, s)
            }
        }
        Input | Const | Lt | Le | Gt | Ge | Eq | Ne => 0.0,
    }
}

/// Whether the contribution to operand `i` of `op` is structurally zero (the rule
/// returns `None`): no adjoint is updated for it.
pub(crate) fn structurally_zero(op: Op, exponent: i32, i: usize) -> bool {
    op.is_comparison()
        || matches!(op, Op::Input | Op::Const)
        || (op == Op::Select && i == 0)
        || (op == Op::PowI && exponent == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::{derivative, Numbers};

    #[test]
    fn contribution_is_the_rule_bit_for_bit() {
        let values = [
            0.7,
            -0.4,
            2.0,
            0.0,
            -0.0,
            1.0,
            3.5,
            1e-300,
            -1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
        ];
        for &op in Op::ALL {
            for e in [0, 1, 2, 3, -1, -2, 7] {
                if e != 0 && op != Op::PowI {
                    continue;
                }
                for &a in &values {
                    for &b in &values {
                        for &c in &[0.0, 1.0, f64::NAN] {
                            let args = [c, a, b];
                            let args = match op.arity() {
                                3 => &args[..],
                                n => &[a, b, c][..n],
                            };
                            let r = op.eval(args, e);
                            let (x, y) = (
                                args.first().copied().unwrap_or(0.0),
                                args.get(1).copied().unwrap_or(0.0),
                            );
                            for i in 0..op.arity() {
                                for s in [1.0, -0.75, 0.0, f64::INFINITY] {
                                    let want =
                                        derivative(&mut Numbers, op, e, args, r, i, s).unwrap();
                                    assert_eq!(
                                        want.is_none(),
                                        structurally_zero(op, e, i),
                                        "{op:?} {i}"
                                    );
                                    if let Some(w) = want {
                                        let got = contribution(op, e, x, y, r, i, s);
                                        assert!(
                                            got.to_bits() == w.to_bits() || (got.is_nan() && w.is_nan()),
                                            "{op:?}^{e} operand {i} at {args:?} seed {s}: {got} vs {w}"
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
