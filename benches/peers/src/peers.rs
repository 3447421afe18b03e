//! The Rust peers: echidna's reusable bytecode tape (and its checkpointing) and
//! num-dual's forward-mode dual numbers, driven on a [`Case`].
//!
//! Each peer is used the way its documentation recommends for repeated evaluation:
//! echidna records the function once into a `BytecodeTape` (optimized by its own CSE
//! and DCE) and re-runs it at new points; num-dual has no reverse mode, so a gradient
//! takes one `Dual64` pass per input.

use echidna::bytecode_tape::BytecodeTape;
use echidna::BReverse;
use num_dual::Dual64;

use crate::Case;

/// Records `case` into an echidna tape at its point, then runs echidna's optimizer.
pub fn echidna_tape(case: &Case) -> BytecodeTape<f64> {
    let (mut tape, _) = echidna::record(|x| case.generic(x), case.point());
    tape.optimize();
    tape
}

/// echidna's value at `x` on a recorded tape.
pub fn echidna_f(tape: &mut BytecodeTape<f64>, x: &[f64]) -> f64 {
    tape.forward(x);
    tape.output_value()
}

/// echidna's gradient at `x` on a recorded tape (forward then reverse sweep), with a
/// reused adjoint buffer; the value is left in the tape.
pub fn echidna_grad(tape: &mut BytecodeTape<f64>, x: &[f64], adjoints: &mut Vec<f64>) -> Vec<f64> {
    tape.gradient_with_buf(x, adjoints)
}

/// echidna's checkpointed gradient of the Van der Pol RK4 chain: `grad_checkpointed`
/// over `steps` steps of the state `[x, y, mu]` with `checkpoints` snapshots (it
/// records each segment's tape anew on every call).
pub fn echidna_vdp_checkpointed(p: &[f64], steps: usize, checkpoints: usize) -> Vec<f64> {
    echidna::checkpoint::grad_checkpointed(
        |s: &[BReverse<f64>]| {
            let (x, y) = crate::generic::vdp_step(s[2], s[0], s[1]);
            vec![x, y, s[2]]
        },
        |s: &[BReverse<f64>]| s[0],
        p,
        steps,
        checkpoints,
    )
}

/// num-dual's value and gradient at `x`: one forward pass with `Dual64` per input,
/// seeding that input's tangent; `duals` is a reused buffer.
pub fn num_dual_grad(case: &Case, x: &[f64], g: &mut [f64], duals: &mut Vec<Dual64>) -> f64 {
    duals.clear();
    duals.extend(x.iter().map(|&v| Dual64::new(v, 0.0)));
    let mut value = 0.0;
    for k in 0..x.len() {
        duals[k].eps = 1.0;
        let out = case.generic(duals);
        duals[k].eps = 0.0;
        g[k] = out.eps;
        value = out.re;
    }
    value
}
