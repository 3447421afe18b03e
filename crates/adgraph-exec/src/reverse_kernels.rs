//! The per-instruction kernels of the reverse interpreter, over `W` lanes (points).
//!
//! Forward: [`Op::eval1`]/[`Op::eval2`]/[`select`], the definitions of the ops, so
//! recomputed values are bit-identical to the first computation and to the reference
//! evaluator. Backward: [`contribution`], the derivative rule of
//! [`adgraph_ir::derivative`] specialized by hand to plain numbers, operation for
//! operation, so its results are bit-identical to the rule (a test checks every op on
//! ordinary and special values). These are the general forms a plan is first laid out
//! in ([`Forward`] 20 bytes, [`Backward`] 32 bytes); operand indices are validated
//! once when a plan is laid out, so the kernels index without bounds checks. The
//! sweeps run the lowered forms of `crate::reverse_code`, falling back to
//! [`backward`] for the rarer operations.
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

/// Runs one instruction forward over `W` lanes of working slots (the reference the
/// sweeps' lowered code, `crate::reverse_code`, is tested against). The common
/// arithmetic is written inline (the same IEEE operation as [`Op::eval2`]); every
/// other op goes through an out-of-line call of [`Op::eval1`]/[`Op::eval2`], so the
/// compiler cannot speculate library calls (`sin`, `exp`, ...) across the dispatch.
///
/// # Safety
/// Every slot index of `f` times `W`, plus `W`, is at most `work.len()`.
#[cfg(test)]
#[inline(always)]
pub(crate) unsafe fn forward<const W: usize>(f: &Forward, work: &mut [f64]) {
    let p = work.as_mut_ptr();
    let at = |slot: u32, l: usize| p.add(slot as usize * W + l);
    macro_rules! lanes2 {
        ($e:expr) => {
            for l in 0..W {
                let (a, b) = (*at(f.a, l), *at(f.b, l));
                *at(f.r, l) = $e(a, b);
            }
        };
    }
    match f.op {
        Op::Add => lanes2!(|a: f64, b: f64| a + b),
        Op::Sub => lanes2!(|a: f64, b: f64| a - b),
        Op::Mul => lanes2!(|a: f64, b: f64| a * b),
        Op::Div => lanes2!(|a: f64, b: f64| a / b),
        Op::Neg => {
            for l in 0..W {
                *at(f.r, l) = -*at(f.a, l);
            }
        }
        Op::PowI => {
            for l in 0..W {
                *at(f.r, l) = powi(*at(f.a, l), f.b as i32);
            }
        }
        Op::Select => {
            for l in 0..W {
                *at(f.r, l) = select(*at(f.a, l), *at(f.b, l), *at(f.c, l));
            }
        }
        op if op.arity() == 1 => {
            for l in 0..W {
                *at(f.r, l) = eval1_outlined(op, *at(f.a, l));
            }
        }
        op => {
            for l in 0..W {
                *at(f.r, l) = eval2_outlined(op, *at(f.a, l), *at(f.b, l));
            }
        }
    }
}

#[cfg(test)]
#[inline(never)]
fn eval1_outlined(op: Op, a: f64) -> f64 {
    op.eval1(a, 0)
}

#[cfg(test)]
#[inline(never)]
fn eval2_outlined(op: Op, a: f64, b: f64) -> f64 {
    op.eval2(a, b)
}

/// `x.cos()`, out of line (see [`forward`]).
#[inline(never)]
fn cos_of(x: f64) -> f64 {
    x.cos()
}

/// `x.sin()`, out of line.
#[inline(never)]
fn sin_of(x: f64) -> f64 {
    x.sin()
}

/// `x.powf(y)`, out of line.
#[inline(never)]
fn powf_of(x: f64, y: f64) -> f64 {
    x.powf(y)
}

