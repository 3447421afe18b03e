//! Tests of the local rewrites: every Strict rule at every pair of special values
//! (bit for bit against the unrewritten expression, and that the rule fired), the
//! rules Strict must not apply (the Fast rules are in `fast_tests.rs`).
//!
//! Kept beside `simplify.rs` rather than inline so each file stays readable.

use super::*;
use crate::op::{max, min, powi, sigmoid};
use crate::{evaluate, Function};

/// NaN, infinities, signed zeros, subnormals, extremes, and ordinary values with
/// odd mantissas (where rounding differences would show).
const SPECIALS: [f64; 21] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    2.5,
    -3.75,
    3.0,
    0.1,
    1.0000000000000002,
    -1.5,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    5e-324,
    -4.9e-324,
    1e-310,
    -2.2250738585072014e-308,
    1.7976931348623157e308,
    8.98846567431158e307,
    -1.3407807929942597e154,
    7.0e-200,
];

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

pub(super) fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// Builds `build(x, y)` in a Strict graph (so the constructors rewrite it), checks
/// that the rewrite fired (`ops` operations remain) and that the result equals
/// `reference`, the unrewritten expression in plain `f64`, bit for bit at every
/// pair of special values.
fn check_strict(
    ops: usize,
    build: impl Fn(&mut Graph, NodeId, NodeId) -> NodeId,
    reference: impl Fn(f64, f64) -> f64,
) {
    let mut g = Graph::new();
    let x = g.input("x").unwrap();
    let y = g.input("y").unwrap();
    let out = build(&mut g, x, y);
    let f = Function::new(&g, vec![x, y], vec![("out".into(), out)]).unwrap();
    assert_eq!(f.op_count(&g), ops, "{}", crate::dump(&g, &f));
    for &a in &SPECIALS {
        for &b in &SPECIALS {
            let got = evaluate(&g, &f, &[a, b]).unwrap()[0];
            let want = reference(a, b);
            assert!(
                same(got, want),
                "{}at ({a:e}, {b:e}): {got:e} vs {want:e}",
                crate::dump(&g, &f)
            );
        }
    }
}

pub(super) fn k(g: &mut Graph, c: f64) -> NodeId {
    g.constant(c).unwrap()
}

pub(super) fn ap(g: &mut Graph, op: Op, args: &[NodeId]) -> NodeId {
    g.apply(op, args).unwrap()
}

#[test]
fn strict_additive_rewrites_are_bit_exact() {
    check_strict(
        0,
        |g, x, _| {
            let c = k(g, -0.0);
            g.add(x, c).unwrap()
        },
        |a, _| a + -0.0,
    );
    check_strict(
        0,
        |g, x, _| {
            let c = k(g, 0.0);
            g.sub(x, c).unwrap()
        },
        |a, _| a - 0.0,
    );
    check_strict(
        1,
        |g, x, _| {
            let c = k(g, -0.0);
            g.sub(c, x).unwrap()
        },
        |a, _| -0.0 - a,
    );
    check_strict(
        0,
        |g, x, _| {
            let n = g.neg(x).unwrap();
            g.neg(n).unwrap()
        },
        |a, _| -(-a),
    );
    check_strict(
        1,
        |g, x, y| {
            let n = g.neg(y).unwrap();
            g.add(x, n).unwrap()
        },
        |a, b| a + -b,
    );
    check_strict(
        1,
        |g, x, y| {
            let n = g.neg(y).unwrap();
            g.sub(x, n).unwrap()
        },
        |a, b| a - -b,
    );
    check_strict(1, |g, x, _| g.add(x, x).unwrap(), |a, _| a + a);
    check_strict(
        1,
        |g, x, _| {
            let d = g.add(x, x).unwrap();
            g.add(d, x).unwrap()
        },
        |a, _| (a + a) + a,
    );
    check_strict(
        1,
        |g, x, _| {
            let d = g.add(x, x).unwrap();
            g.add(x, d).unwrap()
        },
        |a, _| a + (a + a),
    );
}

