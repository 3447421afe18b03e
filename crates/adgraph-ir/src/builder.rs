//! A builder that reads like math: `Expr` handles with operator overloading.

use crate::{FloatMode, Function, Graph, GraphError, NodeId, Op};
use indexmap::IndexSet;
use rustc_hash::FxBuildHasher;
use std::cell::{Ref, RefCell};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// Builds a [`Function`] from Rust expressions.
///
/// Expressions are [`Expr`] handles: `Copy`, combined with `+ - * /`, unary `-` and
/// methods for every function of the language. Every node goes through the graph's
/// smart constructors (folding, simplification, hash-consing). Construction errors (a
/// full graph) are remembered and returned by [`Builder::function`] or
/// [`Builder::finish`], so expressions stay plain values.
///
/// ```
/// use adgraph_ir::{evaluate, Builder};
/// let b = Builder::new();
/// let (x, y) = (b.input("x"), b.input("y"));
/// let z = x * x + x * y + 2.0;
/// let (g, f) = b.finish([("z", z)])?;
/// assert_eq!(evaluate(&g, &f, &[3.0, 4.0])?, vec![23.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct Builder {
    graph: RefCell<Graph>,
    /// Inputs in the order `input` first named them.
    inputs: RefCell<IndexSet<NodeId, FxBuildHasher>>,
    /// The first construction error, if any.
    error: RefCell<Option<GraphError>>,
}

/// A handle on a node being built; see [`Builder`]. Combine with `+ - * /`, unary
/// `-`, numbers on either side, and a method per function of the language.
///
/// ```
/// use adgraph_ir::{dump, Builder};
/// let b = Builder::new();
/// let [x, y] = b.inputs(["x", "y"]);
/// let relu = x.gt(0).select(x, 0);
/// let (g, f) = b.finish([("r", relu), ("p", x.powi(-2) + y.atan2(x).sin())])?;
/// assert_eq!(
///     dump(&g, &f),
///     "input x, y\nlet v0 = x > 0\nlet v1 = x ^ -2\nlet v2 = atan2(y, x)\nlet v3 = sin(v2)\n\
///      output r = select(v0, x, 0)\noutput p = v1 + v3\n"
/// );
/// # Ok::<(), adgraph_ir::GraphError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Expr<'b> {
    b: &'b Builder,
    id: NodeId,
}

/// Something usable as an operand: an [`Expr`] or a number.
pub trait Operand<'b> {
    /// The operand as an expression of `b`.
    fn to_expr(self, b: &'b Builder) -> Expr<'b>;
}

impl<'b> Operand<'b> for Expr<'b> {
    fn to_expr(self, b: &'b Builder) -> Expr<'b> {
        if !std::ptr::eq(self.b, b) {
            b.fail(GraphError::UnknownNode { id: self.id });
        }
        self
    }
}

impl<'b> Operand<'b> for f64 {
    fn to_expr(self, b: &'b Builder) -> Expr<'b> {
        b.constant(self)
    }
}

impl<'b> Operand<'b> for i32 {
    fn to_expr(self, b: &'b Builder) -> Expr<'b> {
        b.constant(self as f64)
    }
}

impl Builder {
    /// A builder over a new [`FloatMode::Strict`] graph.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// A builder over a new graph in `mode`.
    pub fn with_mode(mode: FloatMode) -> Builder {
        Builder::on(Graph::with_mode(mode))
    }

    /// A builder that adds to an existing graph (its nodes stay; new ones share them).
    pub fn on(graph: Graph) -> Builder {
        Builder {
            graph: RefCell::new(graph),
            ..Builder::default()
        }
    }

    /// The graph built so far.
    pub fn graph(&self) -> Ref<'_, Graph> {
        self.graph.borrow()
    }

    fn fail(&self, e: GraphError) {
        self.error.borrow_mut().get_or_insert(e);
    }

    fn wrap(&self, r: Result<NodeId, GraphError>) -> Expr<'_> {
        match r {
            Ok(id) => Expr { b: self, id },
            Err(e) => {
                self.fail(e);
                Expr {
                    b: self,
                    id: NodeId::new(0),
                }
            }
        }
    }

    fn poisoned(&self) -> bool {
        self.error.borrow().is_some()
    }