/// `x.ln()`, out of line.
#[inline(never)]
fn ln_of(x: f64) -> f64 {
    x.ln()
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
    let e = b.src[1] as i32;
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
        let acc = |i: usize, c: f64| {
            let t = b.adj[i];
            if t != NO_SLOT {
                *adj.add(t as usize * W + l) += c;
            }
        };
        // The common ops written out (each the same operations as `contribution`;
        // a test compares the kernel with the rule), the rest out of line. Every arm
        // stores, so the dispatch stays a jump, never a table of speculated results.
        match b.op {
            Op::Add => {
                acc(0, s);
                acc(1, s);
            }
            Op::Sub => {
                acc(0, s);
                acc(1, -s);
            }
            Op::Mul => {
                acc(0, s * y);
                acc(1, s * x);
            }
            Op::Div => {
                acc(0, s / y);
                acc(1, -((s * v) / y));
            }
            Op::Neg => acc(0, -s),
            Op::Exp => acc(0, s * v),
            Op::Tanh => acc(0, s * (1.0 - v * v)),
            Op::Sqrt => acc(0, s / (2.0 * v)),
            Op::Sigmoid => acc(0, s * (v * (1.0 - v))),
            Op::PowI if e == 1 => acc(0, s),
            Op::PowI => acc(0, s * (e as f64 * powi(x, e - 1))),
            op => {
                for i in 0..arity {
                    acc(i, contribution_outlined(op, e, x, y, v, i, s));
                }
            }
        }
    }
}

#[inline(never)]
fn contribution_outlined(op: Op, e: i32, x: f64, y: f64, r: f64, i: usize, s: f64) -> f64 {
    contribution(op, e, x, y, r, i, s)
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
        Sin => s * cos_of(x),
        Cos => -(s * sin_of(x)),
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
                s * (y * powf_of(x, y - 1.0))
            } else {
                select(if x == 0.0 { 1.0 } else { 0.0 }, 0.0, s * (r * ln_of(x)))
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

/// Every (operation, exponent) pair the kernel tests try: each operation that is not
/// a leaf with exponent 0, and `PowI` with each of `exponents`.
#[cfg(test)]
pub(crate) fn test_ops(exponents: &'static [i32]) -> impl Iterator<Item = (Op, i32)> {
    Op::ALL
        .iter()
        .filter(|op| !matches!(op, Op::Input | Op::Const))
        .flat_map(move |&op| {
            let es: &'static [i32] = if op == Op::PowI { exponents } else { &[0] };
            es.iter().map(move |&e| (op, e))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::{derivative, Numbers};

    /// The backward kernel on one instruction equals `0 + rule` for every operand.
    #[test]
    fn backward_kernel_is_the_rule_bit_for_bit() {
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
            for &a in &values {
                for &c in &values {
                    let args: Vec<f64> = [a, c, 1.0][..op.arity()].to_vec();
                    let r = op.eval(&args, e);
                    let needs = adgraph_remat::backward_needs(op, e);
                    // work: operands in slots 0..3, result in slot 3.
                    let mut work = [0.0; 4];
                    work[..args.len()].copy_from_slice(&args);
                    work[3] = r;
                    let code = Backward {
                        op,
                        needs: needs & 0b1011,
                        src: [0, if op == Op::PowI { e as u32 } else { 1 }, 3],
                        adj: [0u32, 1, 2].map(|i| {
                            let k = i as usize;
                            if k < op.arity() && !structurally_zero(op, e, k) {
                                i
                            } else {
                                NO_SLOT
                            }
                        }),
                        radj: 3,
                    };
                    let mut adjoints = [0.0, 0.0, 0.0, -0.75];
                    unsafe { backward::<1>(&code, &[], &work, &mut adjoints) };
                    assert_eq!(adjoints[3], 0.0);
                    for (i, &got) in adjoints.iter().enumerate().take(op.arity()) {
                        let want = derivative(&mut Numbers, op, e, &args, r, i, -0.75).unwrap();
                        let want = want.map_or(0.0, |w| 0.0 + w);
                        assert!(
                            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                            "{op:?}^{e} operand {i} at {args:?}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

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
        for (op, e) in test_ops(&[0, 1, 2, 3, -1, -2, 7]) {
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
                                let want = derivative(&mut Numbers, op, e, args, r, i, s).unwrap();
                                assert_eq!(
                                    want.is_none(),
                                    structurally_zero(op, e, i),
                                    "{op:?} {i}"
                                );
                                if let Some(w) = want {
                                    let got = contribution(op, e, x, y, r, i, s);
                                    assert!(
                                        got.to_bits() == w.to_bits()
                                            || (got.is_nan() && w.is_nan()),
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
