//! Errors of the derivative transforms, as values a caller can report.
//!
//! Every transform builds nodes into a [`Graph`](adgraph_ir::Graph), so a full graph
//! is one failure; the rest are requests that do not fit the function (an unknown
//! input in `--wrt`, a direction of the wrong length, two outputs with one name).

use adgraph_ir::{EvalError, GraphError};
use adgraph_opt::OptError;
use std::fmt;

/// Why a derivative could not be built or evaluated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffError {
    /// Building a node failed (the graph is full, or an id is not of this graph).
    Graph(GraphError),
    /// Evaluating a derivative function at a point failed.
    Eval(EvalError),
    /// The optimizing passes failed on the derivative function.
    Opt(OptError),
    /// A name asked for in `wrt` is not an input of the function.
    UnknownInput {
        /// The name asked for.
        name: String,
        /// The function's inputs, for the message.
        inputs: Vec<String>,
    },
    /// A name given twice in `wrt`.
    DuplicateInput {
        /// The name given twice.
        name: String,
    },
    /// An output asked for by name that the function does not have.
    UnknownOutput {
        /// The name asked for.
        name: String,
        /// The function's outputs, for the message.
        outputs: Vec<String>,
    },
    /// A transform of one output (gradient, Hessian) on a function with several
    /// outputs and no output named.
    NotScalar {
        /// The function's outputs.
        outputs: Vec<String>,
    },
    /// A direction or cotangent with the wrong number of entries.
    WrongLength {
        /// What was given: `"direction"` or `"cotangent"`.
        what: &'static str,
        /// Entries expected (the function's inputs or outputs).
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// A derivative output's name `d<out>_d<in>` is already an output's name.
    NameClash {
        /// The name used twice.
        name: String,
    },
    /// An order of differentiation below 1.
    ZeroOrder,
}

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiffError::Graph(e) => write!(f, "cannot build the derivative: {e}"),
            DiffError::Eval(e) => write!(f, "cannot evaluate the derivative: {e}"),
            DiffError::Opt(e) => write!(f, "cannot optimize the derivative: {e}"),
            DiffError::UnknownInput { name, inputs } => write!(
                f,
                "`{name}` is not an input of the function (its inputs: {})",
                inputs.join(", ")
            ),
            DiffError::DuplicateInput { name } => {
                write!(f, "input `{name}` is listed twice in `wrt`")
            }
            DiffError::UnknownOutput { name, outputs } => write!(
                f,
                "`{name}` is not an output of the function (its outputs: {})",
                outputs.join(", ")
            ),
            DiffError::NotScalar { outputs } => write!(
                f,
                "the function has {} outputs ({}); name the one to differentiate",
                outputs.len(),
                outputs.join(", ")
            ),
            DiffError::WrongLength {
                what,
                expected,
                found,
            } => write!(f, "the {what} has {found} entries, expected {expected}"),
            DiffError::NameClash { name } => write!(
                f,
                "the derivative output `{name}` would have the name of an existing output; \
                 rename that output"
            ),
            DiffError::ZeroOrder => write!(f, "the order of differentiation must be 1 or more"),
        }
    }
}

impl std::error::Error for DiffError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DiffError::Graph(e) => Some(e),
            DiffError::Eval(e) => Some(e),
            DiffError::Opt(e) => Some(e),
            _ => None,
        }
    }
}

impl From<GraphError> for DiffError {
    fn from(e: GraphError) -> DiffError {
        DiffError::Graph(e)
    }
}

impl From<OptError> for DiffError {
    fn from(e: OptError) -> DiffError {
        match e {
            OptError::Graph(e) => DiffError::Graph(e),
            e => DiffError::Opt(e),
        }
    }
}

impl From<EvalError> for DiffError {
    fn from(e: EvalError) -> DiffError {
        DiffError::Eval(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do() {
        let e = DiffError::UnknownInput {
            name: "q".into(),
            inputs: vec!["x".into(), "y".into()],
        };
        assert_eq!(
            e.to_string(),
            "`q` is not an input of the function (its inputs: x, y)"
        );
        let e = DiffError::NotScalar {
            outputs: vec!["a".into(), "b".into()],
        };
        assert!(e.to_string().contains("name the one to differentiate"));
        let e: DiffError = GraphError::CapacityExceeded { limit: 3 }.into();
        assert!(e.to_string().contains("at most 3 nodes"));
        assert!(std::error::Error::source(&e).is_some());
    }
}
