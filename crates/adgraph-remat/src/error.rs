//! Errors of planning: what a caller asked for that no plan can give, and why.

use std::fmt;

/// Why a plan could not be made.
#[derive(Clone, Debug, PartialEq)]
pub enum RematError {
    /// An output or input of the function is not a node of the graph.
    UnknownNode {
        /// The id given.
        id: adgraph_ir::NodeId,
    },
    /// A trace given to [`Trace::new`](crate::Trace::new) breaks its invariants.
    MalformedTrace {
        /// What is wrong.
        reason: String,
    },
    /// A strategy parameter out of range (`periodic:0`, `revolve:0`).
    BadParameter {
        /// The strategy as written.
        strategy: String,
        /// What a valid value is.
        expected: &'static str,
    },
    /// A strategy string that does not parse.
    UnknownStrategy {
        /// The text given.
        text: String,
    },
    /// No plan fits in the budget.
    BudgetTooSmall {
        /// The budget asked for, in bytes.
        budget: u64,
        /// The smallest peak any plan reaches, in bytes: the smallest feasible budget.
        smallest: u64,
    },
    /// A plan used with a trace it was not made for.
    PlanMismatch {
        /// What differs.
        reason: String,
    },
}

impl fmt::Display for RematError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RematError::UnknownNode { id } => write!(f, "node {id} is not in this graph"),
            RematError::MalformedTrace { reason } => write!(f, "malformed trace: {reason}"),
            RematError::BadParameter { strategy, expected } => {
                write!(f, "bad plan `{strategy}`: expected {expected}")
            }
            RematError::UnknownStrategy { text } => write!(
                f,
                "unknown plan `{text}`: expected store-all, recompute-all, periodic:K, \
                 revolve:S or budget:SIZE (SIZE like 65536B, 64KiB, 16MiB)"
            ),
            RematError::BudgetTooSmall { budget, smallest } => write!(
                f,
                "no plan fits in {budget} bytes: the smallest feasible budget is {smallest} bytes ({})",
                crate::plan::format_bytes(*smallest)
            ),
            RematError::PlanMismatch { reason } => {
                write!(f, "plan does not belong to this program: {reason}")
            }
        }
    }
}

impl std::error::Error for RematError {}
