//! The errors of preparing adgraph for a benchmark case.
//!
//! The bench builds adgraph's programs from the standard workloads, which always
//! succeed; the error type still carries what went wrong so a changed API or a
//! broken pass shows up as a message naming the step, not as a panic deep inside.

use std::fmt;

/// Why adgraph could not be prepared for a case.
#[derive(Debug)]
pub enum PeersError {
    /// The optimizing pipeline failed.
    Optimize(adgraph_opt::OptError),
    /// Compiling or running a program failed.
    Exec(adgraph_exec::ExecError),
    /// Tracing or planning for the reverse interpreter failed.
    Remat(adgraph_remat::RematError),
    /// Laying out or sweeping a reverse plan failed.
    Reverse(adgraph_exec::ReverseError),
    /// Building the symbolic gradient failed.
    Diff(adgraph_diff::DiffError),
    /// The pipeline returned no function.
    NoFunction,
}

impl fmt::Display for PeersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeersError::Optimize(e) => write!(f, "optimizing the workload failed: {e}"),
            PeersError::Exec(e) => write!(f, "compiling or running the program failed: {e}"),
            PeersError::Remat(e) => write!(f, "tracing or planning the workload failed: {e}"),
            PeersError::Reverse(e) => write!(f, "the reverse interpreter failed: {e}"),
            PeersError::Diff(e) => write!(f, "differentiating the workload failed: {e}"),
            PeersError::NoFunction => write!(f, "the optimizer returned no function"),
        }
    }
}

impl std::error::Error for PeersError {}

impl From<adgraph_opt::OptError> for PeersError {
    fn from(e: adgraph_opt::OptError) -> Self {
        PeersError::Optimize(e)
    }
}

impl From<adgraph_exec::ExecError> for PeersError {
    fn from(e: adgraph_exec::ExecError) -> Self {
        PeersError::Exec(e)
    }
}

impl From<adgraph_diff::DiffError> for PeersError {
    fn from(e: adgraph_diff::DiffError) -> Self {
        PeersError::Diff(e)
    }
}

impl From<adgraph_remat::RematError> for PeersError {
    fn from(e: adgraph_remat::RematError) -> Self {
        PeersError::Remat(e)
    }
}

impl From<adgraph_exec::ReverseError> for PeersError {
    fn from(e: adgraph_exec::ReverseError) -> Self {
        PeersError::Reverse(e)
    }
}
