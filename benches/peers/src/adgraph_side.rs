//! adgraph itself on a [`Case`], the way a user runs it: optimize the function
//! (strict mode, bit-exact), compile it to a `Program`, evaluate with a reused
//! workspace; batches through the batched interpreter on the calling thread.
//!
//! Everything is prepared once in [`Adgraph::new`] (optimizing, compiling), so the
//! benches time only evaluation, as they do for echidna's recorded tape.

use adgraph_exec::{Program, Workspace};
use adgraph_ir::FloatMode;

use crate::error::PeersError;
use crate::Case;

/// adgraph prepared for one case: the compiled program of the function.
#[derive(Clone, Debug)]
pub struct Adgraph {
    program: Program,
    workspace: Workspace,
    outputs: Vec<f64>,
    /// Operation nodes of the function after the strict pipeline.
    pub ops: usize,
}

impl Adgraph {
    /// Optimizes (strict) and compiles the case's function.
    pub fn new(case: &Case) -> Result<Adgraph, PeersError> {
        let w = &case.workload;
        let (optimized, _) = adgraph_opt::optimize(
            &w.graph,
            std::slice::from_ref(&w.function),
            FloatMode::Strict,
        )?;
        let ops = adgraph_opt::op_count(&optimized);
        let function = optimized.functions.first().ok_or(PeersError::NoFunction)?;
        let program = Program::compile(&optimized.graph, function)?;
        let outputs = vec![0.0; program.output_count()];
        Ok(Adgraph {
            program,
            workspace: Workspace::new(),
            outputs,
            ops,
        })
    }

    /// The value at `x` (the forward interpreter, no allocation once warm).
    pub fn f(&mut self, x: &[f64]) -> Result<f64, PeersError> {
        self.program
            .eval_with(&mut self.workspace, x, &mut self.outputs)?;
        Ok(self.outputs[0])
    }

    /// Values at many points (`points` row-major) into `out`, one thread.
    pub fn f_batch(&self, points: &[f64], out: &mut [f64]) -> Result<(), PeersError> {
        Ok(self.program.eval_batch_into(points, out, false)?)
    }
}
