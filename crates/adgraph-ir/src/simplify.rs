//! Local rewrites the smart constructors apply to every node they build.
//!
//! Called by [`Graph::apply`] and [`Graph::powi`] after constant folding and operand
//! ordering: each rule looks at one new node and its operands (one or two levels
//! down), and returns an equivalent node built from simpler parts. `apply` first asks
//! [`may_rewrite`] whether any operand has an operator a rule of the node's operator
//! looks for, from the op bytes it has already read, and most nodes skip the rules. `Strict` rules
//! leave every output bit-identical for every input (NaN, infinities, signed zeros and
//! subnormals included; only the sign or payload of a NaN may differ); `Fast` rules
//! hold in real arithmetic only. Each rule strips at least one operator from a pattern
//! of bounded size, so rewriting terminates and its recursion depth is a small
//! constant, whatever the size of the graph.

use crate::{FloatMode, Graph, GraphError, NodeId, Op};

type Rewrite = Result<Option<NodeId>, GraphError>;

fn is_const(g: &Graph, id: NodeId, x: f64) -> bool {
    g.constant_value(id)
        .is_some_and(|v| v.to_bits() == x.to_bits())
}

fn is_zero(g: &Graph, id: NodeId) -> bool {
    g.constant_value(id).is_some_and(|v| v == 0.0)
}

fn const_of(g: &Graph, id: NodeId) -> Option<f64> {
    g.constant_value(id)
}

/// The operand of `id` if `id` is `op(a)`. Like every pattern here, it asks the
/// graph's op array first and reads the node only if the operator matches.
fn unary(g: &Graph, id: NodeId, op: Op) -> Option<NodeId> {
    (g.op(id) == op).then(|| g.node(id).arg(0))
}

/// The operand of `id` if `id` is `-a`.
fn negated(g: &Graph, id: NodeId) -> Option<NodeId> {
    unary(g, id, Op::Neg)
}

/// The operands of `id` if `id` is `op(a, b)`.
fn binary(g: &Graph, id: NodeId, op: Op) -> Option<(NodeId, NodeId)> {
    (g.op(id) == op).then(|| {
        let n = g.node(id);
        (n.arg(0), n.arg(1))
    })
}

/// `(x, c)` if `id` is `x * c` with `c` a constant.
fn times_constant(g: &Graph, id: NodeId) -> Option<(NodeId, f64)> {
    let (a, b) = binary(g, id, Op::Mul)?;
    match (const_of(g, a), const_of(g, b)) {
        (_, Some(c)) => Some((a, c)),
        (Some(c), _) => Some((b, c)),
        _ => None,
    }
}

/// `id` read as `coefficient * term` (Fast like terms): `x * c`, `-x`, else `1 * id`.
fn scaled(g: &Graph, id: NodeId) -> (NodeId, f64) {
    if let Some(tc) = times_constant(g, id) {
        return tc;
    }
    match negated(g, id) {
        Some(a) => (a, -1.0),
        None => (id, 1.0),
    }
}

