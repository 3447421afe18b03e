//! adgraph's reverse interpreter on a [`Case`]: the trace of the workload's function
//! and a checkpoint plan from `adgraph-remat`, swept by `adgraph_exec::ReversePlan`.
//!
//! A `ReversePlan` borrows its trace and plan, so this module hands out the owned
//! parts ([`ReverseParts`]) and the bench lays the plan out once over them; only the
//! sweeps are timed, as for the other systems.

use adgraph_ir::FloatMode;
use adgraph_remat::{plan_checkpoints, CostModel, Plan, Strategy, Trace};

use crate::error::PeersError;
use crate::Case;

/// The trace of a case's function and a plan over it.
#[derive(Clone, Debug)]
pub struct ReverseParts {
    /// The function's trace (steps, slots, adjoint slots).
    pub trace: Trace,
    /// The checkpoint plan.
    pub plan: Plan,
}

impl ReverseParts {
    /// Optimizes the case's function (strict pipeline, as for the forward
    /// interpreter), traces it and plans it with `strategy` (default cost model).
    pub fn new(case: &Case, strategy: Strategy) -> Result<ReverseParts, PeersError> {
        let w = &case.workload;
        let (optimized, _) = adgraph_opt::optimize(
            &w.graph,
            std::slice::from_ref(&w.function),
            FloatMode::Strict,
        )?;
        let function = optimized.functions.first().ok_or(PeersError::NoFunction)?;
        let trace = Trace::from_function(&optimized.graph, function)?;
        let plan = plan_checkpoints(&trace, strategy, &CostModel::default())?;
        Ok(ReverseParts { trace, plan })
    }
}
