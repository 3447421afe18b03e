//! The per-instruction kernels of the reverse interpreter, over `W` lanes (points).
//!
//! Forward: [`Op::eval1`]/[`Op::eval2`]/[`select`], the definitions of the ops, so
//! recomputed values are bit-identical to the first computation and to the reference
//! evaluator. Backward: [`adgraph_ir::derivative`] read with [`Numbers`], the one
//! derivative rule of the project, so adjoints agree with every other mode by
//! construction. Each kernel handles one instruction for `W` points at once; `W` is a
//! compile-time constant (1 for single points, [`LANES`] for batches), so the lane
//! loops unroll.

use adgraph_ir::op::select;
use adgraph_ir::{derivative, Numbers};
use adgraph_remat::{Step, NEEDS_RESULT, NO_SLOT};

/// Points per lane group in batched sweeps.
pub const LANES: usize = 8;

/// Marks an operand source as a tape offset (else it is a working slot).
pub(crate) const FROM_TAPE: u32 = 1 << 31;

/// Runs one instruction forward over `W` lanes of working slots.
#[inline(always)]
pub(crate) fn forward<const W: usize>(s: &Step, work: &mut [f64]) {
    let lane = |slot: u32| slot as usize * W;
    let mut r = [0.0; W];
    match s.op.arity() {
        1 => {
            let a = &work[lane(s.arg_slots[0])..][..W];
            for l in 0..W {
                r[l] = s.op.eval1(a[l], s.exponent);
            }
        }
        2 => {
            let (a, b) = (lane(s.arg_slots[0]), lane(s.arg_slots[1]));
            for l in 0..W {
                r[l] = s.op.eval2(work[a + l], work[b + l]);
            }
        }
        _ => {
            let (c, a, b) = (
                lane(s.arg_slots[0]),
                lane(s.arg_slots[1]),
                lane(s.arg_slots[2]),
            );
            for l in 0..W {
                r[l] = select(work[c + l], work[a + l], work[b + l]);
            }
        }
    }
    work[lane(s.result_slot)..][..W].copy_from_slice(&r);
}

/// Sweeps one instruction backward over `W` lanes: reads the result's adjoint, clears
/// it (its slot is free from here on), and adds each operand's contribution.
/// `sources` says where each needed operand (0..3) and the result (3) are: a working
/// slot, or a tape offset tagged [`FROM_TAPE`].
#[inline(always)]
pub(crate) fn backward<const W: usize>(
    s: &Step,
    sources: &[u32; 4],
    tape: &[f64],
    work: &[f64],
    adjoints: &mut [f64],
) {
    let arity = s.op.arity();
    let fetch = |code: u32| -> [f64; W] {
        let mut out = [0.0; W];
        if code & FROM_TAPE != 0 {
            out.copy_from_slice(&tape[(code & !FROM_TAPE) as usize * W..][..W]);
        } else {
            out.copy_from_slice(&work[code as usize * W..][..W]);
        }
        out
    };
    let r = s.result_adjoint as usize * W;
    let mut seed = [0.0; W];
    seed.copy_from_slice(&adjoints[r..r + W]);
    adjoints[r..r + W].fill(0.0);
    // Values the rule does not read are passed as NaN; `backward_needs` guarantees
    // they are never read (tested per op).
    let mut args = [[f64::NAN; W]; 3];
    for (i, a) in args.iter_mut().enumerate().take(arity) {
        if s.needs & (1 << i) != 0 {
            *a = fetch(sources[i]);
        }
    }
    let result = if s.needs & NEEDS_RESULT != 0 {
        fetch(sources[3])
    } else {
        [f64::NAN; W]
    };
    for i in 0..arity {
        let target = s.arg_adjoints[i];
        if target == NO_SLOT {
            continue;
        }
        let t = target as usize * W;
        for l in 0..W {
            let a = [args[0][l], args[1][l], args[2][l]];
            if let Ok(Some(c)) = derivative(
                &mut Numbers,
                s.op,
                s.exponent,
                &a[..arity],
                result[l],
                i,
                seed[l],
            ) {
                adjoints[t + l] += c;
            }
        }
    }
}
