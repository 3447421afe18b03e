//! `Error`: one error type over every crate's errors, for callers of the facade.

use std::fmt;

/// Any error of adgraph: each variant wraps the error of the crate that raised it, so
/// `?` works across the whole API and the message says what was wrong and where.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// `.adg` text that does not parse (line and column inside).
    Parse(adgraph_ir::ParseError),
    /// A node or function that could not be built.
    Graph(adgraph_ir::GraphError),
    /// A reference evaluation that could not run.
    Eval(adgraph_ir::EvalError),
    /// A pass or pipeline that could not run.
    Opt(adgraph_opt::OptError),
    /// A symbolic derivative that could not be built.
    Diff(adgraph_diff::DiffError),
    /// A program that could not be compiled or run.
    Exec(adgraph_exec::ExecError),
    /// A reverse sweep that could not run.
    Reverse(adgraph_exec::ReverseError),
    /// A checkpoint plan that could not be made.
    Remat(adgraph_remat::RematError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse(e) => e.fmt(f),
            Error::Graph(e) => e.fmt(f),
            Error::Eval(e) => e.fmt(f),
            Error::Opt(e) => e.fmt(f),
            Error::Diff(e) => e.fmt(f),
            Error::Exec(e) => e.fmt(f),
            Error::Reverse(e) => e.fmt(f),
            Error::Remat(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

macro_rules! from_errors {
    ($($variant:ident($t:ty)),*) => {
        $(impl From<$t> for Error {
            fn from(e: $t) -> Error {
                Error::$variant(e)
            }
        })*
    };
}

from_errors!(
    Parse(adgraph_ir::ParseError),
    Graph(adgraph_ir::GraphError),
    Eval(adgraph_ir::EvalError),
    Opt(adgraph_opt::OptError),
    Diff(adgraph_diff::DiffError),
    Exec(adgraph_exec::ExecError),
    Reverse(adgraph_exec::ReverseError),
    Remat(adgraph_remat::RematError)
);
