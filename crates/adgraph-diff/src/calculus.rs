//! The graph-building readings of the derivative rules: [`GraphCalculus`] (values are
//! nodes) and the sweeps' signed variant (values are nodes with a sign flag).
//!
//! The op table's [`adgraph_ir::derivative`] is generic over a [`Calculus`]; reading
//! it here builds nodes through the graph's smart constructors, so the rules exist
//! once and the symbolic derivative is the same expression as the numeric one.

use adgraph_ir::{Calculus, Graph, GraphError, NodeId, Op};

/// The graph-building reading of the derivative rules: values are nodes of a graph, and
/// every operation goes through the graph's smart constructors (folding, local
/// simplification, hash-consing).
///
/// ```
/// use adgraph_diff::GraphCalculus;
/// use adgraph_ir::{derivative, Graph, Op};
/// let mut g = Graph::new();
/// let x = g.input("x")?;
/// let s = g.apply(Op::Sin, &[x])?;
/// let one = g.constant(1.0)?;
/// let mut c = GraphCalculus::new(&mut g);
/// // d/dx sin(x) with seed 1 is cos(x): `1 * cos(x)` simplifies to `cos(x)`.
/// let d = derivative(&mut c, Op::Sin, 0, &[x], s, 0, one)?.unwrap();
/// assert_eq!(d, g.apply(Op::Cos, &[x])?);
/// # Ok::<(), adgraph_ir::GraphError>(())
/// ```
#[derive(Debug)]
pub struct GraphCalculus<'g> {
    /// The graph new nodes go into.
    pub graph: &'g mut Graph,
}

impl<'g> GraphCalculus<'g> {
    /// A calculus that builds into `graph`.
    pub fn new(graph: &'g mut Graph) -> GraphCalculus<'g> {
        GraphCalculus { graph }
    }
}

impl Calculus for GraphCalculus<'_> {
    type Value = NodeId;
    type Error = GraphError;
    #[inline]
    fn constant(&mut self, x: f64) -> Result<NodeId, GraphError> {
        self.graph.constant(x)
    }
    #[inline]
    fn apply(&mut self, op: Op, args: &[NodeId]) -> Result<NodeId, GraphError> {
        self.graph.apply(op, args)
    }
    #[inline]
    fn powi(&mut self, a: NodeId, n: i32) -> Result<NodeId, GraphError> {
        self.graph.powi(a, n)
    }
}

/// A value with its sign kept aside: `id`, or `-id` when `negative`.
///
/// IEEE negation is exact and commutes exactly with `*` and `/`, and `a + (-b)` is
/// exactly `a - b`, so a sign can travel as a flag through products and sums and be
/// built as a `neg` node only where another operator needs the value (or never: a
/// negated contribution added to a sum becomes a subtraction). Results differ from
/// building every `neg` only in the sign of a zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Signed {
    /// The node.
    pub(crate) id: NodeId,
    /// Whether the value is the node's negation.
    pub(crate) negative: bool,
}

impl Signed {
    /// `id` as it is.
    #[inline]
    pub(crate) fn plain(id: NodeId) -> Signed {
        Signed {
            id,
            negative: false,
        }
    }

    /// `id` with a top-level `neg` peeled into the flag.
    pub(crate) fn of(g: &Graph, id: NodeId) -> Signed {
        let node = g.node(id);
        match node.op() {
            Op::Neg => Signed {
                id: node.arg(0),
                negative: true,
            },
            _ => Signed::plain(id),
        }
    }

    /// The value as one node (`neg` built only here, where it is asked for).
    pub(crate) fn node(self, g: &mut Graph) -> Result<NodeId, GraphError> {
        if self.negative {
            g.neg(self.id)
        } else {
            Ok(self.id)
        }
    }
}

/// The sweeps' calculus: values are [`Signed`] nodes. `neg` flips the flag, `*` and
/// `/` multiply the signs out, `+` and `-` choose between `a + b` and `a - b`; every
/// other operator gets its operands as nodes.
#[derive(Debug)]
pub(crate) struct SignedCalculus<'g> {
    /// The graph new nodes go into.
    pub(crate) graph: &'g mut Graph,
}

impl SignedCalculus<'_> {
    /// `a + b` by the signs: `a + b`, `a - b`, `b - a` or `-(a + b)`.
    pub(crate) fn add(&mut self, a: Signed, b: Signed) -> Result<Signed, GraphError> {
        let g = &mut *self.graph;
        let (id, negative) = match (a.negative, b.negative) {
            (false, true) => (g.sub(a.id, b.id)?, false),
            (true, false) => (g.sub(b.id, a.id)?, false),
            (n, _) => (g.add(a.id, b.id)?, n),
        };
        Ok(self.normalize(id, negative))
    }

    /// A negated constant becomes the constant of the negated value, so constants
    /// keep folding.
    fn normalize(&mut self, id: NodeId, negative: bool) -> Signed {
        if negative {
            if let Some(x) = self.graph.constant_value(id) {
                if let Ok(c) = self.graph.constant(-x) {
                    return Signed::plain(c);
                }
            }
        }
        Signed { id, negative }
    }
}

impl Calculus for SignedCalculus<'_> {
    type Value = Signed;
    type Error = GraphError;

    fn constant(&mut self, x: f64) -> Result<Signed, GraphError> {
        self.graph.constant(x).map(Signed::plain)
    }

    fn apply(&mut self, op: Op, args: &[Signed]) -> Result<Signed, GraphError> {
        match (op, args) {
            (Op::Neg, &[a]) => Ok(self.normalize(a.id, !a.negative)),
            (Op::Mul | Op::Div, &[a, b]) => {
                let id = self.graph.apply(op, &[a.id, b.id])?;
                Ok(self.normalize(id, a.negative ^ b.negative))
            }
            (Op::Add, &[a, b]) => self.add(a, b),
            (Op::Sub, &[a, b]) => self.add(
                a,
                Signed {
                    id: b.id,
                    negative: !b.negative,
                },
            ),
            _ => {
                let mut nodes = [NodeId::new(0); 3];
                for (slot, a) in nodes.iter_mut().zip(args) {
                    *slot = a.node(self.graph)?;
                }
                let n = args.len().min(3);
                self.graph.apply(op, &nodes[..n]).map(Signed::plain)
            }
        }
    }

    fn powi(&mut self, a: Signed, n: i32) -> Result<Signed, GraphError> {
        let a = a.node(self.graph)?;
        self.graph.powi(a, n).map(Signed::plain)
    }
}
