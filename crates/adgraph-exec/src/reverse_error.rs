//! Errors of the reverse interpreter: wrong-sized inputs, a plan for another program.

use adgraph_remat::RematError;
use std::fmt;

/// Why a reverse sweep could not run.
#[derive(Clone, Debug, PartialEq)]
pub enum ReverseError {
    /// A point with the wrong number of values.
    WrongInputCount {
        /// Inputs of the program.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// Cotangents with the wrong number of values.
    WrongCotangentCount {
        /// Outputs of the program.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// An output index past the last output.
    NoSuchOutput {
        /// The index asked for.
        index: usize,
        /// Outputs of the program.
        outputs: usize,
    },
    /// Planning failed, or the plan belongs to another program.
    Plan(RematError),
}

impl fmt::Display for ReverseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReverseError::WrongInputCount { expected, found } => write!(
                f,
                "expected {expected} input values per point, found {found}"
            ),
            ReverseError::WrongCotangentCount { expected, found } => write!(
                f,
                "expected {expected} output cotangents per point, found {found}"
            ),
            ReverseError::NoSuchOutput { index, outputs } => write!(
                f,
                "output {index} does not exist: the function has {outputs} output(s)"
            ),
            ReverseError::Plan(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ReverseError {}

impl From<RematError> for ReverseError {
    fn from(e: RematError) -> ReverseError {
        ReverseError::Plan(e)
    }
}
