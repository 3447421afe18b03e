//! Local rewrites the smart constructors apply to every node they build.
//!
//! Called by [`Graph::apply`] after constant folding and operand ordering: each rule
//! looks at one new node and its operands, and returns an equivalent node built from
//! simpler parts. `Strict` rules leave every output bit-identical for every input
//! (NaN, infinities, signed zeros and subnormals included); `Fast` rules hold in real
//! arithmetic only. Each rule strips at least one operator, so rewriting terminates.

use crate::{FloatMode, Graph, GraphError, NodeId, Op};

type Rewrite = Result<Option<NodeId>, GraphError>;

fn is_const(g: &Graph, id: NodeId, x: f64) -> bool {
    g.constant_value(id)
        .is_some_and(|v| v.to_bits() == x.to_bits())
}

fn const_of(g: &Graph, id: NodeId) -> Option<f64> {
    g.constant_value(id)
}

/// The operand of `id` if `id` is `-a`.
fn negated(g: &Graph, id: NodeId) -> Option<NodeId> {
    let n = g.node(id);
    (n.op() == Op::Neg).then(|| n.arg(0))
}

/// Whether `1 / c` is exact: `c` a power of two whose reciprocal is a normal number.
fn exact_reciprocal(c: f64) -> Option<f64> {
    if !c.is_normal() {
        return None;
    }
    let bits = c.to_bits();
    let mantissa = bits & ((1u64 << 52) - 1);
    let r = 1.0 / c;
    (mantissa == 0 && r.is_normal()).then_some(r)
}

/// Rewrites `op(args)`, or returns `None` to build it as it is. `args` are already
/// ordered if `op` is commutative, and not all constant.
pub(crate) fn rewrite(g: &mut Graph, op: Op, args: &[NodeId]) -> Rewrite {
    let fast = g.mode() == FloatMode::Fast;
    match op {
        Op::Neg => {
            if let Some(a) = negated(g, args[0]) {
                return Ok(Some(a));
            }
            if fast {
                let n = *g.node(args[0]);
                if n.op() == Op::Sub {
                    return g.sub(n.arg(1), n.arg(0)).map(Some);
                }
            }
        }
        Op::Add => {
            let (a, b) = (args[0], args[1]);
            for (x, y) in [(a, b), (b, a)] {
                if is_const(g, y, -0.0) || (fast && is_const(g, y, 0.0)) {
                    return Ok(Some(x));
                }
                if let Some(m) = negated(g, y) {
                    return g.sub(x, m).map(Some);
                }
            }
            if a == b {
                let two = g.constant(2.0)?;
                return g.mul(two, a).map(Some);
            }
        }
        Op::Sub => {
            let (a, b) = (args[0], args[1]);
            if is_const(g, b, 0.0) || (fast && is_const(g, b, -0.0)) {
                return Ok(Some(a));
            }
            if let Some(m) = negated(g, b) {
                return g.add(a, m).map(Some);
            }
            if is_const(g, a, -0.0) || (fast && is_const(g, a, 0.0)) {
                return g.neg(b).map(Some);
            }
            if fast && a == b {
                return g.constant(0.0).map(Some);
            }
        }
        Op::Mul => {
            let (a, b) = (args[0], args[1]);
            for (x, y) in [(a, b), (b, a)] {
                if is_const(g, y, 1.0) {
                    return Ok(Some(x));
                }
                if is_const(g, y, -1.0) {
                    return g.neg(x).map(Some);
                }
                if fast && (is_const(g, y, 0.0) || is_const(g, y, -0.0)) {
                    return g.constant(0.0).map(Some);
                }
            }
            if let (Some(x), Some(y)) = (negated(g, a), negated(g, b)) {
                return g.mul(x, y).map(Some);
            }
        }
        Op::Div => {
            let (a, b) = (args[0], args[1]);
            if is_const(g, b, 1.0) {
                return Ok(Some(a));
            }
            if is_const(g, b, -1.0) {
                return g.neg(a).map(Some);
            }
            if let Some(r) = const_of(g, b).and_then(exact_reciprocal) {
                let r = g.constant(r)?;
                return g.mul(a, r).map(Some);
            }
            if fast && a == b {
                return g.constant(1.0).map(Some);
            }
        }
        Op::Abs => {
            let n = *g.node(args[0]);
            if n.op() == Op::Abs {
                return Ok(Some(args[0]));
            }
            if n.op() == Op::Neg {
                return g.apply(Op::Abs, &[n.arg(0)]).map(Some);
            }
        }
        Op::Exp if fast => {
            let n = *g.node(args[0]);
            if n.op() == Op::Log {
                return Ok(Some(n.arg(0)));
            }
        }
        Op::Log if fast => {
            let n = *g.node(args[0]);
            if n.op() == Op::Exp {
                return Ok(Some(n.arg(0)));
            }
        }
        Op::Min | Op::Max if args[0] == args[1] => return Ok(Some(args[0])),
        Op::Lt | Op::Gt if args[0] == args[1] => return g.constant(0.0).map(Some),
        Op::Le | Op::Ge | Op::Eq if fast && args[0] == args[1] => return g.constant(1.0).map(Some),
        Op::Ne if fast && args[0] == args[1] => return g.constant(0.0).map(Some),
        Op::Select => {
            let (c, a, b) = (args[0], args[1], args[2]);
            if a == b {
                return Ok(Some(a));
            }
            if let Some(cv) = const_of(g, c) {
                return Ok(Some(if cv != 0.0 { a } else { b }));
            }
        }
        _ => {}
    }
    Ok(None)
}

