//! The one table of operators: name, arity, text form, evaluation and local derivative.
//!
//! Every other part of adgraph takes an operator's meaning from here: constant folding
//! and the reference evaluator call [`Op::eval`], the interpreters are checked against
//! it, and both the symbolic transforms and the numeric reference rules build
//! derivatives through [`derivative`], which is generic over a [`Calculus`] (plain
//! `f64` arithmetic, or node construction in a graph). So each op's semantics and its
//! derivative convention exist exactly once.

use std::convert::Infallible;

/// How an operator is written in `.adg` text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// A leaf (input or constant); it has no operator text.
    Leaf,
    /// Unary minus, `-a`.
    Prefix(&'static str),
    /// A binary operator between its operands, `a + b`.
    Infix(&'static str),
    /// A function call, `exp(a)`.
    Call(&'static str),
}

macro_rules! op_table {
    ($( $(#[$doc:meta])* $variant:ident = $arity:literal, $commutative:literal, $syntax:expr; )*) => {
        /// An operator of the IR: every operator and function of the `.adg` language.
        ///
        /// `Input` and `Const` are leaves; `PowI` carries its integer exponent in the
        /// node (see [`Node::exponent`](crate::Node::exponent)).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Op {
            $( $(#[$doc])* $variant, )*
        }

        impl Op {
            /// Every operator, in table order.
            pub const ALL: &'static [Op] = &[$(Op::$variant),*];

            /// Number of node operands (0 for leaves; `PowI` has 1).
            #[inline]
            pub const fn arity(self) -> usize {
                match self { $(Op::$variant => $arity,)* }
            }

            /// Whether the two operands may be swapped (hash-consing orders them).
            #[inline]
            pub const fn is_commutative(self) -> bool {
                match self { $(Op::$variant => $commutative,)* }
            }

            /// How the operator is written in `.adg` text.
            #[inline]
            pub const fn syntax(self) -> Syntax {
                match self { $(Op::$variant => $syntax,)* }
            }
        }
    };
}

op_table! {
    /// A named input of the graph (a leaf).
    Input = 0, false, Syntax::Leaf;
    /// A constant, keyed by its bits (a leaf).
    Const = 0, false, Syntax::Leaf;
    /// `-a`
    Neg = 1, false, Syntax::Prefix("-");
    /// `exp(a)`
    Exp = 1, false, Syntax::Call("exp");
    /// `log(a)`, the natural logarithm.
    Log = 1, false, Syntax::Call("log");
    /// `sqrt(a)`
    Sqrt = 1, false, Syntax::Call("sqrt");
    /// `sin(a)`
    Sin = 1, false, Syntax::Call("sin");
    /// `cos(a)`
    Cos = 1, false, Syntax::Call("cos");
    /// `tan(a)`
    Tan = 1, false, Syntax::Call("tan");
    /// `tanh(a)`
    Tanh = 1, false, Syntax::Call("tanh");
    /// `abs(a)`
    Abs = 1, false, Syntax::Call("abs");
    /// `sigmoid(a) = 1 / (1 + exp(-a))`
    Sigmoid = 1, false, Syntax::Call("sigmoid");
    /// `a ^ n` with an integer literal `n`: integer power, valid for negative `a`.
    PowI = 1, false, Syntax::Infix("^");
    /// `a + b`
    Add = 2, true, Syntax::Infix("+");
    /// `a - b`
    Sub = 2, false, Syntax::Infix("-");
    /// `a * b`
    Mul = 2, true, Syntax::Infix("*");
    /// `a / b`
    Div = 2, false, Syntax::Infix("/");
    /// `pow(a, b)`, real power (`a ^ b` with a non-literal exponent).
    Pow = 2, false, Syntax::Call("pow");
    /// `min(a, b)`, NaN-propagating; `-0 < +0`.
    Min = 2, true, Syntax::Call("min");
    /// `max(a, b)`, NaN-propagating; `-0 < +0`.
    Max = 2, true, Syntax::Call("max");
    /// `atan2(y, x)`
    Atan2 = 2, false, Syntax::Call("atan2");
    /// `a < b`: 1.0 or 0.0
    Lt = 2, false, Syntax::Infix("<");
    /// `a <= b`: 1.0 or 0.0
    Le = 2, false, Syntax::Infix("<=");
    /// `a > b`: 1.0 or 0.0
    Gt = 2, false, Syntax::Infix(">");
    /// `a >= b`: 1.0 or 0.0
    Ge = 2, false, Syntax::Infix(">=");
    /// `a == b`: 1.0 or 0.0
    Eq = 2, true, Syntax::Infix("==");
    /// `a != b`: 1.0 or 0.0
    Ne = 2, true, Syntax::Infix("!=");
    /// `select(c, a, b)`: `a` where `c != 0`, else `b`.
    Select = 3, false, Syntax::Call("select");
}

impl Op {
    /// The name of the operator: its function name, or its symbol for operators.
    pub fn name(self) -> &'static str {
        match self.syntax() {
            Syntax::Leaf => match self {
                Op::Input => "input",
                _ => "const",
            },
            Syntax::Call(s) | Syntax::Infix(s) => s,
            Syntax::Prefix(_) => "neg",
        }
    }

    /// The operator a call of function `name` with `arity` arguments denotes.
    ///
    /// ```
    /// use adgraph_ir::Op;
    /// assert_eq!(Op::function("atan2"), Some(Op::Atan2));
    /// assert_eq!(Op::function("neg"), Some(Op::Neg));
    /// assert_eq!(Op::function("frobnicate"), None);
    /// ```
    pub fn function(name: &str) -> Option<Op> {
        // A match, not a scan of the table: the parser asks this of names often. The
        // filter keeps the table the one source of truth (a name here that the table
        // does not spell the same way is no function).
        let op = match name {
            "neg" => return Some(Op::Neg),
            "exp" => Op::Exp,
            "log" => Op::Log,
            "sqrt" => Op::Sqrt,
            "sin" => Op::Sin,
            "cos" => Op::Cos,
            "tan" => Op::Tan,
            "tanh" => Op::Tanh,
            "abs" => Op::Abs,
            "sigmoid" => Op::Sigmoid,
            "pow" => Op::Pow,
            "min" => Op::Min,
            "max" => Op::Max,
            "atan2" => Op::Atan2,
            "select" => Op::Select,
            _ => return None,
        };
        matches!(op.syntax(), Syntax::Call(s) if s == name).then_some(op)
    }

    /// Whether the operator is a comparison (its result is 1.0 or 0.0).
    pub const fn is_comparison(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne)
    }

    /// Evaluates the operator. `args` has `arity()` entries; `exponent` is used by
    /// `PowI` only. Leaves cannot be evaluated this way and give NaN.
    ///
    /// This is the definition of the operator's IEEE-754 binary64 semantics.
    ///
    /// ```
    /// use adgraph_ir::Op;
    /// assert_eq!(Op::Add.eval(&[1.5, 2.0], 0), 3.5);
    /// assert_eq!(Op::PowI.eval(&[-2.0], 3), -8.0);
    /// assert!(Op::Min.eval(&[f64::NAN, 1.0], 0).is_nan());
    /// ```
    #[inline]
    pub fn eval(self, args: &[f64], exponent: i32) -> f64 {
        match self.arity() {
            1 => self.eval1(args[0], exponent),
            2 => self.eval2(args[0], args[1]),
            3 => select(args[0], args[1], args[2]),
            _ => f64::NAN,
        }
    }

    /// Evaluates a unary operator (`PowI` with its exponent).
    #[inline]
    pub fn eval1(self, a: f64, exponent: i32) -> f64 {
        match self {
            Op::Neg => -a,
            Op::Exp => a.exp(),
            Op::Log => a.ln(),
            Op::Sqrt => a.sqrt(),
            Op::Sin => a.sin(),
            Op::Cos => a.cos(),
            Op::Tan => a.tan(),
            Op::Tanh => a.tanh(),
            Op::Abs => a.abs(),
            Op::Sigmoid => sigmoid(a),
            Op::PowI => powi(a, exponent),
            _ => f64::NAN,
        }
    }

    /// Evaluates a binary operator.
    #[inline]
    pub fn eval2(self, a: f64, b: f64) -> f64 {
        match self {
            Op::Add => a + b,
            Op::Sub => a - b,
            Op::Mul => a * b,
            Op::Div => a / b,
            Op::Pow => a.powf(b),
            Op::Min => min(a, b),
            Op::Max => max(a, b),
            Op::Atan2 => a.atan2(b),
            Op::Lt => truth(a < b),
            Op::Le => truth(a <= b),
            Op::Gt => truth(a > b),
            Op::Ge => truth(a >= b),
            Op::Eq => truth(a == b),
            Op::Ne => truth(a != b),
            _ => f64::NAN,
        }
    }
}

#[inline]
fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// `select(c, a, b)`: `a` where `c != 0` (NaN counts as non-zero), else `b`.
#[inline]
pub fn select(c: f64, a: f64, b: f64) -> f64 {
    if c != 0.0 {
        a
    } else {
        b
    }
}

/// The logistic function, computed without overflow for either sign.
#[inline]
pub fn sigmoid(a: f64) -> f64 {
    if a >= 0.0 {
        1.0 / (1.0 + (-a).exp())
    } else {
        let e = a.exp();
        e / (1.0 + e)
    }
}

/// Integer power by binary exponentiation, the same sequence of multiplications on
/// every platform and optimization level (`powi(x, 1) == x`, `powi(x, 2) == x * x`,
/// `powi(x, 0) == 1` even for NaN); a negative exponent is `1 / powi(x, -n)`.
///
/// The exponents -4 to 4, which are most of the powers in real functions and their
/// derivatives (Lennard-Jones' `r ^ -6` as `(1 / r2) ^ 3`, the `3 x^2` of a cube), are
/// spelled out as the loop's own products in its order, without its loop and
/// branches: that made evaluating Lennard-Jones 1.3x faster in every interpreter.
#[inline]
pub fn powi(x: f64, n: i32) -> f64 {
    match n {
        0 => 1.0,
        1 => x,
        2 => x * x,
        3 => x * (x * x),
        4 => (x * x) * (x * x),
        -1 => 1.0 / x,
        -2 => 1.0 / (x * x),
        -3 => 1.0 / (x * (x * x)),
        -4 => 1.0 / ((x * x) * (x * x)),
        _ => powi_by_squaring(x, n),
    }
}

/// [`powi`] by binary exponentiation: the definition its spelled-out cases follow.
fn powi_by_squaring(x: f64, n: i32) -> f64 {
    let mut e = n.unsigned_abs();
    let mut base = x;
    let mut acc: Option<f64> = None;
    while e > 0 {
        if e & 1 == 1 {
            acc = Some(match acc {
                None => base,
                Some(v) => v * base,
            });
        }
        e >>= 1;
        if e > 0 {
            base = base * base;
        }
    }
    let p = acc.unwrap_or(1.0);
    if n < 0 {
        1.0 / p
    } else {
        p
    }
}

/// NaN-propagating minimum that orders `-0.0` below `+0.0` (IEEE 754-2019 `minimum`).
#[inline]
pub fn min(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else if b < a {
        b
    } else if a == b {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else {
        a + b
    }
}

/// NaN-propagating maximum that orders `-0.0` below `+0.0` (IEEE 754-2019 `maximum`).
#[inline]
pub fn max(a: f64, b: f64) -> f64 {
    if a > b {
        a
    } else if b > a {
        b
    } else if a == b {
        if a.is_sign_negative() {
            b
        } else {
            a
        }
    } else {
        a + b
    }
}

/// A domain in which derivative rules are carried out: plain numbers ([`Numbers`]) or
/// nodes of a graph (the symbolic transforms).
pub trait Calculus {
    /// A value of the domain.
    type Value: Copy;
    /// Why an operation could not be carried out (a full graph, say).
    type Error;
    /// The constant `x`.
    fn constant(&mut self, x: f64) -> Result<Self::Value, Self::Error>;
    /// `op` applied to `args` (not `PowI`).
    fn apply(&mut self, op: Op, args: &[Self::Value]) -> Result<Self::Value, Self::Error>;
    /// `a ^ n`, integer power.
    fn powi(&mut self, a: Self::Value, n: i32) -> Result<Self::Value, Self::Error>;
}

/// Plain `f64` arithmetic: the numeric reading of the derivative rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct Numbers;

impl Calculus for Numbers {
    type Value = f64;
    type Error = Infallible;
    #[inline]
    fn constant(&mut self, x: f64) -> Result<f64, Infallible> {
        Ok(x)
    }
    #[inline]
    fn apply(&mut self, op: Op, args: &[f64]) -> Result<f64, Infallible> {
        Ok(op.eval(args, 0))
    }
    #[inline]
    fn powi(&mut self, a: f64, n: i32) -> Result<f64, Infallible> {
        Ok(powi(a, n))
    }
}

/// The derivative rule of every operator, the one place it is written.
///
/// Returns the contribution `(∂ result / ∂ operand i) · seed`, or `None` where that
/// contribution is structurally zero (comparisons, the condition of `select`, leaves,
/// `x ^ 0`). The same expression serves forward mode (`seed` is the tangent of operand
/// `i`; the result's tangent is the sum of the contributions) and reverse mode (`seed`
/// is the adjoint of the result; the contribution is added to operand `i`'s adjoint).
///
/// Conventions at non-differentiable points (LANGUAGE.md): `abs'(0) = 0`; at a tie
/// `min` and `max` give half of `seed` to each operand; `select` passes `seed` only to
/// the branch it chose; `pow(a, b)` has derivative 0 with respect to `b` where `a = 0`.
///
/// ```
/// use adgraph_ir::{derivative, Numbers, Op};
/// // d/dx sin(x) at x = 0, seed 1: cos(0) = 1.
/// let d = derivative(&mut Numbers, Op::Sin, 0, &[0.0], 0.0, 0, 1.0).unwrap();
/// assert_eq!(d, Some(1.0));
/// // The condition of select gets no derivative.
/// let d = derivative(&mut Numbers, Op::Select, 0, &[1.0, 2.0, 3.0], 2.0, 0, 1.0).unwrap();
/// assert_eq!(d, None);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn derivative<C: Calculus>(
    c: &mut C,
    op: Op,
    exponent: i32,
    args: &[C::Value],
    result: C::Value,
    i: usize,
    seed: C::Value,
) -> Result<Option<C::Value>, C::Error> {
    use Op::*;
    let s = seed;
    let v = match op {
        Input | Const | Lt | Le | Gt | Ge | Eq | Ne => return Ok(None),
        Neg => c.apply(Neg, &[s])?,
        Exp => c.apply(Mul, &[s, result])?,
        Log => c.apply(Div, &[s, args[0]])?,
        Sqrt => {
            let two = c.constant(2.0)?;
            let d = c.apply(Mul, &[two, result])?;
            c.apply(Div, &[s, d])?
        }
        Sin => {
            let d = c.apply(Cos, &[args[0]])?;
            c.apply(Mul, &[s, d])?
        }
        Cos => {
            let d = c.apply(Sin, &[args[0]])?;
            let t = c.apply(Mul, &[s, d])?;
            c.apply(Neg, &[t])?
        }
        Tan | Tanh => {
            let one = c.constant(1.0)?;
            let r2 = c.apply(Mul, &[result, result])?;
            let d = c.apply(if op == Tan { Add } else { Sub }, &[one, r2])?;
            c.apply(Mul, &[s, d])?
        }
        Abs => {
            let zero = c.constant(0.0)?;
            let pos = c.apply(Gt, &[args[0], zero])?;
            let neg = c.apply(Lt, &[args[0], zero])?;
            let ns = c.apply(Neg, &[s])?;
            let inner = c.apply(Select, &[neg, ns, zero])?;
            c.apply(Select, &[pos, s, inner])?
        }
        Sigmoid => {
            let one = c.constant(1.0)?;
            let q = c.apply(Sub, &[one, result])?;
            let d = c.apply(Mul, &[result, q])?;
            c.apply(Mul, &[s, d])?
        }
        PowI => match exponent {
            0 => return Ok(None),
            1 => s,
            n => {
                // `(s * n) * a^(n-1)`: a constant seed (reverse mode) folds into `n`.
                let p = c.powi(args[0], n - 1)?;
                let k = c.constant(n as f64)?;
                let sk = c.apply(Mul, &[s, k])?;
                c.apply(Mul, &[sk, p])?
            }
        },
        Add => s,
        Sub => {
            if i == 0 {
                s
            } else {
                c.apply(Neg, &[s])?
            }
        }
        Mul => c.apply(Mul, &[s, args[1 - i]])?,
        Div => {
            if i == 0 {
                c.apply(Div, &[s, args[1]])?
            } else {
                let t = c.apply(Mul, &[s, result])?;
                let q = c.apply(Div, &[t, args[1]])?;
                c.apply(Neg, &[q])?
            }
        }
        Pow => {
            let (a, b) = (args[0], args[1]);
            if i == 0 {
                let one = c.constant(1.0)?;
                let bm1 = c.apply(Sub, &[b, one])?;
                let p = c.apply(Pow, &[a, bm1])?;
                let d = c.apply(Mul, &[b, p])?;
                c.apply(Mul, &[s, d])?
            } else {
                let zero = c.constant(0.0)?;
                let at_zero = c.apply(Eq, &[a, zero])?;
                let l = c.apply(Log, &[a])?;
                let d = c.apply(Mul, &[result, l])?;
                let t = c.apply(Mul, &[s, d])?;
                c.apply(Select, &[at_zero, zero, t])?
            }
        }
        Min | Max => {
            let (me, other) = if i == 0 {
                (args[0], args[1])
            } else {
                (args[1], args[0])
            };
            let wins = c.apply(if op == Min { Lt } else { Gt }, &[me, other])?;
            let tie = c.apply(Eq, &[me, other])?;
            let half = c.constant(0.5)?;
            let hs = c.apply(Mul, &[half, s])?;
            let zero = c.constant(0.0)?;
            let inner = c.apply(Select, &[tie, hs, zero])?;
            c.apply(Select, &[wins, s, inner])?
        }
        Atan2 => {
            let (y, x) = (args[0], args[1]);
            let y2 = c.apply(Mul, &[y, y])?;
            let x2 = c.apply(Mul, &[x, x])?;
            let d = c.apply(Add, &[x2, y2])?;
            if i == 0 {
                let q = c.apply(Div, &[x, d])?;
                c.apply(Mul, &[s, q])?
            } else {
                let q = c.apply(Div, &[y, d])?;
                let t = c.apply(Mul, &[s, q])?;
                c.apply(Neg, &[t])?
            }
        }
        Select => {
            if i == 0 {
                return Ok(None);
            }
            let zero = c.constant(0.0)?;
            if i == 1 {
                c.apply(Select, &[args[0], s, zero])?
            } else {
                c.apply(Select, &[args[0], zero, s])?
            }
        }
    };
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(op: Op, n: i32, args: &[f64], i: usize) -> Option<f64> {
        let r = op.eval(args, n);
        derivative(&mut Numbers, op, n, args, r, i, 1.0).unwrap()
    }

    #[test]
    fn table_is_consistent() {
        let calls = Op::ALL
            .iter()
            .filter(|op| matches!(op.syntax(), Syntax::Call(_)))
            .count();
        assert_eq!(calls, 14, "a new function needs its line in `Op::function`");
        for &op in Op::ALL {
            if let Syntax::Call(name) = op.syntax() {
                assert_eq!(Op::function(name), Some(op));
            }
            if op.is_commutative() {
                assert_eq!(op.arity(), 2);
            }
        }
        assert_eq!(Op::ALL.len(), 28);
    }

    #[test]
    fn spelled_out_powers_are_the_loop_bit_for_bit() {
        let mut xs = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE / 3.0,
            f64::MAX,
            -f64::MAX,
            1e-100,
            -3e101,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..10_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            xs.push(f64::from_bits(state));
        }
        for &x in &xs {
            for n in -6..=6 {
                let (fast, slow) = (powi(x, n), powi_by_squaring(x, n));
                assert!(
                    fast.to_bits() == slow.to_bits() || (fast.is_nan() && slow.is_nan()),
                    "powi({x:e}, {n}): {fast:e} against {slow:e}"
                );
            }
        }
    }

    #[test]
    fn powi_is_exact_where_promised() {
        for x in [3.0, -2.5, 1e-300, f64::NAN, f64::INFINITY, -0.0] {
            assert_eq!(powi(x, 1).to_bits(), x.to_bits());
            assert_eq!(powi(x, 2).to_bits(), (x * x).to_bits());
            assert_eq!(powi(x, 0), 1.0);
        }
        assert_eq!(powi(-2.0, 3), -8.0);
        assert_eq!(powi(2.0, -2), 0.25);
        assert_eq!(powi(2.0, 10), 1024.0);
        assert_eq!(powi(2.0, i32::MIN), 0.0);
    }

    #[test]
    fn min_max_order_zeros_and_propagate_nan() {
        assert_eq!(min(0.0, -0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!(max(-0.0, 0.0).to_bits(), 0.0f64.to_bits());
        assert!(min(f64::NAN, 1.0).is_nan() && min(1.0, f64::NAN).is_nan());
        assert!(max(f64::NAN, 1.0).is_nan() && max(1.0, f64::NAN).is_nan());
        assert_eq!(min(1.0, 2.0), 1.0);
        assert_eq!(max(1.0, 2.0), 2.0);
    }

    #[test]
    fn sigmoid_is_stable() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert!((sigmoid(2.0) - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-16);
    }

    #[test]
    fn conventions_at_kinks() {
        assert_eq!(d(Op::Abs, 0, &[0.0], 0), Some(0.0));
        assert_eq!(d(Op::Abs, 0, &[-3.0], 0), Some(-1.0));
        assert_eq!(d(Op::Min, 0, &[2.0, 2.0], 0), Some(0.5));
        assert_eq!(d(Op::Min, 0, &[2.0, 2.0], 1), Some(0.5));
        assert_eq!(d(Op::Max, 0, &[1.0, 2.0], 0), Some(0.0));
        assert_eq!(d(Op::Max, 0, &[1.0, 2.0], 1), Some(1.0));
        assert_eq!(d(Op::Select, 0, &[0.0, 5.0, 6.0], 1), Some(0.0));
        assert_eq!(d(Op::Select, 0, &[0.0, 5.0, 6.0], 2), Some(1.0));
        assert_eq!(d(Op::Lt, 0, &[0.0, 1.0], 0), None);
        assert_eq!(d(Op::PowI, 0, &[2.0], 0), None);
        assert_eq!(d(Op::Pow, 0, &[0.0, 2.0], 1), Some(0.0));
    }

    #[test]
    fn rules_match_central_differences() {
        let cases: &[(Op, i32, &[f64])] = &[
            (Op::Neg, 0, &[0.7]),
            (Op::Exp, 0, &[0.7]),
            (Op::Log, 0, &[0.7]),
            (Op::Sqrt, 0, &[0.7]),
            (Op::Sin, 0, &[0.7]),
            (Op::Cos, 0, &[0.7]),
            (Op::Tan, 0, &[0.7]),
            (Op::Tanh, 0, &[0.7]),
            (Op::Abs, 0, &[-0.7]),
            (Op::Sigmoid, 0, &[0.7]),
            (Op::PowI, 3, &[-0.7]),
            (Op::PowI, -2, &[0.7]),
            (Op::Add, 0, &[0.7, 1.3]),
            (Op::Sub, 0, &[0.7, 1.3]),
            (Op::Mul, 0, &[0.7, 1.3]),
            (Op::Div, 0, &[0.7, 1.3]),
            (Op::Pow, 0, &[0.7, 1.3]),
            (Op::Min, 0, &[0.7, 1.3]),
            (Op::Max, 0, &[0.7, 1.3]),
            (Op::Atan2, 0, &[0.7, 1.3]),
            (Op::Select, 0, &[1.0, 0.7, 1.3]),
        ];
        for &(op, n, args) in cases {
            for i in 0..args.len() {
                let h = 1e-6;
                let mut p = args.to_vec();
                let mut m = args.to_vec();
                p[i] += h;
                m[i] -= h;
                let fd = (op.eval(&p, n) - op.eval(&m, n)) / (2.0 * h);
                let ad = d(op, n, args, i).unwrap_or(0.0);
                assert!(
                    (fd - ad).abs() <= 1e-7 * (1.0 + fd.abs()),
                    "{op:?} arg {i}: {ad} vs {fd}"
                );
            }
        }
    }
}