#[test]
fn strict_multiplicative_rewrites_are_bit_exact() {
    check_strict(
        0,
        |g, x, _| {
            let c = k(g, 1.0);
            g.mul(c, x).unwrap()
        },
        |a, _| a * 1.0,
    );
    check_strict(
        1,
        |g, x, _| {
            let c = k(g, -1.0);
            g.mul(x, c).unwrap()
        },
        |a, _| -a,
    );
    check_strict(
        0,
        |g, x, _| {
            let c = k(g, 1.0);
            g.div(x, c).unwrap()
        },
        |a, _| a / 1.0,
    );
    check_strict(
        1,
        |g, x, _| {
            let c = k(g, -1.0);
            g.div(x, c).unwrap()
        },
        |a, _| a / -1.0,
    );
    check_strict(
        1,
        |g, x, _| {
            let c = k(g, 4.0);
            g.div(x, c).unwrap()
        },
        |a, _| a / 4.0,
    );
    check_strict(
        1,
        |g, x, _| {
            let c = k(g, -0.5);
            g.div(x, c).unwrap()
        },
        |a, _| a / -0.5,
    );
    check_strict(
        1,
        |g, x, y| {
            let n = g.neg(x).unwrap();
            let m = g.neg(y).unwrap();
            g.mul(n, m).unwrap()
        },
        |a, b| -a * -b,
    );
    check_strict(
        1,
        |g, x, _| {
            let n = g.neg(x).unwrap();
            let c = k(g, 3.0);
            g.mul(n, c).unwrap()
        },
        |a, _| -a * 3.0,
    );
    check_strict(
        2,
        |g, x, y| {
            let n = g.neg(x).unwrap();
            g.mul(y, n).unwrap()
        },
        |a, b| b * -a,
    );
    check_strict(
        1,
        |g, x, _| {
            let c = k(g, 3.0);
            let m = g.mul(x, c).unwrap();
            g.neg(m).unwrap()
        },
        |a, _| -(a * 3.0),
    );
    check_strict(
        1,
        |g, x, _| {
            let c = k(g, 3.0);
            let m = g.div(x, c).unwrap();
            g.neg(m).unwrap()
        },
        |a, _| -(a / 3.0),
    );
    check_strict(
        1,
        |g, x, _| {
            let c = k(g, 3.0);
            let m = g.div(c, x).unwrap();
            g.neg(m).unwrap()
        },
        |a, _| -(3.0 / a),
    );
    check_strict(
        1,
        |g, x, y| {
            let n = g.neg(x).unwrap();
            let m = g.neg(y).unwrap();
            g.div(n, m).unwrap()
        },
        |a, b| -a / -b,
    );
    check_strict(
        2,
        |g, x, y| {
            let n = g.neg(x).unwrap();
            g.div(n, y).unwrap()
        },
        |a, b| -a / b,
    );
    check_strict(
        2,
        |g, x, y| {
            let n = g.neg(y).unwrap();
            g.div(x, n).unwrap()
        },
        |a, b| a / -b,
    );
    check_strict(
        1,
        |g, x, _| {
            let n = g.neg(x).unwrap();
            let c = k(g, 3.0);
            g.div(n, c).unwrap()
        },
        |a, _| -a / 3.0,
    );
    check_strict(
        1,
        |g, x, _| {
            let n = g.neg(x).unwrap();
            let c = k(g, 3.0);
            g.div(c, n).unwrap()
        },
        |a, _| 3.0 / -a,
    );
    for (c1, c2) in [(2.0, 4.0), (-2.0, 8.0), (1024.0, -1.0), (2.0, 2.0)] {
        check_strict(
            1,
            |g, x, _| {
                let a = k(g, c1);
                let b = k(g, c2);
                let m = g.mul(x, a).unwrap();
                g.mul(b, m).unwrap()
            },
            |a, _| (a * c1) * c2,
        );
    }
}

