//! `ExecError`: why a function could not be compiled or a program could not run.
//!
//! Every entry point of the crate returns these as values: a wrong number of values
//! is the caller's mistake to report, never a panic.

use adgraph_ir::NodeId;
use std::fmt;

/// Why a [`Program`](crate::Program) could not be compiled or run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExecError {
    /// The function names a node the graph does not hold (the function belongs to
    /// another graph).
    UnknownNode {
        /// The id given.
        id: NodeId,
    },
    /// A function input that is not an input node of the graph.
    NotAnInput {
        /// The node listed as an input.
        id: NodeId,
    },
    /// An output reaches an input node that the function does not list.
    UndeclaredInput {
        /// The input node.
        id: NodeId,
    },
    /// A point with the wrong number of values.
    WrongInputCount {
        /// Inputs the program takes.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// A buffer of several points, directions or results whose length is not the
    /// expected multiple.
    WrongLength {
        /// What the buffer holds (`"points"`, `"directions"`, `"outputs"`).
        what: &'static str,
        /// The length expected.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The memory a request needs does not fit in the address space (for example a
    /// huge number of tangent directions times a huge number of slots).
    TooLarge {
        /// What was being sized.
        what: &'static str,
    },
    /// Something this target or system cannot do (native code off x86-64 Unix, or an
    /// executable mapping the system refused).
    Unsupported {
        /// What was asked for.
        what: &'static str,
    },
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::UnknownNode { id } => write!(
                f,
                "node {id} is not in the graph: was the function built in another graph?"
            ),
            ExecError::NotAnInput { id } => {
                write!(
                    f,
                    "node {id} is listed as an input but is not an input node"
                )
            }
            ExecError::UndeclaredInput { id } => write!(
                f,
                "an output depends on input node {id}, which the function does not list"
            ),
            ExecError::WrongInputCount { expected, found } => write!(
                f,
                "the program takes {expected} input value(s), got {found}"
            ),
            ExecError::WrongLength {
                what,
                expected,
                found,
            } => write!(f, "{what}: expected {expected} value(s), got {found}"),
            ExecError::TooLarge { what } => {
                write!(f, "{what} would not fit in memory")
            }
            ExecError::Unsupported { what } => write!(f, "unsupported here: {what}"),
        }
    }
}

impl std::error::Error for ExecError {}