/// Rewrites `a ^ n` (integer power), or returns `None` to build it as it is.
pub(crate) fn rewrite_powi(g: &mut Graph, a: NodeId, n: i32) -> Rewrite {
    match n {
        0 => g.constant(1.0).map(Some),
        1 => Ok(Some(a)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{evaluate, Function};

    const SPECIALS: [f64; 12] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        2.5,
        -3.75,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        5e-324,
        -2.2250738585072014e-308,
        1.7976931348623157e308,
    ];

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    /// Builds `build(x, y)` with and without rewriting (a reference graph whose nodes
    /// are evaluated by the op table directly) and checks every special pair.
    fn check_strict(
        build: impl Fn(&mut Graph, NodeId, NodeId) -> NodeId,
        reference: impl Fn(f64, f64) -> f64,
    ) {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let y = g.input("y").unwrap();
        let out = build(&mut g, x, y);
        let f = Function::new(&g, vec![x, y], vec![("out".into(), out)]).unwrap();
        for &a in &SPECIALS {
            for &b in &SPECIALS {
                let got = evaluate(&g, &f, &[a, b]).unwrap()[0];
                let want = reference(a, b);
                assert!(same(got, want), "at ({a:e}, {b:e}): {got:e} vs {want:e}");
            }
        }
    }

    #[test]
    fn strict_rewrites_are_bit_exact() {
        check_strict(
            |g, x, _| {
                let c = g.constant(-0.0).unwrap();
                g.add(x, c).unwrap()
            },
            |a, _| a + -0.0,
        );
        check_strict(
            |g, x, _| {
                let c = g.constant(0.0).unwrap();
                g.sub(x, c).unwrap()
            },
            |a, _| a - 0.0,
        );
        check_strict(
            |g, x, _| {
                let c = g.constant(-0.0).unwrap();
                g.sub(c, x).unwrap()
            },
            |a, _| -0.0 - a,
        );
        check_strict(
            |g, x, _| {
                let c = g.constant(1.0).unwrap();
                g.mul(c, x).unwrap()
            },
            |a, _| a * 1.0,
        );
        check_strict(
            |g, x, _| {
                let c = g.constant(-1.0).unwrap();
                g.mul(x, c).unwrap()
            },
            |a, _| a * -1.0,
        );
        check_strict(
            |g, x, _| {
                let c = g.constant(1.0).unwrap();
                g.div(x, c).unwrap()
            },
            |a, _| a / 1.0,
        );
        check_strict(
            |g, x, _| {
                let c = g.constant(4.0).unwrap();
                g.div(x, c).unwrap()
            },
            |a, _| a / 4.0,
        );
        check_strict(
            |g, x, _| {
                let c = g.constant(-0.5).unwrap();
                g.div(x, c).unwrap()
            },
            |a, _| a / -0.5,
        );
        check_strict(
            |g, x, _| {
                let n = g.neg(x).unwrap();
                g.neg(n).unwrap()
            },
            |a, _| -(-a),
        );
        check_strict(
            |g, x, y| {
                let n = g.neg(y).unwrap();
                g.add(x, n).unwrap()
            },
            |a, b| a + -b,
        );
        check_strict(
            |g, x, y| {
                let n = g.neg(y).unwrap();
                g.sub(x, n).unwrap()
            },
            |a, b| a - -b,
        );
        check_strict(
            |g, x, y| {
                let n = g.neg(x).unwrap();
                let m = g.neg(y).unwrap();
                g.mul(n, m).unwrap()
            },
            |a, b| -a * -b,
        );
        check_strict(|g, x, _| g.add(x, x).unwrap(), |a, _| a + a);
        check_strict(
            |g, x, _| {
                let n = g.neg(x).unwrap();
                g.apply(Op::Abs, &[n]).unwrap()
            },
            |a, _| (-a).abs(),
        );
        check_strict(
            |g, x, _| {
                let n = g.apply(Op::Abs, &[x]).unwrap();
                g.apply(Op::Abs, &[n]).unwrap()
            },
            |a, _| a.abs().abs(),
        );
        check_strict(
            |g, x, _| g.apply(Op::Min, &[x, x]).unwrap(),
            |a, _| crate::op::min(a, a),
        );
        check_strict(
            |g, x, _| g.apply(Op::Max, &[x, x]).unwrap(),
            |a, _| crate::op::max(a, a),
        );
        check_strict(
            |g, x, _| g.apply(Op::Lt, &[x, x]).unwrap(),
            |a, _| if a < a { 1.0 } else { 0.0 },
        );
        check_strict(
            |g, x, _| g.apply(Op::Gt, &[x, x]).unwrap(),
            |a, _| if a > a { 1.0 } else { 0.0 },
        );
        check_strict(|g, x, y| g.apply(Op::Select, &[y, x, x]).unwrap(), |a, _| a);
        check_strict(|g, x, _| g.powi(x, 1).unwrap(), |a, _| a);
        check_strict(
            |g, x, _| g.powi(x, 0).unwrap(),
            |a, _| crate::op::powi(a, 0),
        );
    }

    #[test]
    fn strict_keeps_what_is_not_exact() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let zero = g.constant(0.0).unwrap();
        let m = g.mul(x, zero).unwrap();
        assert_eq!(g.node(m).op(), Op::Mul);
        let a = g.add(x, zero).unwrap();
        assert_eq!(g.node(a).op(), Op::Add);
        let s = g.sub(x, x).unwrap();
        assert_eq!(g.node(s).op(), Op::Sub);
        let three = g.constant(3.0).unwrap();
        let d = g.div(x, three).unwrap();
        assert_eq!(g.node(d).op(), Op::Div);
    }

    #[test]
    fn fast_applies_real_identities() {
        let mut g = Graph::with_mode(FloatMode::Fast);
        let x = g.input("x").unwrap();
        let zero = g.constant(0.0).unwrap();
        assert_eq!(g.mul(x, zero).unwrap(), zero);
        assert_eq!(g.add(x, zero).unwrap(), x);
        assert_eq!(g.sub(x, x).unwrap(), zero);
        let one = g.constant(1.0).unwrap();
        assert_eq!(g.div(x, x).unwrap(), one);
        let l = g.apply(Op::Log, &[x]).unwrap();
        assert_eq!(g.apply(Op::Exp, &[l]).unwrap(), x);
    }
}