#[test]
fn strict_power_rewrites_are_bit_exact() {
    check_strict(0, |g, x, _| g.powi(x, 1).unwrap(), |a, _| powi(a, 1));
    check_strict(0, |g, x, _| g.powi(x, 0).unwrap(), |a, _| powi(a, 0));
    check_strict(1, |g, x, _| g.mul(x, x).unwrap(), |a, _| a * a);
    check_strict(
        1,
        |g, x, _| {
            let s = g.powi(x, 2).unwrap();
            g.mul(s, x).unwrap()
        },
        |a, _| (a * a) * a,
    );
    check_strict(
        1,
        |g, x, _| {
            let s = g.powi(x, 2).unwrap();
            g.mul(x, s).unwrap()
        },
        |a, _| a * (a * a),
    );
    for n in [2, 3, 4, -2, -3, 7, -8] {
        check_strict(
            1 + (n % 2 != 0) as usize,
            |g, x, _| {
                let m = g.neg(x).unwrap();
                g.powi(m, n).unwrap()
            },
            |a, _| powi(-a, n),
        );
    }
    for n in [2, 4, -6] {
        check_strict(
            1,
            |g, x, _| {
                let m = ap(g, Op::Abs, &[x]);
                g.powi(m, n).unwrap()
            },
            |a, _| powi(a.abs(), n),
        );
    }
    for (m, n) in [(2, 2), (2, 4), (4, -2), (8, -1), (2, 16)] {
        check_strict(
            1,
            |g, x, _| {
                let p = g.powi(x, m).unwrap();
                g.powi(p, n).unwrap()
            },
            |a, _| powi(powi(a, m), n),
        );
    }
}

#[test]
fn strict_unary_and_comparison_rewrites_are_bit_exact() {
    check_strict(
        1,
        |g, x, _| {
            let n = g.neg(x).unwrap();
            ap(g, Op::Abs, &[n])
        },
        |a, _| (-a).abs(),
    );
    check_strict(
        1,
        |g, x, _| {
            let n = ap(g, Op::Abs, &[x]);
            ap(g, Op::Abs, &[n])
        },
        |a, _| a.abs().abs(),
    );
    check_strict(
        1,
        |g, x, _| {
            let n = ap(g, Op::Exp, &[x]);
            ap(g, Op::Abs, &[n])
        },
        |a, _| a.exp().abs(),
    );
    check_strict(
        1,
        |g, x, _| {
            let n = ap(g, Op::Sigmoid, &[x]);
            ap(g, Op::Abs, &[n])
        },
        |a, _| sigmoid(a).abs(),
    );
    check_strict(
        1,
        |g, x, _| {
            let n = g.powi(x, -4).unwrap();
            ap(g, Op::Abs, &[n])
        },
        |a, _| powi(a, -4).abs(),
    );
    check_strict(
        1,
        |g, x, y| {
            let n = ap(g, Op::Le, &[x, y]);
            ap(g, Op::Abs, &[n])
        },
        |a, b| truth(a <= b).abs(),
    );
    check_strict(0, |g, x, _| ap(g, Op::Min, &[x, x]), |a, _| min(a, a));
    check_strict(0, |g, x, _| ap(g, Op::Max, &[x, x]), |a, _| max(a, a));
    check_strict(
        2,
        |g, x, y| {
            let n = g.neg(x).unwrap();
            let m = g.neg(y).unwrap();
            ap(g, Op::Min, &[n, m])
        },
        |a, b| min(-a, -b),
    );
    check_strict(
        2,
        |g, x, y| {
            let n = g.neg(x).unwrap();
            let m = g.neg(y).unwrap();
            ap(g, Op::Max, &[n, m])
        },
        |a, b| max(-a, -b),
    );
    check_strict(0, |g, x, _| ap(g, Op::Lt, &[x, x]), |a, _| truth(a < a));
    check_strict(0, |g, x, _| ap(g, Op::Gt, &[x, x]), |a, _| truth(a > a));
    type Compare = fn(f64, f64) -> bool;
    let comparisons: [(Op, Compare); 6] = [
        (Op::Lt, |a, b| a < b),
        (Op::Le, |a, b| a <= b),
        (Op::Gt, |a, b| a > b),
        (Op::Ge, |a, b| a >= b),
        (Op::Eq, |a, b| a == b),
        (Op::Ne, |a, b| a != b),
    ];
    for (op, cmp) in comparisons {
        check_strict(
            1,
            |g, x, y| {
                let n = g.neg(x).unwrap();
                let m = g.neg(y).unwrap();
                ap(g, op, &[n, m])
            },
            |a, b| truth(cmp(-a, -b)),
        );
    }
}

