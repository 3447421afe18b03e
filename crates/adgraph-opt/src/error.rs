//! Errors of the passes: why a pipeline could not be set up or run.

use adgraph_ir::GraphError;
use std::fmt;

/// Why a pass or pipeline failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptError {
    /// A pass name that is not one of `fold`, `simplify`, `cse`, `dce`.
    UnknownPass {
        /// The name given.
        name: String,
    },
    /// A pass list with no pass in it (`--passes ""`).
    NoPasses,
    /// The rebuilt graph could not take a node (its node limit), or a function does
    /// not fit the graph it was passed with.
    Graph(GraphError),
}

impl fmt::Display for OptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptError::UnknownPass { name } => write!(
                f,
                "unknown pass `{name}`; the passes are fold, simplify, cse, dce"
            ),
            OptError::NoPasses => write!(
                f,
                "no passes given; name one or more of fold, simplify, cse, dce"
            ),
            OptError::Graph(e) => write!(f, "while rebuilding the graph: {e}"),
        }
    }
}

impl std::error::Error for OptError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OptError::Graph(e) => Some(e),
            _ => None,
        }
    }
}

impl From<GraphError> for OptError {
    fn from(e: GraphError) -> OptError {
        OptError::Graph(e)
    }
}
