//! Errors of graph construction and evaluation.

use crate::{NodeId, Op};
use std::fmt;

/// Why a node or function could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// The graph already holds its limit of nodes (at most `u32::MAX`).
    CapacityExceeded {
        /// The limit in force.
        limit: u32,
    },
    /// An operand id that the graph does not hold.
    UnknownNode {
        /// The id given.
        id: NodeId,
    },
    /// An operator given the wrong number of operands, or a leaf given to `apply`.
    Arity {
        /// The operator.
        op: Op,
        /// How many operands were given.
        found: usize,
    },
    /// An operand of a batch entry ([`Graph::extend_indexed`](crate::Graph::extend_indexed))
    /// that names an entry not before it.
    ForwardEntry {
        /// The index of the entry in its batch.
        entry: usize,
        /// The entry its operand names.
        operand: usize,
    },
    /// A function input that is not an input node.
    NotAnInput {
        /// The node given as an input.
        id: NodeId,
    },
    /// The same input listed twice in a function.
    DuplicateInput {
        /// The input's name.
        name: String,
    },
    /// Two outputs of a function with the same name.
    DuplicateOutput {
        /// The output's name.
        name: String,
    },
    /// An output name that is not a valid `.adg` name.
    InvalidName {
        /// The name given.
        name: String,
    },
    /// An output reaches an input node the function does not declare.
    UndeclaredInput {
        /// The input's name.
        name: String,
    },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::CapacityExceeded { limit } => {
                write!(f, "graph is full: it may hold at most {limit} nodes")
            }
            GraphError::UnknownNode { id } => write!(f, "node {id} is not in this graph"),
            GraphError::Arity { op, found } => match op {
                Op::Input | Op::Const | Op::PowI => {
                    write!(
                        f,
                        "`{}` nodes are built by their own constructor",
                        op.name()
                    )
                }
                _ => write!(
                    f,
                    "`{}` takes {} operand(s), got {found}",
                    op.name(),
                    op.arity()
                ),
            },
            GraphError::ForwardEntry { entry, operand } => write!(
                f,
                "batch entry {entry} uses entry {operand}, which does not come before it"
            ),
            GraphError::NotAnInput { id } => write!(f, "node {id} is not an input"),
            GraphError::DuplicateInput { name } => write!(f, "input `{name}` is listed twice"),
            GraphError::DuplicateOutput { name } => write!(f, "output `{name}` is declared twice"),
            GraphError::InvalidName { name } => write!(
                f,
                "`{name}` is not a valid name: names match [A-Za-z_][A-Za-z0-9_]* and are \
                 not a function name, `inf`, `nan`, `input`, `let` or `output`"
            ),
            GraphError::UndeclaredInput { name } => {
                write!(
                    f,
                    "an output depends on input `{name}`, which the function does not declare"
                )
            }
        }
    }
}

impl std::error::Error for GraphError {}

/// Why a function could not be evaluated at a point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// The point has the wrong number of values.
    WrongInputCount {
        /// Inputs the function declares.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// The function does not fit its graph (an id the graph does not hold).
    Graph(GraphError),
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::WrongInputCount { expected, found } => {
                write!(
                    f,
                    "the function takes {expected} input(s), got {found} value(s)"
                )
            }
            EvalError::Graph(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for EvalError {}

impl From<GraphError> for EvalError {
    fn from(e: GraphError) -> Self {
        EvalError::Graph(e)
    }
}