#[test]
fn strict_select_rewrites_are_bit_exact() {
    let sel = crate::op::select;
    check_strict(0, |g, x, y| ap(g, Op::Select, &[y, x, x]), |a, _| a);
    check_strict(
        1,
        |g, x, y| {
            let n = g.neg(y).unwrap();
            let c = k(g, 3.0);
            ap(g, Op::Select, &[n, x, c])
        },
        |a, b| sel(-b, a, 3.0),
    );
    check_strict(
        1,
        |g, x, y| {
            let n = ap(g, Op::Abs, &[y]);
            let c = k(g, 3.0);
            ap(g, Op::Select, &[n, x, c])
        },
        |a, b| sel(b.abs(), a, 3.0),
    );
    for z in [0.0, -0.0] {
        check_strict(
            1,
            |g, x, y| {
                let zero = k(g, z);
                let n = ap(g, Op::Ne, &[y, zero]);
                let c = k(g, 3.0);
                ap(g, Op::Select, &[n, x, c])
            },
            |a, b| sel(truth(b != z), a, 3.0),
        );
        check_strict(
            1,
            |g, x, y| {
                let zero = k(g, z);
                let n = ap(g, Op::Eq, &[zero, y]);
                let c = k(g, 3.0);
                ap(g, Op::Select, &[n, x, c])
            },
            |a, b| sel(truth(z == b), a, 3.0),
        );
    }
    check_strict(
        1,
        |g, x, y| {
            let c2 = k(g, 2.0);
            let c3 = k(g, 3.0);
            let s = ap(g, Op::Select, &[y, x, c2]);
            ap(g, Op::Select, &[y, s, c3])
        },
        |a, b| sel(b, sel(b, a, 2.0), 3.0),
    );
    check_strict(
        1,
        |g, x, y| {
            let c2 = k(g, 2.0);
            let c3 = k(g, 3.0);
            let s = ap(g, Op::Select, &[y, c3, x]);
            ap(g, Op::Select, &[y, c2, s])
        },
        |a, b| sel(b, 2.0, sel(b, 3.0, a)),
    );
    check_strict(
        1,
        |g, x, y| {
            let one = k(g, 1.0);
            let zero = k(g, 0.0);
            let c = ap(g, Op::Lt, &[x, y]);
            ap(g, Op::Select, &[c, one, zero])
        },
        |a, b| sel(truth(a < b), 1.0, 0.0),
    );
    for (op, cmp) in [
        (Op::Eq, (|a, b| a == b) as fn(f64, f64) -> bool),
        (Op::Ne, |a, b| a != b),
    ] {
        check_strict(
            1,
            |g, x, y| {
                let one = k(g, 1.0);
                let zero = k(g, 0.0);
                let c = ap(g, op, &[x, y]);
                ap(g, Op::Select, &[c, zero, one])
            },
            |a, b| sel(truth(cmp(a, b)), 0.0, 1.0),
        );
    }
}

#[test]
fn strict_keeps_what_is_not_exact() {
    let mut g = Graph::new();
    let x = g.input("x").unwrap();
    let y = g.input("y").unwrap();
    let zero = k(&mut g, 0.0);
    let m = g.mul(x, zero).unwrap();
    assert_eq!(g.node(m).op(), Op::Mul);
    let a = g.add(x, zero).unwrap();
    assert_eq!(g.node(a).op(), Op::Add);
    let s = g.sub(x, x).unwrap();
    assert_eq!(g.node(s).op(), Op::Sub);
    let three = k(&mut g, 3.0);
    let d = g.div(x, three).unwrap();
    assert_eq!(g.node(d).op(), Op::Div);
    let q = g.div(x, x).unwrap();
    assert_eq!(g.node(q).op(), Op::Div, "inf / inf is NaN");
    // Scaling down may round twice.
    let half = k(&mut g, 0.5);
    let two = k(&mut g, 2.0);
    let h = g.mul(x, half).unwrap();
    let hh = g.mul(h, two).unwrap();
    assert_eq!(g.node(hh).op(), Op::Mul);
    assert!(g.node(hh).args().contains(&h));
    // -(x - y) is not y - x: -(0 - 0) = -0 but 0 - 0 = +0.
    let d = g.sub(x, y).unwrap();
    let n = g.neg(d).unwrap();
    assert_eq!(g.node(n).op(), Op::Neg);
    // x^3 squared multiplies differently from x^6.
    let p3 = g.powi(x, 3).unwrap();
    let p6 = g.powi(p3, 2).unwrap();
    assert_eq!(g.node(p6).arg(0), p3);
    // Four factors are not x^4: (x * (x * x)) * x rounds differently.
    let p4 = g.mul(p3, x).unwrap();
    assert_eq!(g.node(p4).op(), Op::Mul);
    let l = g.apply(Op::Log, &[x]).unwrap();
    let e = g.apply(Op::Exp, &[l]).unwrap();
    assert_eq!(g.node(e).op(), Op::Exp);
    let r = g.apply(Op::Sqrt, &[x]).unwrap();
    let ar = g.apply(Op::Abs, &[r]).unwrap();
    assert_eq!(g.node(ar).op(), Op::Abs, "sqrt(-0) is -0");
    let le = g.apply(Op::Le, &[x, x]).unwrap();
    assert_eq!(g.node(le).op(), Op::Le, "NaN <= NaN is false");
}

