//! Tests of the Fast local rewrites: each identity of real arithmetic fires (the
//! operations left are counted) and agrees with the unrewritten expression within
//! 1e-12 relative at ordinary points.

use super::tests::{ap, k, truth};
use crate::op::powi;
use crate::{evaluate, FloatMode, Function, Graph, NodeId, Op};

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
