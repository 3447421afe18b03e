//! Tests of the local rewrites: every Strict rule at every pair of special values
//! (bit for bit against the unrewritten expression, and that the rule fired), the
//! rules Strict must not apply, and the Fast rules at ordinary points.
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

fn truth(b: bool) -> f64 {
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

fn k(g: &mut Graph, c: f64) -> NodeId {
    g.constant(c).unwrap()
}

fn ap(g: &mut Graph, op: Op, args: &[NodeId]) -> NodeId {
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

/// Builds `build(x, y)` in a Fast graph, checks that `ops` operations remain and
/// that the result is within `1e-12` relative of `reference` at ordinary points.
fn check_fast(
    ops: usize,
    build: impl Fn(&mut Graph, NodeId, NodeId) -> NodeId,
    reference: impl Fn(f64, f64) -> f64,
) {
    let mut g = Graph::with_mode(FloatMode::Fast);
    let x = g.input("x").unwrap();
    let y = g.input("y").unwrap();
    let out = build(&mut g, x, y);
    let f = Function::new(&g, vec![x, y], vec![("out".into(), out)]).unwrap();
    assert_eq!(f.op_count(&g), ops, "{}", crate::dump(&g, &f));
    for a in [0.75, 1.5, 2.25, 3.5, 0.3] {
        for b in [1.25, 0.6, 2.0, 4.5] {
            let got = evaluate(&g, &f, &[a, b]).unwrap()[0];
            let want = reference(a, b);
            assert!(
                (got - want).abs() <= 1e-12 * want.abs().max(1e-300),
                "{}at ({a}, {b}): {got} vs {want}",
                crate::dump(&g, &f)
            );
        }
    }
}

#[test]
fn fast_applies_real_identities() {
    check_fast(
        0,
        |g, x, _| {
            let z = k(g, 0.0);
            g.mul(x, z).unwrap()
        },
        |a, _| a * 0.0,
    );
    check_fast(
        0,
        |g, x, _| {
            let z = k(g, 0.0);
            g.add(x, z).unwrap()
        },
        |a, _| a + 0.0,
    );
    check_fast(0, |g, x, _| g.sub(x, x).unwrap(), |a, _| a - a);
    check_fast(0, |g, x, _| g.div(x, x).unwrap(), |a, _| a / a);
    check_fast(
        0,
        |g, x, _| {
            let z = k(g, 0.0);
            g.div(z, x).unwrap()
        },
        |a, _| 0.0 / a,
    );
    check_fast(
        0,
        |g, x, _| {
            let l = ap(g, Op::Log, &[x]);
            ap(g, Op::Exp, &[l])
        },
        |a, _| a.ln().exp(),
    );
    check_fast(
        0,
        |g, x, _| {
            let l = ap(g, Op::Exp, &[x]);
            ap(g, Op::Log, &[l])
        },
        |a, _| a.exp().ln(),
    );
    check_fast(
        1,
        |g, x, y| {
            let d = g.sub(x, y).unwrap();
            g.neg(d).unwrap()
        },
        |a, b| -(a - b),
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 2.0);
            let s = g.add(x, c).unwrap();
            let c3 = k(g, 3.0);
            g.add(s, c3).unwrap()
        },
        |a, _| (a + 2.0) + 3.0,
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 2.0);
            let s = g.sub(c, x).unwrap();
            let c3 = k(g, 3.0);
            g.add(s, c3).unwrap()
        },
        |a, _| (2.0 - a) + 3.0,
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 2.0);
            let s = g.sub(x, c).unwrap();
            let c3 = k(g, 3.0);
            g.sub(s, c3).unwrap()
        },
        |a, _| (a - 2.0) - 3.0,
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 2.0);
            let s = g.add(x, c).unwrap();
            let c3 = k(g, 3.0);
            g.sub(c3, s).unwrap()
        },
        |a, _| 3.0 - (a + 2.0),
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 2.0);
            let s = g.sub(c, x).unwrap();
            let c3 = k(g, 3.0);
            g.sub(c3, s).unwrap()
        },
        |a, _| 3.0 - (2.0 - a),
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 0.1);
            let s = g.mul(x, c).unwrap();
            let c3 = k(g, 3.0);
            g.mul(s, c3).unwrap()
        },
        |a, _| (a * 0.1) * 3.0,
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 3.0);
            g.div(x, c).unwrap()
        },
        |a, _| a / 3.0,
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 3.0);
            let d = g.div(c, x).unwrap();
            let c5 = k(g, 5.0);
            g.mul(d, c5).unwrap()
        },
        |a, _| (3.0 / a) * 5.0,
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 3.0);
            let d = g.mul(x, c).unwrap();
            let c5 = k(g, 5.0);
            g.div(c5, d).unwrap()
        },
        |a, _| 5.0 / (a * 3.0),
    );
    // Like terms.
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 3.0);
            let m = g.mul(x, c).unwrap();
            g.add(m, x).unwrap()
        },
        |a, _| a * 3.0 + a,
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 3.0);
            let m = g.mul(x, c).unwrap();
            let c2 = k(g, 0.5);
            let n = g.mul(x, c2).unwrap();
            g.sub(m, n).unwrap()
        },
        |a, _| a * 3.0 - a * 0.5,
    );
    check_fast(
        1,
        |g, x, _| {
            let c = k(g, 3.0);
            let m = g.mul(x, c).unwrap();
            g.sub(x, m).unwrap()
        },
        |a, _| a - a * 3.0,
    );
    check_fast(
        0,
        |g, x, y| {
            let s = g.add(x, y).unwrap();
            g.sub(s, y).unwrap()
        },
        |a, b| (a + b) - b,
    );
    check_fast(
        0,
        |g, x, y| {
            let s = g.add(x, y).unwrap();
            g.sub(s, x).unwrap()
        },
        |a, b| (a + b) - a,
    );
    check_fast(
        0,
        |g, x, y| {
            let s = g.sub(x, y).unwrap();
            g.add(s, y).unwrap()
        },
        |a, b| (a - b) + b,
    );
    check_fast(
        0,
        |g, x, y| {
            let s = g.sub(x, y).unwrap();
            g.sub(x, s).unwrap()
        },
        |a, b| a - (a - b),
    );
    check_fast(
        0,
        |g, x, y| {
            let s = g.div(x, y).unwrap();
            g.mul(s, y).unwrap()
        },
        |a, b| (a / b) * b,
    );
    check_fast(
        0,
        |g, x, y| {
            let s = g.mul(x, y).unwrap();
            g.div(s, y).unwrap()
        },
        |a, b| (a * b) / b,
    );
    // Powers.
    check_fast(
        1,
        |g, x, _| {
            let p = g.powi(x, 3).unwrap();
            g.mul(p, x).unwrap()
        },
        |a, _| powi(a, 3) * a,
    );
    check_fast(
        1,
        |g, x, _| {
            let p = g.powi(x, 3).unwrap();
            let q = g.powi(x, -5).unwrap();
            g.mul(p, q).unwrap()
        },
        |a, _| powi(a, 3) * powi(a, -5),
    );
    check_fast(
        1,
        |g, x, _| {
            let p = g.powi(x, 3).unwrap();
            g.div(x, p).unwrap()
        },
        |a, _| a / powi(a, 3),
    );
    check_fast(
        1,
        |g, x, _| {
            let p = g.powi(x, 3).unwrap();
            g.powi(p, 3).unwrap()
        },
        |a, _| powi(powi(a, 3), 3),
    );
    check_fast(
        0,
        |g, x, _| {
            let r = ap(g, Op::Sqrt, &[x]);
            g.powi(r, 2).unwrap()
        },
        |a, _| powi(a.sqrt(), 2),
    );
    check_fast(
        1,
        |g, x, _| {
            let p = g.powi(x, 2).unwrap();
            ap(g, Op::Sqrt, &[p])
        },
        |a, _| powi(a, 2).sqrt(),
    );
    check_fast(
        2,
        |g, x, y| {
            let p = ap(g, Op::Exp, &[x]);
            let q = ap(g, Op::Exp, &[y]);
            g.mul(p, q).unwrap()
        },
        |a, b| a.exp() * b.exp(),
    );
    check_fast(
        2,
        |g, x, y| {
            let p = ap(g, Op::Exp, &[x]);
            let q = ap(g, Op::Exp, &[y]);
            g.div(p, q).unwrap()
        },
        |a, b| a.exp() / b.exp(),
    );
    check_fast(0, |g, x, _| ap(g, Op::Le, &[x, x]), |a, _| truth(a <= a));
    check_fast(0, |g, x, _| ap(g, Op::Ne, &[x, x]), |a, _| truth(a != a));
}
