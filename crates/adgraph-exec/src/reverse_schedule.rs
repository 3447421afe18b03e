//! The schedule laid out for a sweep: a plan's actions resolved once, when the plan is
//! laid out, into what the sweep's loop runs without looking anything up, and the
//! places the checkpoint and tape stack will give each object.
//!
//! The sweep's stack ([`crate::reverse_stack`]) pushes and pops in the schedule's
//! order, so where each object lies is known before the sweep: [`lower_actions`]
//! follows the pushes to find each segment's tape (the backward code's sources point
//! there) and how far the stack reaches (the buffer is made that large up front).

use crate::reverse::malformed;
use crate::reverse_code::TAPE_SPARE;
use crate::ReverseError;
use adgraph_remat::{Action, Plan};

/// A schedule action with what the sweep needs looked up when the plan is laid out
/// ([`lower_actions`]): code ranges, checkpoint slots, stack positions, instruction
/// counts. (Looking them up per action, and keeping a table of checkpoint positions
/// allocated per call, cost some 40 machine instructions an action; revolve issues
/// one per 8 instructions on the RK4 chain.)
#[derive(Clone, Copy, Debug)]
pub(crate) enum Move {
    /// Pushes a checkpoint of working slots `checkpoint_slots[slots]`.
    Store {
        /// Range of `checkpoint_slots`.
        slots: (u32, u32),
    },
    /// Copies the checkpoint at stack position `at` back into its working slots (a
    /// restore of boundary 0, the leaves, copies nothing and is left out).
    Restore {
        /// Stack position of the checkpoint.
        at: u32,
        /// Range of `checkpoint_slots`.
        slots: (u32, u32),
    },
    /// Releases the top checkpoint.
    Free,
    /// Runs `forward[code]`, keeping nothing.
    Advance {
        /// Range of `forward`.
        code: (u32, u32),
        /// What the run counts.
        counts: Counts,
    },
    /// Runs `forward[code]` (segment `segment`), pushing its tape.
    Record {
        /// Range of `forward`.
        code: (u32, u32),
        /// What the run counts.
        counts: Counts,
        /// The segment recorded.
        segment: u32,
    },
    /// Sweeps `backward[code]` from the top tape, then releases it.
    Reverse {
        /// Range of `backward` (the segment's steps).
        code: (u32, u32),
        /// Where the tape starts, in values per lane above the working slots (where
        /// the lowered code's sources point).
        at: u32,
        /// Range of `backward` the next `Reverse` of the schedule sweeps (empty for
        /// the last), for the sweep to ask for while the forward runs between them.
        next: (u32, u32),
    },
}

/// What a forward run counts: instructions run for the first time and again, and
/// whether it ends at the end of the program (where the outputs are taken).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counts {
    /// Instructions run for the first time.
    pub(crate) fresh: u32,
    /// Instructions run again.
    pub(crate) again: u32,
    /// Whether the run ends at the end of the program.
    pub(crate) outputs: bool,
}

/// A `(start, end)` pair as a range.
pub(crate) fn range((start, end): (u32, u32)) -> std::ops::Range<usize> {
    start as usize..end as usize
}

/// The schedule laid out for the sweep: see [`lower_actions`].
pub(crate) struct ScheduleLayout {
    /// The actions, resolved.
    pub(crate) moves: Vec<Move>,
    /// Every checkpoint's working slots, end to end.
    pub(crate) checkpoint_slots: Vec<u32>,
    /// Per segment: where its tape starts on the stack when it is swept backward
    /// (values per lane above the working slots).
    pub(crate) tape_at: Vec<u32>,
    /// The largest extent of the stack (values per lane, spare places included).
    pub(crate) extent: usize,
}