/// Every operator on operands of every operator (and on equal operands), in both
/// modes: wherever [`may_rewrite`] says no rule applies, [`rewrite`] finds none. The
/// operands are inputs, constants, every operator on those, and negations of
/// those, so the rules that look two levels down see what they look for.
#[test]
fn skipped_rewrites_never_apply() {
    for mode in [FloatMode::Strict, FloatMode::Fast] {
        let mut g = Graph::with_mode(mode);
        let (x, y, z) = (
            g.input("x").unwrap(),
            g.input("y").unwrap(),
            g.input("z").unwrap(),
        );
        let consts: Vec<NodeId> = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 3.0, f64::NAN]
            .iter()
            .map(|&c| k(&mut g, c))
            .collect();
        let (zero, two, minus_one) = (consts[0], consts[4], consts[3]);
        let mut pool = vec![x, y, z];
        pool.extend(&consts);
        let pairs = [
            (x, y),
            (y, x),
            (x, x),
            (x, two),
            (two, x),
            (x, zero),
            (zero, x),
            (x, minus_one),
        ];
        for &op in Op::ALL {
            match op.arity() {
                1 if op != Op::PowI => pool.push(ap(&mut g, op, &[x])),
                2 => pool.extend(pairs.iter().map(|&(a, b)| ap(&mut g, op, &[a, b]))),
                3 => {
                    pool.push(ap(&mut g, op, &[x, y, z]));
                    pool.push(ap(&mut g, op, &[y, two, zero]));
                    pool.push(ap(&mut g, op, &[x, zero, two]));
                }
                _ => {}
            }
        }
        for n in [2, 3, 4, -1, -2] {
            pool.push(g.powi(x, n).unwrap());
        }
        let level1 = pool.clone();
        for &a in &level1 {
            pool.push(g.neg(a).unwrap());
        }
        pool.sort();
        pool.dedup();
        let mut skipped = 0;
        let mut check = |g: &mut Graph, op: Op, args: &mut [NodeId]| {
            if args.iter().all(|&a| g.op(a) == Op::Const) {
                return;
            }
            if op.is_commutative() && g.goes_before(args[1], g.op(args[1]), args[0], g.op(args[0]))
            {
                args.swap(0, 1);
            }
            let seen = args.iter().fold(0, |s, &a| s | bit(g.op(a)));
            if !may_rewrite(mode, op, seen, args) {
                skipped += 1;
                let r = rewrite(g, op, args).unwrap();
                assert_eq!(
                    r,
                    None,
                    "{mode:?} {op:?} {:?}",
                    args.iter().map(|&a| *g.node(a)).collect::<Vec<_>>()
                );
            }
        };
        for &op in Op::ALL {
            match op.arity() {
                1 if op != Op::PowI => {
                    for &a in &pool {
                        check(&mut g, op, &mut [a]);
                    }
                }
                2 => {
                    for &a in &pool {
                        for &b in &pool {
                            check(&mut g, op, &mut [a, b]);
                        }
                    }
                }
                3 => {
                    let small: Vec<NodeId> = pool.iter().copied().step_by(5).collect();
                    for &c in &pool {
                        for &a in &small {
                            for &b in &small {
                                check(&mut g, op, &mut [c, a, b]);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        assert!(skipped > 10_000, "{mode:?}: only {skipped} skipped");
    }
}