    /// The input `name`. Inputs are ordered by first call; calling again with the
    /// same name gives the same input.
    pub fn input(&self, name: &str) -> Expr<'_> {
        let r = self.graph.borrow_mut().input(name);
        let e = self.wrap(r);
        if !self.poisoned() {
            self.inputs.borrow_mut().insert(e.id);
        }
        e
    }

    /// Several inputs at once, in order.
    pub fn inputs<const N: usize>(&self, names: [&str; N]) -> [Expr<'_>; N] {
        names.map(|n| self.input(n))
    }

    /// The constant `x`.
    pub fn constant(&self, x: f64) -> Expr<'_> {
        let r = self.graph.borrow_mut().constant(x);
        self.wrap(r)
    }

    /// An expression for an existing node of the graph.
    pub fn expr(&self, id: NodeId) -> Expr<'_> {
        if !self.graph.borrow().contains(id) {
            self.fail(GraphError::UnknownNode { id });
        }
        Expr { b: self, id }
    }

    fn apply(&self, op: Op, args: &[NodeId]) -> Expr<'_> {
        if self.poisoned() {
            return Expr {
                b: self,
                id: NodeId::new(0),
            };
        }
        let r = self.graph.borrow_mut().apply(op, args);
        self.wrap(r)
    }

    /// A function of the inputs named so far, with these named outputs; the builder
    /// keeps its graph, so more functions can share it.
    pub fn function<'a>(
        &self,
        outputs: impl IntoIterator<Item = (&'a str, Expr<'a>)>,
    ) -> Result<Function, GraphError> {
        let outputs: Vec<(String, NodeId)> = outputs
            .into_iter()
            .map(|(n, e)| (n.to_string(), e.id))
            .collect();
        if let Some(e) = self.error.borrow().clone() {
            return Err(e);
        }
        Function::new(
            &self.graph.borrow(),
            self.inputs.borrow().iter().copied().collect(),
            outputs,
        )
    }

    /// The graph and a function of the inputs named so far with these outputs. The
    /// graph is handed over, not copied: the builder is left with an empty graph of the
    /// same mode, so expressions made before `finish` must not be used with it again
    /// (to keep building, use [`function`](Self::function) and read
    /// [`graph`](Self::graph)).
    pub fn finish<'a>(
        &'a self,
        outputs: impl IntoIterator<Item = (&'a str, Expr<'a>)>,
    ) -> Result<(Graph, Function), GraphError> {
        let f = self.function(outputs)?;
        let mode = self.graph.borrow().mode();
        Ok((self.graph.replace(Graph::with_mode(mode)), f))
    }

    /// The graph, or the first construction error.
    pub fn into_graph(self) -> Result<Graph, GraphError> {
        match self.error.into_inner() {
            Some(e) => Err(e),
            None => Ok(self.graph.into_inner()),
        }
    }
}

macro_rules! unary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {
        $( $(#[$doc])* pub fn $name(self) -> Expr<'b> { self.b.apply(Op::$op, &[self.id]) } )*
    };
}

macro_rules! binary_methods {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {
        $( $(#[$doc])* pub fn $name(self, other: impl Operand<'b>) -> Expr<'b> {
            let o = other.to_expr(self.b);
            self.b.apply(Op::$op, &[self.id, o.id])
        } )*
    };
}

impl<'b> Expr<'b> {
    /// The node this expression stands for.
    pub fn id(self) -> NodeId {
        self.id
    }

    unary_methods! {
        /// `exp(self)`
        exp => Exp;
        /// `log(self)`, natural logarithm
        log => Log;
        /// `sqrt(self)`
        sqrt => Sqrt;
        /// `sin(self)`
        sin => Sin;
        /// `cos(self)`
        cos => Cos;
        /// `tan(self)`
        tan => Tan;
        /// `tanh(self)`
        tanh => Tanh;
        /// `abs(self)`
        abs => Abs;
        /// `sigmoid(self)`
        sigmoid => Sigmoid;
    }

    binary_methods! {
        /// `pow(self, e)`, real power
        pow => Pow;
        /// `min(self, o)`
        min => Min;
        /// `max(self, o)`
        max => Max;
        /// `atan2(self, x)` with `self` as `y`
        atan2 => Atan2;
        /// `self < o` (1.0 or 0.0)
        lt => Lt;
        /// `self <= o`
        le => Le;
        /// `self > o`
        gt => Gt;
        /// `self >= o`
        ge => Ge;
        /// `self == o`
        eq => Eq;
        /// `self != o`
        ne => Ne;
    }

    /// `self ^ n`, integer power (valid for negative `self`).
    pub fn powi(self, n: i32) -> Expr<'b> {
        if self.b.poisoned() {
            return self;
        }
        let r = self.b.graph.borrow_mut().powi(self.id, n);
        self.b.wrap(r)
    }

    /// `select(self, a, b)`: `a` where `self != 0`, else `b`.
    pub fn select(self, a: impl Operand<'b>, b: impl Operand<'b>) -> Expr<'b> {
        let (a, b2) = (a.to_expr(self.b), b.to_expr(self.b));
        self.b.apply(Op::Select, &[self.id, a.id, b2.id])
    }
}

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $op:ident) => {
        impl<'b, R: Operand<'b>> $trait<R> for Expr<'b> {
            type Output = Expr<'b>;
            fn $method(self, rhs: R) -> Expr<'b> {
                let r = rhs.to_expr(self.b);
                self.b.apply(Op::$op, &[self.id, r.id])
            }
        }
        impl<'b> $trait<Expr<'b>> for f64 {
            type Output = Expr<'b>;
            fn $method(self, rhs: Expr<'b>) -> Expr<'b> {
                let l = rhs.b.constant(self);
                rhs.b.apply(Op::$op, &[l.id, rhs.id])
            }
        }
        impl<'b> $trait<Expr<'b>> for i32 {
            type Output = Expr<'b>;
            fn $method(self, rhs: Expr<'b>) -> Expr<'b> {
                (self as f64).$method(rhs)
            }
        }
    };
}