/// Resolves the plan's actions into [`Move`]s: the forward code of each run and what it
/// counts (each instruction is fresh the first time the frontier passes it), each
/// checkpoint's slots (flattened) and, for a restore, the stack position it was pushed
/// at; and follows the stack's objects as the sweep will push them: where each
/// segment's tape lies when it is swept backward, and how far the stack reaches.
/// Fails on a schedule whose stack would underflow, that restores a checkpoint not
/// held, or that sweeps a segment other than once (the sweep indexes without checks).
pub(crate) fn lower_actions(
    plan: &Plan,
    forward_starts: &[u32],
    checkpoint_slots: &[Vec<u32>],
    tape_lengths: &[u32],
) -> Result<ScheduleLayout, ReverseError> {
    let b = plan.boundaries();
    let l = plan.segment_count();
    let bad = || malformed("a schedule out of stack order");
    let mut flat = Vec::new();
    let mut ranges = Vec::with_capacity(checkpoint_slots.len());
    for slots in checkpoint_slots {
        let start = flat.len() as u32;
        flat.extend_from_slice(slots);
        ranges.push((start, flat.len() as u32));
    }
    // Per boundary: the stack position of its held checkpoint.
    let mut held_at = vec![None; l as usize + 1];
    let (mut pos, mut frontier) = (0u32, 0u32);
    // The objects' starts as the sweep will push them (values per lane): their count
    // is the stack's depth, the next object's position.
    let mut starts: Vec<usize> = Vec::new();
    let (mut top, mut extent) = (0usize, 0usize);
    let mut tape_at = vec![None; l as usize];
    let push =
        |len: usize, spare: usize, starts: &mut Vec<usize>, top: &mut usize, extent: &mut usize| {
            starts.push(*top);
            *extent = (*extent).max(*top + len + spare);
            *top += len;
        };
    let run = |from: u32, to: u32, frontier: &mut u32| {
        let fresh = from.max(*frontier).min(to);
        let counts = Counts {
            fresh: b[to as usize] - b[fresh as usize],
            again: b[fresh as usize] - b[from as usize],
            outputs: to == l,
        };
        *frontier = (*frontier).max(to);
        let code = (forward_starts[from as usize], forward_starts[to as usize]);
        (code, counts)
    };
    let mut moves = Vec::with_capacity(plan.actions().len());
    for &a in plan.actions() {
        let m = match a {
            Action::Store(k) => {
                held_at[k as usize] = Some(starts.len() as u32);
                push(
                    checkpoint_slots[k as usize].len(),
                    0,
                    &mut starts,
                    &mut top,
                    &mut extent,
                );
                Move::Store {
                    slots: ranges[k as usize],
                }
            }
            Action::Restore(k) => {
                pos = k;
                // Boundary 0's state is the leaves, never overwritten: nothing to copy.
                if k == 0 {
                    continue;
                }
                Move::Restore {
                    at: held_at[k as usize].ok_or_else(bad)?,
                    slots: ranges[k as usize],
                }
            }
            Action::Free(k) => {
                held_at[k as usize] = None;
                top = starts.pop().ok_or_else(bad)?;
                Move::Free
            }
            Action::Advance(k) => {
                let (code, counts) = run(pos, k, &mut frontier);
                pos = k;
                Move::Advance { code, counts }
            }
            Action::Record(j) => {
                let (code, counts) = run(j, j + 1, &mut frontier);
                pos = j + 1;
                push(
                    tape_lengths[j as usize] as usize,
                    TAPE_SPARE,
                    &mut starts,
                    &mut top,
                    &mut extent,
                );
                Move::Record {
                    code,
                    counts,
                    segment: j,
                }
            }
            Action::Reverse(j) => {
                top = starts.pop().ok_or_else(bad)?;
                let at = u32::try_from(top).map_err(|_| bad())?;
                if tape_at[j as usize].replace(at).is_some() {
                    return Err(malformed("a segment swept backward twice"));
                }
                Move::Reverse {
                    code: (b[j as usize], b[j as usize + 1]),
                    at,
                    next: (0, 0),
                }
            }
        };
        moves.push(m);
    }
    // Each backward sweep names the code of the one after it.
    let mut next = (0, 0);
    for m in moves.iter_mut().rev() {
        if let Move::Reverse { code, next: n, .. } = m {
            *n = next;
            next = *code;
        }
    }
    Ok(ScheduleLayout {
        moves,
        checkpoint_slots: flat,
        tape_at: tape_at
            .into_iter()
            .collect::<Option<_>>()
            .ok_or_else(|| malformed("a segment never swept backward"))?,
        extent,
    })
}