/// `id` read as `base ^ exponent` (Fast power merging): `x ^ n`, else `id ^ 1`.
fn power(g: &Graph, id: NodeId) -> (NodeId, i32) {
    if g.op(id) == Op::PowI {
        let n = g.node(id);
        (n.arg(0), n.exponent())
    } else {
        (id, 1)
    }
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

/// Whether `c` is `±2^k` with `k >= 0`: multiplying by it is exact until it overflows,
/// and an overflow gives the same infinity however the factors are grouped.
fn scales_up_exactly(c: f64) -> bool {
    c.is_normal() && c.abs() >= 1.0 && c.to_bits() & ((1u64 << 52) - 1) == 0
}

/// A positive power of two that fits an `i32` exponent.
fn is_power_of_two(n: i32) -> bool {
    n > 0 && n & (n - 1) == 0
}

/// Whether the node is always `+0`, `1` or non-negative with a clear sign bit (or
/// NaN), so `abs` of it changes nothing but a NaN's sign.
fn sign_is_clear(g: &Graph, id: NodeId) -> bool {
    match g.op(id) {
        Op::Exp | Op::Sigmoid | Op::Abs => true,
        Op::PowI => g.node(id).exponent() % 2 == 0,
        op => op.is_comparison(),
    }
}

/// In a [`triggers`] mask: a rule of the operator compares two of its operands (the
/// last two: `a` and `b` of a binary operator, the branches of a select).
const EQUAL: u32 = 1 << 31;

/// The bit of operator `op` in a [`triggers`] mask (every operator is below 31).
#[inline]
pub(crate) const fn bit(op: Op) -> u32 {
    1 << op as u32
}

/// What may make a rule of [`rewrite`] apply to `op(args)` in `fast` mode or not: the
/// bits of the operators some operand must have, and [`EQUAL`] if a rule applies
/// when the last two operands are one node. Where no operand has one of those
/// operators (and the last two differ, or [`EQUAL`] is clear), every rule of `op`
/// declines without building anything, so [`Graph::apply`] skips [`rewrite`] after
/// looking at the operators it has already read for folding and ordering. Each mask
/// is read off the rules below (an operand's operator is the first thing each rule
/// tests; a rule on an operand's operands first tests the operand's operator); the
/// test `skipped_rewrites_never_apply` tries every operator on operands of every
/// operator, in both modes.
const fn triggers(op: Op, fast: bool) -> u32 {
    let (c, neg, mul, div, sub, add) = (
        bit(Op::Const),
        bit(Op::Neg),
        bit(Op::Mul),
        bit(Op::Div),
        bit(Op::Sub),
        bit(Op::Add),
    );
    let (powi, exp, log, abs) = (bit(Op::PowI), bit(Op::Exp), bit(Op::Log), bit(Op::Abs));
    let comparisons =
        bit(Op::Lt) | bit(Op::Le) | bit(Op::Gt) | bit(Op::Ge) | bit(Op::Eq) | bit(Op::Ne);
    match op {
        Op::Neg => neg | mul | div | sub,
        Op::Add if fast => c | neg | mul | sub | EQUAL,
        Op::Add => c | neg | mul | EQUAL,
        Op::Sub if fast => c | neg | mul | add | sub | EQUAL,
        Op::Sub => c | neg,
        Op::Mul if fast => c | neg | powi | div | exp,
        Op::Mul => c | neg | powi,
        Op::Div if fast => c | neg | mul | exp | powi | EQUAL,
        Op::Div => c | neg,
        Op::Abs => neg | exp | bit(Op::Sigmoid) | abs | powi | comparisons,
        Op::Exp if fast => log,
        Op::Log if fast => exp,
        Op::Sqrt if fast => powi,
        Op::Min | Op::Max => neg | EQUAL,
        Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne => neg | EQUAL,
        Op::Select => c | neg | abs | bit(Op::Ne) | bit(Op::Eq) | bit(Op::Select) | EQUAL,
        _ => 0,
    }
}

/// [`triggers`] of every operator, indexed by `[fast as usize][op as usize]`.
const TRIGGERS: [[u32; Op::ALL.len()]; 2] = {
    let mut t = [[0; Op::ALL.len()]; 2];
    let mut i = 0;
    while i < Op::ALL.len() {
        t[0][i] = triggers(Op::ALL[i], false);
        t[1][i] = triggers(Op::ALL[i], true);
        i += 1;
    }
    t
};

/// Whether some rule of [`rewrite`] may apply to `op(args)` in `mode`, where `seen`
/// has the [`bit`] of every operand's operator. `false` means [`rewrite`] would
/// return `None`; `true` only that it must be asked.
#[inline]
pub(crate) fn may_rewrite(mode: FloatMode, op: Op, seen: u32, args: &[NodeId]) -> bool {
    let mask = TRIGGERS[(mode == FloatMode::Fast) as usize][op as usize];
    let n = args.len();
    seen & mask != 0 || (mask & EQUAL != 0 && n >= 2 && args[n - 2] == args[n - 1])
}

/// Rewrites `op(args)`, or returns `None` to build it as it is. `args` are already
/// ordered if `op` is commutative, and not all constant.
pub(crate) fn rewrite(g: &mut Graph, op: Op, args: &[NodeId]) -> Rewrite {
    let fast = g.mode() == FloatMode::Fast;
    match op {
        Op::Neg => negation(g, args[0], fast),
        Op::Add => addition(g, args[0], args[1], fast),
        Op::Sub => subtraction(g, args[0], args[1], fast),
        Op::Mul => multiplication(g, args[0], args[1], fast),
        Op::Div => division(g, args[0], args[1], fast),
        Op::Abs => {
            let a = args[0];
            if sign_is_clear(g, a) {
                return Ok(Some(a));
            }
            if let Some(x) = negated(g, a) {
                return g.apply(Op::Abs, &[x]).map(Some);
            }
            Ok(None)
        }
        Op::Exp if fast => {
            if let Some(x) = unary(g, args[0], Op::Log) {
                return Ok(Some(x));
            }
            Ok(None)
        }
        Op::Log if fast => {
            if let Some(x) = unary(g, args[0], Op::Exp) {
                return Ok(Some(x));
            }
            Ok(None)
        }
        Op::Sqrt if fast => {
            if let (x, 2) = power(g, args[0]) {
                return g.apply(Op::Abs, &[x]).map(Some);
            }
            Ok(None)
        }
        Op::Min | Op::Max => {
            let (a, b) = (args[0], args[1]);
            if a == b {
                return Ok(Some(a));
            }
            if let (Some(x), Some(y)) = (negated(g, a), negated(g, b)) {
                let other = if op == Op::Min { Op::Max } else { Op::Min };
                let m = g.apply(other, &[x, y])?;
                return g.neg(m).map(Some);
            }
            Ok(None)
        }
        op if op.is_comparison() => comparison(g, op, args[0], args[1], fast),
        Op::Select => selection(g, args[0], args[1], args[2]),
        _ => Ok(None),
    }
}

fn negation(g: &mut Graph, a: NodeId, fast: bool) -> Rewrite {
    let op = g.op(a);
    if !matches!(op, Op::Neg | Op::Mul | Op::Div | Op::Sub) {
        return Ok(None);
    }
    let n = *g.node(a);
    match op {
        Op::Neg => return Ok(Some(n.arg(0))),
        // -(x * c) = x * -c and -(x / c) = x / -c, -(c / x) = -c / x: rounding is
        // symmetric in sign, so these are exact.
        Op::Mul | Op::Div => {
            let (x, y) = (n.arg(0), n.arg(1));
            if let Some(c) = const_of(g, y) {
                let c = g.constant(-c)?;
                return g.apply(n.op(), &[x, c]).map(Some);
            }
            if let Some(c) = const_of(g, x) {
                let c = g.constant(-c)?;
                return g.apply(n.op(), &[c, y]).map(Some);
            }
        }
        Op::Sub if fast => return g.sub(n.arg(1), n.arg(0)).map(Some),
        _ => {}
    }
    Ok(None)
}

fn addition(g: &mut Graph, a: NodeId, b: NodeId, fast: bool) -> Rewrite {
    for (x, y) in [(a, b), (b, a)] {
        if is_const(g, y, -0.0) || (fast && is_const(g, y, 0.0)) {
            return Ok(Some(x));
        }
        if let Some(m) = negated(g, y) {
            return g.sub(x, m).map(Some);
        }
        // 2x + x = 3x: 2x is exact (or overflows, and then so does 3x), so both
        // round the same real number once.
        if times_constant(g, y) == Some((x, 2.0)) {
            let three = g.constant(3.0)?;
            return g.mul(x, three).map(Some);
        }
    }
    if a == b {
        let two = g.constant(2.0)?;
        return g.mul(two, a).map(Some);
    }
    if !fast {
        return Ok(None);
    }
    for (x, y) in [(a, b), (b, a)] {
        if let Some(c2) = const_of(g, y) {
            // (x + c1) + c2 = x + (c1 + c2); (c1 - x) + c2 = (c1 + c2) - x
            if let Some((p, q)) = binary(g, x, Op::Add) {
                if let Some(c1) = const_of(g, q).or(const_of(g, p)) {
                    let t = if const_of(g, q).is_some() { p } else { q };
                    let c = g.constant(c1 + c2)?;
                    return g.add(t, c).map(Some);
                }
            }
            if let Some((p, q)) = binary(g, x, Op::Sub) {
                if let Some(c1) = const_of(g, p) {
                    let c = g.constant(c1 + c2)?;
                    return g.sub(c, q).map(Some);
                }
            }
        }
        // (p - q) + q = p
        if let Some((p, q)) = binary(g, x, Op::Sub) {
            if q == y {
                return Ok(Some(p));
            }
        }
    }
    let ((ta, ca), (tb, cb)) = (scaled(g, a), scaled(g, b));
    if ta == tb {
        let c = g.constant(ca + cb)?;
        return g.mul(ta, c).map(Some);
    }
    Ok(None)
}

fn subtraction(g: &mut Graph, a: NodeId, b: NodeId, fast: bool) -> Rewrite {
    if is_const(g, b, 0.0) || (fast && is_const(g, b, -0.0)) {
        return Ok(Some(a));
    }
    if let Some(m) = negated(g, b) {
        return g.add(a, m).map(Some);
    }
    if is_const(g, a, -0.0) || (fast && is_const(g, a, 0.0)) {
        return g.neg(b).map(Some);
    }
    if !fast {
        return Ok(None);
    }
    if let Some(c) = const_of(g, b) {
        let c = g.constant(-c)?;
        return g.add(a, c).map(Some);
    }
    if let Some(c1) = const_of(g, a) {
        // c1 - (x + c2) = (c1 - c2) - x; c1 - (c2 - x) = x + (c1 - c2)
        if let Some((p, q)) = binary(g, b, Op::Add) {
            if let Some(c2) = const_of(g, q).or(const_of(g, p)) {
                let t = if const_of(g, q).is_some() { p } else { q };
                let c = g.constant(c1 - c2)?;
                return g.sub(c, t).map(Some);
            }
        }
        if let Some((p, q)) = binary(g, b, Op::Sub) {
            if let Some(c2) = const_of(g, p) {
                let c = g.constant(c1 - c2)?;
                return g.add(q, c).map(Some);
            }
        }
    }
    // (p + q) - q = p; p - (p - q) = q
    if let Some((p, q)) = binary(g, a, Op::Add) {
        if q == b {
            return Ok(Some(p));
        }
        if p == b {
            return Ok(Some(q));
        }
    }
    if let Some((p, q)) = binary(g, b, Op::Sub) {
        if p == a {
            return Ok(Some(q));
        }
    }
    let ((ta, ca), (tb, cb)) = (scaled(g, a), scaled(g, b));
    if ta == tb {
        let c = g.constant(ca - cb)?;
        return g.mul(ta, c).map(Some);
    }
    Ok(None)
}

fn multiplication(g: &mut Graph, a: NodeId, b: NodeId, fast: bool) -> Rewrite {
    for (x, y) in [(a, b), (b, a)] {
        if is_const(g, y, 1.0) {
            return Ok(Some(x));
        }
        if is_const(g, y, -1.0) {
            return g.neg(x).map(Some);
        }
        if fast && is_zero(g, y) {
            return g.constant(0.0).map(Some);
        }
    }
    match (negated(g, a), negated(g, b)) {
        (Some(x), Some(y)) => return g.mul(x, y).map(Some),
        (Some(x), None) | (None, Some(x)) => {
            let y = if negated(g, a).is_some() { b } else { a };
            // (-x) * c = x * -c; (-x) * y = -(x * y): the sign moves out exactly.
            if let Some(c) = const_of(g, y) {
                let c = g.constant(-c)?;
                return g.mul(x, c).map(Some);
            }
            let m = g.mul(x, y)?;
            return g.neg(m).map(Some);
        }
        (None, None) => {}
    }
    for (x, y) in [(a, b), (b, a)] {
        // x^2 * x = x^3: powi(x, 3) is computed as x * (x * x).
        if power(g, x) == (y, 2) {
            return g.powi(y, 3).map(Some);
        }
        if let (Some(c2), Some((t, c1))) = (const_of(g, y), times_constant(g, x)) {
            // (t * c1) * c2 = t * (c1 * c2) when both scale up by powers of two.
            if fast || (scales_up_exactly(c1) && scales_up_exactly(c2) && (c1 * c2).is_finite()) {
                let c = g.constant(c1 * c2)?;
                return g.mul(t, c).map(Some);
            }
        }
    }
    if !fast {
        return Ok(None);
    }
    for (x, y) in [(a, b), (b, a)] {
        if let Some(c2) = const_of(g, y) {
            // (c1 / t) * c2 = (c1 * c2) / t
            if let Some((p, q)) = binary(g, x, Op::Div) {
                if let Some(c1) = const_of(g, p) {
                    let c = g.constant(c1 * c2)?;
                    return g.div(c, q).map(Some);
                }
            }
        }
        // (p / q) * q = p
        if let Some((p, q)) = binary(g, x, Op::Div) {
            if q == y {
                return Ok(Some(p));
            }
        }
        // exp(p) * exp(q) = exp(p + q)
        if let (Some(p), Some(q)) = (unary(g, x, Op::Exp), unary(g, y, Op::Exp)) {
            let s = g.add(p, q)?;
            return g.apply(Op::Exp, &[s]).map(Some);
        }
    }
    // x^m * x^n = x^(m + n), where one side is a power (`x * x` stays: a multiply is
    // cheaper than a power).
    let ((ba, na), (bb, nb)) = (power(g, a), power(g, b));
    if ba == bb && (na, nb) != (1, 1) {
        if let Some(n) = na.checked_add(nb) {
            return g.powi(ba, n).map(Some);
        }
    }
    Ok(None)
}

fn division(g: &mut Graph, a: NodeId, b: NodeId, fast: bool) -> Rewrite {
    if is_const(g, b, 1.0) {
        return Ok(Some(a));
    }
    if is_const(g, b, -1.0) {
        return g.neg(a).map(Some);
    }
    // Signs move out of a quotient exactly.
    match (negated(g, a), negated(g, b)) {
        (Some(x), Some(y)) => return g.div(x, y).map(Some),
        (Some(x), None) => {
            if let Some(c) = const_of(g, b) {
                let c = g.constant(-c)?;
                return g.div(x, c).map(Some);
            }
            let q = g.div(x, b)?;
            return g.neg(q).map(Some);
        }
        (None, Some(y)) => {
            if let Some(c) = const_of(g, a) {
                let c = g.constant(-c)?;
                return g.div(c, y).map(Some);
            }
            let q = g.div(a, y)?;
            return g.neg(q).map(Some);
        }
        (None, None) => {}
    }
    if let Some(r) = const_of(g, b).and_then(exact_reciprocal) {
        let r = g.constant(r)?;
        return g.mul(a, r).map(Some);
    }
    if !fast {
        return Ok(None);
    }
    if a == b {
        return g.constant(1.0).map(Some);
    }
    if is_zero(g, a) {
        return g.constant(0.0).map(Some);
    }
    if let Some(c) = const_of(g, b) {
        if c.is_finite() && c != 0.0 {
            let r = g.constant(1.0 / c)?;
            return g.mul(a, r).map(Some);
        }
    }
    if let Some(c1) = const_of(g, a) {
        // c1 / (t * c2) = (c1 / c2) / t
        if let Some((t, c2)) = times_constant(g, b) {
            let c = g.constant(c1 / c2)?;
            return g.div(c, t).map(Some);
        }
    }
    // (p * q) / q = p
    if let Some((p, q)) = binary(g, a, Op::Mul) {
        if q == b {
            return Ok(Some(p));
        }
        if p == b {
            return Ok(Some(q));
        }
    }
    // exp(p) / exp(q) = exp(p - q)
    if let (Some(p), Some(q)) = (unary(g, a, Op::Exp), unary(g, b, Op::Exp)) {
        let d = g.sub(p, q)?;
        return g.apply(Op::Exp, &[d]).map(Some);
    }
    let ((ba, na), (bb, nb)) = (power(g, a), power(g, b));
    if ba == bb {
        if let Some(n) = na.checked_sub(nb) {
            return g.powi(ba, n).map(Some);
        }
    }
    Ok(None)
}

fn comparison(g: &mut Graph, op: Op, a: NodeId, b: NodeId, fast: bool) -> Rewrite {
    if a == b {
        return match op {
            Op::Lt | Op::Gt => g.constant(0.0).map(Some),
            Op::Le | Op::Ge | Op::Eq if fast => g.constant(1.0).map(Some),
            Op::Ne if fast => g.constant(0.0).map(Some),
            _ => Ok(None),
        };
    }
    // -x < -y iff y < x (both false where a NaN is involved).
    if let (Some(x), Some(y)) = (negated(g, a), negated(g, b)) {
        return match op {
            Op::Eq | Op::Ne => g.apply(op, &[x, y]).map(Some),
            _ => g.apply(op, &[y, x]).map(Some),
        };
    }
    Ok(None)
}

fn selection(g: &mut Graph, c: NodeId, a: NodeId, b: NodeId) -> Rewrite {
    if a == b {
        return Ok(Some(a));
    }
    if let Some(cv) = const_of(g, c) {
        return Ok(Some(if cv != 0.0 { a } else { b }));
    }
    // The condition's zeroness is all that matters: -c, abs(c) and c != 0 have it.
    let op = g.op(c);
    match op {
        Op::Neg | Op::Abs => {
            let x = g.node(c).arg(0);
            return g.apply(Op::Select, &[x, a, b]).map(Some);
        }
        Op::Ne | Op::Eq => {
            let n = g.node(c);
            let (p, q) = (n.arg(0), n.arg(1));
            let x = if is_zero(g, q) {
                Some(p)
            } else if is_zero(g, p) {
                Some(q)
            } else {
                None
            };
            if let Some(x) = x {
                let (a, b) = if op == Op::Ne { (a, b) } else { (b, a) };
                return g.apply(Op::Select, &[x, a, b]).map(Some);
            }
        }
        _ => {}
    }
    // A nested select on the same condition takes the same branch.
    if let Some(s) = select_on(g, a, c) {
        return g.apply(Op::Select, &[c, s.0, b]).map(Some);
    }
    if let Some(s) = select_on(g, b, c) {
        return g.apply(Op::Select, &[c, a, s.1]).map(Some);
    }
    if op.is_comparison() {
        if is_const(g, a, 1.0) && is_const(g, b, 0.0) {
            return Ok(Some(c));
        }
        if is_const(g, a, 0.0) && is_const(g, b, 1.0) && matches!(op, Op::Eq | Op::Ne) {
            let n = g.node(c);
            let (p, q) = (n.arg(0), n.arg(1));
            let other = if op == Op::Eq { Op::Ne } else { Op::Eq };
            return g.apply(other, &[p, q]).map(Some);
        }
    }
    Ok(None)
}

/// The branches of `id` if it is `select(c, a, b)` on the condition `c`.
fn select_on(g: &Graph, id: NodeId, c: NodeId) -> Option<(NodeId, NodeId)> {
    if g.op(id) != Op::Select {
        return None;
    }
    let n = g.node(id);
    (n.arg(0) == c).then(|| (n.arg(1), n.arg(2)))
}

/// Rewrites `a ^ n` (integer power), or returns `None` to build it as it is.
pub(crate) fn rewrite_powi(g: &mut Graph, a: NodeId, n: i32) -> Rewrite {
    match n {
        0 => return g.constant(1.0).map(Some),
        1 => return Ok(Some(a)),
        _ => {}
    }
    let fast = g.mode() == FloatMode::Fast;
    let op = g.op(a);
    if !matches!(op, Op::Neg | Op::Abs | Op::PowI | Op::Sqrt) {
        return Ok(None);
    }
    let node = *g.node(a);
    match op {
        // Binary powering multiplies magnitudes the same way for x and -x; an even
        // power starts from the square, so its sign is clear.
        Op::Neg if n % 2 == 0 => return g.powi(node.arg(0), n).map(Some),
        Op::Neg => {
            let p = g.powi(node.arg(0), n)?;
            return g.neg(p).map(Some);
        }
        Op::Abs if n % 2 == 0 => return g.powi(node.arg(0), n).map(Some),
        // (x^(2^i))^(±2^j) repeats squarings: the same multiplications as x^(±2^(i+j)).
        Op::PowI => {
            let m = node.exponent();
            let exact = is_power_of_two(m) && n != i32::MIN && is_power_of_two(n.abs());
            if exact || fast {
                if let Some(k) = m.checked_mul(n) {
                    return g.powi(node.arg(0), k).map(Some);
                }
            }
        }
        Op::Sqrt if fast && n == 2 => return Ok(Some(node.arg(0))),
        _ => {}
    }
    Ok(None)
}

#[cfg(test)]
mod fast_tests;
#[cfg(test)]
mod tests;