binary_operator!(Add, add, Add);
binary_operator!(Sub, sub, Sub);
binary_operator!(Mul, mul, Mul);
binary_operator!(Div, div, Div);

impl<'b> Neg for Expr<'b> {
    type Output = Expr<'b>;
    fn neg(self) -> Expr<'b> {
        self.b.apply(Op::Neg, &[self.id])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate;

    #[test]
    fn every_function_builds_and_evaluates() {
        let b = Builder::new();
        let [x, y] = b.inputs(["x", "y"]);
        let outs = [
            (
                "a",
                x.exp() + x.log() + x.sqrt() + x.sin() + x.cos() + x.tan(),
            ),
            (
                "b",
                x.tanh() + (-x).abs() + x.sigmoid() + x.powi(3) + x.pow(y),
            ),
            ("c", x.min(y) + x.max(2) + y.atan2(x) + x.lt(y) + x.le(y)),
            (
                "d",
                x.gt(y) + x.ge(y) + x.eq(y) + x.ne(y) + x.gt(1.0).select(x, y),
            ),
            ("e", 2 * x - 1 / y + 3.0 * x / 2.0 - x * 1),
        ];
        let (g, f) = b.finish(outs).unwrap();
        let v = evaluate(&g, &f, &[0.5, 2.0]).unwrap();
        let (x, y) = (0.5f64, 2.0f64);
        let a = x.exp() + x.ln() + x.sqrt() + x.sin() + x.cos() + x.tan();
        assert_eq!(v[0], a);
        let s = crate::op::sigmoid(x);
        assert_eq!(v[1], x.tanh() + x.abs() + s + x * x * x + x.powf(y));
        assert_eq!(v[2], x + 2.0 + y.atan2(x) + 1.0 + 1.0);
        assert_eq!(v[3], 0.0 + 0.0 + 0.0 + 1.0 + y);
        assert_eq!(v[4], 2.0 * x - 1.0 / y + 3.0 * x / 2.0 - x);
    }

    #[test]
    fn errors_surface_at_finish() {
        let mut g = Graph::new();
        g.set_node_limit(2);
        let b = Builder::on(g);
        let [x, y] = b.inputs(["x", "y"]);
        let z = (x + y) * x;
        assert_eq!(
            b.function([("z", z)]),
            Err(GraphError::CapacityExceeded { limit: 2 })
        );
    }

    #[test]
    fn finish_hands_the_graph_over() {
        let b = Builder::with_mode(FloatMode::Fast);
        let x = b.input("x");
        let (g, f) = b.finish([("y", x.sin() + 1.0)]).unwrap();
        assert_eq!(g.len(), 4);
        assert_eq!(f.outputs().len(), 1);
        assert!(b.graph().is_empty());
        assert_eq!(b.graph().mode(), FloatMode::Fast);
    }

    #[test]
    fn functions_share_one_graph() {
        let b = Builder::new();
        let x = b.input("x");
        let f1 = b.function([("s", x.sin())]).unwrap();
        let f2 = b.function([("s2", x.sin() * x.sin())]).unwrap();
        assert_eq!(
            f1.outputs()[0].id,
            b.graph().node(f2.outputs()[0].id).arg(0)
        );
    }
}
