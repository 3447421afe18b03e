//! The reverse interpreter's hot instruction forms: compact forward code that records
//! kept values by pushing them, and backward code specialized per operation and per
//! which operands take an adjoint.
//!
//! A plan is first laid out in the general forms of [`crate::reverse_kernels`]
//! ([`Forward`], [`Backward`]), whose every index is validated against the slot counts
//! and tape lengths. This module lowers those validated instructions once, when the
//! plan is laid out, into forms the sweeps run fast:
//!
//! - [`Fwd`]: the forward interpreter's dense opcode ([`Kind`], with `x ^ 2` as
//!   `Square`), with the forward interpreter's fused pairs ([`lower_forward`]: the
//!   inner value of a pair is never stored), and flags saying what to record. A
//!   segment's tape holds its kept values in instruction order after the values
//!   carried into it, so recording is a push through a moving pointer, not an offset
//!   lookup.
//! - [`Bwd`]: one opcode per (operation, which operands take an adjoint) pair for the
//!   common operations, operand sources resolved to positions in the one buffer
//!   holding the working slots and the tapes (a segment's tape has a fixed place
//!   there when it is swept), read from one base, and no adjoint-present tests; anything
//!   else falls back to the general [`backward`] kernel on the original instruction.
//!   Where a value's only use is the next instruction to run backward, its adjoint
//!   passes in a register ([`Carry`], set by [`chain`]) instead of through its slot.
//!   The most frequent runs of two and four neighbouring opcodes run as one opcode
//!   ([`fuse_runs`]), dividing the dispatches on the workloads' chains by up to four;
//!   the sweep walks the code by pointer. (Rosenbrock n = 10,000 under callgrind:
//!   23.1 machine instructions per backward instruction before these, 15.7 with
//!   pairs, 11.9 with pairs of pairs.)
//!
//! Each specialized arm performs exactly the floating-point operations of
//! [`crate::reverse_kernels::contribution`] in the same order, so gradients stay
//! bit-identical to the general kernel (a test runs both on every op), and fusing
//! and chaining change no bit (a test runs every workload and special values with
//! and without them).

use crate::code::{self, Kind};
use crate::reverse_kernels::{backward, Backward, Forward, FROM_TAPE};
use adgraph_ir::op::{powi, select};
use adgraph_ir::Op;
use adgraph_remat::NO_SLOT;

/// A forward instruction: `work[dst] = kind(work[a], work[b], work[c])` (`PowI` keeps
/// its exponent in `c`); when recording, pushes a fused pair's inner value if `inner`
/// is 1, then the result if `result` is 1.
///
/// Recording one lane writes without a test: the inner value (pairs only) and the
/// result are always stored at the tape pointer, which then advances by `inner` and
/// `result` places, so a value not kept is overwritten by the next one pushed (or
/// lands in the one spare place after the tape, [`TAPE_SPARE`]). Over several lanes
/// the flags are tested after the instruction: storing `W` values not kept on every
/// instruction made batched gradients 20% to 35% slower (the peers bench's
/// `batch-grad`). Two flag bytes sit in what was the struct's padding (20 bytes either
/// way).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fwd {
    kind: Kind,
    /// 1 if a fused pair's inner value is recorded, else 0.
    inner: u8,
    /// 1 if the result is recorded, else 0.
    result: u8,
    a: u32,
    b: u32,
    c: u32,
    dst: u32,
}

impl Fwd {
    /// Lowers a validated forward instruction; `keep` says whether its result goes on
    /// the tape of its segment.
    pub(crate) fn lower(f: &Forward, keep: bool) -> Fwd {
        let c = code::lower(f.op, exponent(f), [f.a, f.b, f.c], f.r);
        Fwd {
            kind: c.kind,
            inner: 0,
            result: keep as u8,
            a: c.a,
            b: c.b,
            c: c.c,
            dst: c.dst,
        }
    }
}

/// The `PowI` exponent of `f` (kept in its `b`), else 0.
fn exponent(f: &Forward) -> i32 {
    if f.op == Op::PowI {
        f.b as i32
    } else {
        0
    }
}

/// Lowers validated forward instructions, fusing pairs as `Program` does (see
/// [`code::fusion`]): instruction `j` fuses with `j + 1` where `fuses(j)` is
/// `Some(side)`, meaning its value is used once in all, as operand `side` of `j + 1`
/// in the same segment (so no later instruction reads its slot, which the pair never
/// writes; the backward sweep reads step values from the tape only). `keep[j]` says
/// whether instruction `j`'s result is recorded; a pair records its inner value, then
/// its outer one, as the two instructions would. Returns the code and, per
/// instruction (and one past the end), the index of the code that computes it (a
/// pair's index for both halves).
pub(crate) fn lower_forward(
    code: &[Forward],
    keep: &[bool],
    fuses: impl Fn(usize) -> Option<usize>,
) -> (Vec<Fwd>, Vec<u32>) {
    let mut out = Vec::with_capacity(code.len());
    let mut at = Vec::with_capacity(code.len() + 1);
    let mut j = 0;
    while let Some(f) = code.get(j) {
        at.push(out.len() as u32);
        let fused = code.get(j + 1).zip(fuses(j)).and_then(|(g, side)| {
            let inner = code::kind_of(f.op, exponent(f));
            let outer = code::kind_of(g.op, exponent(g));
            code::fusion(inner, outer, side).map(|kind| Fwd {
                kind,
                inner: keep[j] as u8,
                result: keep[j + 1] as u8,
                a: f.a,
                b: if inner == Kind::Square { 0 } else { f.b },
                c: match (outer, side) {
                    (Kind::Square, _) => 0,
                    (_, 0) => g.b,
                    _ => g.a,
                },
                dst: g.r,
            })
        });
        match fused {
            Some(pair) => {
                at.push(out.len() as u32);
                out.push(pair);
                j += 2;
            }
            None => {
                out.push(Fwd::lower(f, keep[j]));
                j += 1;
            }
        }
    }
    at.push(out.len() as u32);
    (out, at)
}

/// Unary opcodes other than the inline ones, out of line so the hot loop stays small.
#[inline(never)]
fn unary_outlined(kind: Kind, a: f64, exponent: i32) -> f64 {
    code::unary(kind, a, exponent)
}

/// Binary opcodes other than the inline ones, out of line.
#[inline(never)]
fn binary_outlined(kind: Kind, a: f64, b: f64) -> f64 {
    code::binary(kind, a, b)
}

/// Asks for the cache lines of `items`, a hint that reads nothing (x86_64; elsewhere
/// nothing is done).
#[inline]
pub(crate) fn prefetch_lines<T>(items: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let p = items.as_ptr().cast::<i8>();
        for offset in (0..std::mem::size_of_val(items)).step_by(64) {
            // SAFETY: the address lies within `items`, and a prefetch neither reads
            // the memory into a value nor faults.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = items;
}

/// Spare places (of `W` values each) a tape needs after its last value: recording
/// stores every result at the tape pointer, kept or not (see [`Fwd`]).
pub(crate) const TAPE_SPARE: usize = 1;

/// Runs `code` forward over `W` lanes of `work`; with `RECORD`, pushes each kept
/// value's lanes at `tape` (advancing it).
///
/// # Safety
/// Every slot index of `code` is below `work.len() / W` (the [`Forward`] instructions
/// it was lowered from were validated); with `RECORD`, `tape` has room for `W` values
/// per kept value of `code` plus [`TAPE_SPARE`] places of `W` values.
#[inline(never)]
pub(crate) unsafe fn run_forward<const W: usize, const RECORD: bool>(
    code: &[Fwd],
    work: &mut [f64],
    mut tape: *mut f64,
) {
    let p = work.as_mut_ptr();
    // Over several lanes, a fused pair's inner values, for recording.
    let mut inner = [0.0f64; W];
    for f in code {
        let rd = |s: u32, l: usize| *p.add(s as usize * W + l);
        let dst = p.add(f.dst as usize * W);
        // Where the result goes on the tape: after the inner value if that is kept.
        let at = if RECORD {
            tape.add(f.inner as usize * W)
        } else {
            tape
        };
        macro_rules! lanes {
            (|$l:ident| $e:expr) => {
                for $l in 0..W {
                    let v = $e;
                    *dst.add($l) = v;
                    if RECORD && W == 1 {
                        *at.add($l) = v;
                    }
                }
            };
        }
        // A fused pair: `t` is the inner result, never stored.
        macro_rules! pair {
            ($inner:ident, $outer:ident, $side:tt) => {
                lanes!(|l| {
                    let a = rd(f.a, l);
                    let b = if Kind::$inner == Kind::Square {
                        a
                    } else {
                        rd(f.b, l)
                    };
                    let t = code::pair_value(Kind::$inner, a, b);
                    if RECORD && W == 1 {
                        *tape.add(l) = t;
                    } else if RECORD {
                        inner[l] = t;
                    }
                    if Kind::$outer == Kind::Square {
                        t * t
                    } else if $side == 0 {
                        code::pair_value(Kind::$outer, t, rd(f.c, l))
                    } else {
                        code::pair_value(Kind::$outer, rd(f.c, l), t)
                    }
                })
            };
        }
        code::match_kind!(f.kind, pair, {
            Kind::Add => lanes!(|l| rd(f.a, l) + rd(f.b, l)),
            Kind::Sub => lanes!(|l| rd(f.a, l) - rd(f.b, l)),
            Kind::Mul => lanes!(|l| rd(f.a, l) * rd(f.b, l)),
            Kind::Div => lanes!(|l| rd(f.a, l) / rd(f.b, l)),
            Kind::Square => lanes!(|l| {
                let a = rd(f.a, l);
                a * a
            }),
            Kind::Neg => lanes!(|l| -rd(f.a, l)),
            Kind::Select => lanes!(|l| select(rd(f.a, l), rd(f.b, l), rd(f.c, l))),
        }, {
            k if code::arity(k) == 1 => lanes!(|l| unary_outlined(k, rd(f.a, l), f.c as i32)),
            k => lanes!(|l| binary_outlined(k, rd(f.a, l), rd(f.b, l))),
        });
        if RECORD && W == 1 {
            tape = at.add(f.result as usize);
        } else if RECORD && (f.inner | f.result) != 0 {
            if f.inner != 0 {
                for (l, &t) in inner.iter().enumerate() {
                    *tape.add(l) = t;
                }
                tape = tape.add(W);
            }
            if f.result != 0 {
                for l in 0..W {
                    *tape.add(l) = *dst.add(l);
                }
                tape = tape.add(W);
            }
        }
    }
}

/// Where an instruction's adjoint goes or comes from besides its slots: the
/// adjoint of a value whose only use is the next instruction to run backward (the
/// one before it in the forward order, in the same segment) passes in a register,
/// `carry`, instead of a round trip through its adjoint slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Carry {
    /// Through the slots only.
    None,
    /// The result's adjoint is `carry` (its slot is neither read nor cleared).
    In,
    /// Operand `A`'s contribution becomes `carry` (its slot is not touched).
    OutA,
    /// Operand `B`'s contribution becomes `carry`.
    OutB,
    /// Both [`Carry::In`] and [`Carry::OutA`].
    InOutA,
    /// Both [`Carry::In`] and [`Carry::OutB`].
    InOutB,
}

impl Carry {
    /// The mode with `in_` and an output to operand `out` (0: none, 1: `A`, 2: `B`).
    pub(crate) fn of(in_: bool, out: u8) -> Carry {
        match (in_, out) {
            (false, 0) => Carry::None,
            (true, 0) => Carry::In,
            (false, 1) => Carry::OutA,
            (false, _) => Carry::OutB,
            (true, 1) => Carry::InOutA,
            (true, _) => Carry::InOutB,
        }
    }
}

/// Declares [`BKind`] (each base opcode with its carrying variants, then the fused
/// runs), the map from a base opcode and a [`Carry`] to its variant, the map from a run
/// of opcodes to their fused opcode, and [`run_backward`], whose `match` runs each
/// variant through [`lanes`] with the base opcode's body, and each fused run as its
/// parts in turn. A body gives the contributions `(A, B)` of adjoint `s` on lane `l` of
/// instruction `b`, reading sources with `ld`; `$n` is how many of them are used (0, 1
/// or 2).
macro_rules! backward_ops {
    (|$b:ident, $ld:ident, $l:ident, $s:ident| $(
        $(#[$doc:meta])*
        $base:ident / $n:literal [$($variant:ident: $mode:ident),*] $body:expr;
    )* @fused { $($fused:ident = $first:ident $(+ $rest:ident)+,)* }) => {
        /// A backward opcode: the operation, specialized by which operands take an
        /// adjoint (`x`, `y` name the operands read and `v` the result, which the
        /// [`Bwd`] field `x` holds; `A`, `B` its adjoint fields), then by its
        /// [`Carry`] (suffix `I`: adjoint in; `A`/`B`: that contribution out); or a
        /// fused run of them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum BKind {
            $(
                $(#[$doc])*
                $base,
                $(
                    #[doc = concat!("`", stringify!($base), "` with `Carry::", stringify!($mode), "`.")]
                    $variant,
                )*
            )*
            /// The general kernel on `Backward` instruction number `x`.
            General,
            $(
                #[doc = concat!("`", stringify!($first), "` (this instruction)",
                    $(", `", stringify!($rest), "`",)+
                    " (the ones before it, last first), in one dispatch.")]
                $fused,
            )*
        }

        impl BKind {
            /// How many operand adjoints (`A`, `B`) this opcode adds to (0 for fused
            /// runs).
            pub(crate) fn adjoint_count(self) -> u8 {
                match self {
                    $(BKind::$base $(| BKind::$variant)* => $n,)*
                    _ => 0,
                }
            }

            /// This base opcode under `carry`, if it has that variant.
            pub(crate) fn carrying(self, carry: Carry) -> Option<BKind> {
                match (self, carry) {
                    $(
                        (BKind::$base, Carry::None) => Some(BKind::$base),
                        $((BKind::$base, Carry::$mode) => Some(BKind::$variant),)*
                    )*
                    _ => None,
                }
            }

            /// The fused opcode running `run` (in sweep order: `run[0]` first, then
            /// the instructions before it), if there is one.
            pub(crate) fn fused(run: &[BKind]) -> Option<BKind> {
                match run {
                    $([BKind::$first $(, BKind::$rest)+] => Some(BKind::$fused),)*
                    _ => None,
                }
            }

            /// The [`Carry`] of a single opcode (for tests).
            #[cfg(test)]
            pub(crate) fn carry(self) -> Carry {
                match self {
                    $($(BKind::$variant => Carry::$mode,)*)*
                    _ => Carry::None,
                }
            }

            /// Every fused opcode with its parts in sweep order (for tests).
            #[cfg(test)]
            pub(crate) const FUSED: &'static [(BKind, &'static [BKind])] =
                &[$((BKind::$fused, &[BKind::$first $(, BKind::$rest)+]),)*];
        }

        /// Runs one instruction `b` of single opcode `kind` over `W` lanes (`kind` is
        /// a constant wherever this is inlined, so the `match` folds away).
        ///
        /// # Safety
        /// As [`run_backward`]; `kind` is neither `General` nor fused.
        #[inline(always)]
        unsafe fn single<const W: usize>(
            kind: BKind,
            $b: &Bwd,
            base: *const f64,
            adj: *mut f64,
            carry: &mut [f64; W],
        ) {
            // A source is a position in the buffer of working slots and tapes.
            let $ld = |src: u32, l: usize| *base.add(src as usize * W + l);
            let r = adj.add($b.r as usize * W);
            let pa = adj.add($b.a as usize * W);
            let pb = adj.add($b.b as usize * W);
            match kind {
                $(
                    BKind::$base => lanes::<W, { Carry::None as u8 }, $n>(
                        r, pa, pb, carry, |$l, $s| { let _ = ($l, $s); $body },
                    ),
                    $(
                        BKind::$variant => lanes::<W, { Carry::$mode as u8 }, $n>(
                            r, pa, pb, carry, |$l, $s| { let _ = ($l, $s); $body },
                        ),
                    )*
                )*
                _ => std::hint::unreachable_unchecked(),
            }
        }

        /// Sweeps `code` backward (last instruction first) over `W` lanes. `general`
        /// holds the instructions `BKind::General` refers to; `tape` is the segment's
        /// tape and `work` the working slots, both within the buffer at `base`.
        ///
        /// # Safety
        /// `code` was lowered by [`Bwd::lower`] from `general`, whose indices were
        /// validated against `work.len() / W` working slots, `adjoints.len() / W`
        /// adjoint slots and `tape.len() / W` tape values, with the tape starting
        /// `tape_base * W` values after `base` (`work` at `base`); carries were set by
        /// [`chain`] (a carried adjoint comes from the instruction run just before),
        /// then runs fused by [`fuse_runs`] (never reaching before `code[0]`).
        #[inline(never)]
        pub(crate) unsafe fn run_backward<const W: usize>(
            code: &[Bwd],
            general: &[Backward],
            base: *const f64,
            tape: &[f64],
            work: &[f64],
            adjoints: &mut [f64],
        ) {
            let adj = adjoints.as_mut_ptr();
            let mut carry = [0.0f64; W];
            // Walk by pointer (a fused run steps once per part), not by index: no
            // multiply by the instruction size per dispatch.
            let first = code.as_ptr();
            let mut at = first.add(code.len());
            while at != first {
                at = at.sub(1);
                let b = &*at;
                match b.kind {
                    $(
                        BKind::$base => single::<W>(BKind::$base, b, base, adj, &mut carry),
                        $(
                            BKind::$variant =>
                                single::<W>(BKind::$variant, b, base, adj, &mut carry),
                        )*
                    )*
                    $(
                        BKind::$fused => {
                            single::<W>(BKind::$first, b, base, adj, &mut carry);
                            $(
                                at = at.sub(1);
                                single::<W>(BKind::$rest, &*at, base, adj, &mut carry);
                            )+
                        }
                    )*
                    BKind::General => {
                        general_outlined::<W>(
                            general.get_unchecked(b.x as usize),
                            tape,
                            work,
                            adjoints,
                        )
                    }
                }
            }
        }
    };
}

/// The general kernel, out of line so the specialized arms keep their registers.
///
/// # Safety
/// As [`backward`].
#[inline(never)]
unsafe fn general_outlined<const W: usize>(
    b: &Backward,
    tape: &[f64],
    work: &[f64],
    adjoints: &mut [f64],
) {
    backward::<W>(b, tape, work, adjoints)
}

/// One instruction over `W` lanes: per lane, the result's adjoint `s` (read and
/// cleared from `r`, or taken from `carry`); a zero adjoint contributes nothing (as in
/// the general kernel, so no NaN leaks from partials) and carries out zero; else the
/// first `N` contributions of `body` go to `pa`, `pb` or out through `carry`.
///
/// A carried contribution stands for its slot's sum `0 + c`, which differs from `c`
/// only when `c` is `-0`, and the next instruction reads either as a zero adjoint:
/// the gradients are bit for bit those through the slots.
#[inline(always)]
unsafe fn lanes<const W: usize, const CARRY: u8, const N: u8>(
    r: *mut f64,
    pa: *mut f64,
    pb: *mut f64,
    carry: &mut [f64; W],
    body: impl Fn(usize, f64) -> (f64, f64),
) {
    let takes =
        CARRY == Carry::In as u8 || CARRY == Carry::InOutA as u8 || CARRY == Carry::InOutB as u8;
    let out_a = CARRY == Carry::OutA as u8 || CARRY == Carry::InOutA as u8;
    let out_b = CARRY == Carry::OutB as u8 || CARRY == Carry::InOutB as u8;
    for (l, carry) in carry.iter_mut().enumerate() {
        let s = if takes {
            *carry
        } else {
            let s = *r.add(l);
            *r.add(l) = 0.0;
            s
        };
        if s == 0.0 {
            if out_a || out_b {
                *carry = 0.0;
            }
            continue;
        }
        let (ca, cb) = body(l, s);
        if N >= 1 {
            if out_a {
                *carry = ca;
            } else {
                *pa.add(l) += ca;
            }
        }
        if N >= 2 {
            if out_b {
                *carry = cb;
            } else {
                *pb.add(l) += cb;
            }
        }
    }
}

backward_ops! { |b, ld, l, s|
    /// Only clears the result's adjoint (no operand takes one).
    Nop / 0 [NopI: In] (0.0, 0.0);
    /// `A += s` (`Add` with one adjoint operand, `x ^ 1`).
    Pass / 1 [PassI: In, PassA: OutA, PassIA: InOutA] (s, 0.0);
    /// `A += -s` (`Neg`, `Sub`'s right operand alone).
    NegPass / 1 [NegPassI: In, NegPassA: OutA, NegPassIA: InOutA] (-s, 0.0);
    /// `A += s; B += s`.
    Add / 2 [AddI: In, AddA: OutA, AddB: OutB, AddIA: InOutA, AddIB: InOutB] (s, s);
    /// `A += s; B += -s`.
    Sub / 2 [SubI: In, SubA: OutA, SubB: OutB, SubIA: InOutA, SubIB: InOutB] (s, -s);
    /// `A += s * x` (`Mul` with one adjoint operand; `x` the other operand).
    Scale / 1 [ScaleI: In, ScaleA: OutA, ScaleIA: InOutA] (s * ld(b.x, l), 0.0);
    /// `A += s * y; B += s * x`.
    Mul / 2 [MulI: In, MulA: OutA, MulB: OutB, MulIA: InOutA, MulIB: InOutB] {
            let (x, y) = (ld(b.x, l), ld(b.y, l));
            (s * y, s * x)
        };
    /// `A += s / y` (`Div`, numerator alone).
    DivL / 1 [DivLI: In, DivLA: OutA, DivLIA: InOutA] (s / ld(b.y, l), 0.0);
    /// `A += -((s * v) / y)` (`Div`, denominator alone).
    DivR / 1 [DivRI: In, DivRA: OutA, DivRIA: InOutA] (-((s * ld(b.x, l)) / ld(b.y, l)), 0.0);
    /// `A += s / y; B += -((s * v) / y)`.
    Div / 2 [DivI: In, DivA: OutA, DivB: OutB, DivIA: InOutA, DivIB: InOutB] {
            let (y, v) = (ld(b.y, l), ld(b.x, l));
            (s / y, -((s * v) / y))
        };
    /// `A += s * v`.
    Exp / 1 [ExpI: In, ExpA: OutA, ExpIA: InOutA] (s * ld(b.x, l), 0.0);
    /// `A += s * (1 - v * v)`.
    Tanh / 1 [TanhI: In, TanhA: OutA, TanhIA: InOutA] {
            let v = ld(b.x, l);
            (s * (1.0 - v * v), 0.0)
        };
    /// `A += s / (2 * v)`.
    Sqrt / 1 [SqrtI: In, SqrtA: OutA, SqrtIA: InOutA] (s / (2.0 * ld(b.x, l)), 0.0);
    /// `A += s * (v * (1 - v))`.
    Sigmoid / 1 [SigmoidI: In, SigmoidA: OutA, SigmoidIA: InOutA] {
            let v = ld(b.x, l);
            (s * (v * (1.0 - v)), 0.0)
        };
    /// `A += s * (2 * x)`.
    Square / 1 [SquareI: In, SquareA: OutA, SquareIA: InOutA] (s * (2.0 * ld(b.x, l)), 0.0);
    /// `A += s * (e * x ^ (e - 1))`, `e` in `y`.
    PowI / 1 [PowII: In, PowIA: OutA, PowIIA: InOutA] {
            let e = b.y as i32;
            (s * (e as f64 * powi(ld(b.x, l), e - 1)), 0.0)
        };
    // The runs most frequent in the workloads' chains (Rosenbrock's terms, the RK4
    // stages, the MLP's dot products, Lennard-Jones' pair terms): pairs, then pairs of
    // pairs ([`fuse_runs`] forms pairs first, then fuses neighbouring pairs).
    @fused {
        AddAAddIA = AddA + AddIA,
        ScaleIASquareIA = ScaleIA + SquareIA,
        SubIBSquareI = SubIB + SquareI,
        SquareANegPassI = SquareA + NegPassI,
        AddBScaleI = AddB + ScaleI,
        ScaleIAddB = ScaleI + AddB,
        MulIBMulIB = MulIB + MulIB,
        MulIBNegPassIA = MulIB + NegPassIA,
        NegPassIAMulI = NegPassIA + MulI,
        MulIAddB = MulI + AddB,
        SubAMulIB = SubA + MulIB,
        ScaleISubA = ScaleI + SubA,
        AddBScaleIA = AddB + ScaleIA,
        AddIBAddIB = AddIB + AddIB,
        AddIBScaleI = AddIB + ScaleI,
        ScaleIAAddIB = ScaleIA + AddIB,
        AddBMulI = AddB + MulI,
        TanhAAddIB = TanhA + AddIB,
        MulISub = MulI + Sub,
        SubAddA = Sub + AddA,
        MulIPowIA = MulI + PowIA,
        SubIAMulI = SubIA + MulI,
        SubMul = Sub + Mul,
        PowIADivRIA = PowIA + DivRIA,
        AddIBMulI = AddIB + MulI,
        DivRIAAddIB = DivRIA + AddIB,
        MulSub = Mul + Sub,
        AddAMulI = AddA + MulI,
        ScaleIASubIA = ScaleIA + SubIA,
        AddAScaleIA = AddA + ScaleIA,
        SubIBSquareISquareANegPassI = SubIB + SquareI + SquareA + NegPassI,
        AddAAddIAScaleIASquareIA = AddA + AddIA + ScaleIA + SquareIA,
        MulIBNegPassIAMulIAddB = MulIB + NegPassIA + MulI + AddB,
        AddBScaleISubAMulIB = AddB + ScaleI + SubA + MulIB,
        ScaleIAddBScaleISubA = ScaleI + AddB + ScaleI + SubA,
        MulIBMulIBNegPassIAMulI = MulIB + MulIB + NegPassIA + MulI,
        ScaleISubAMulIBMulIB = ScaleI + SubA + MulIB + MulIB,
        SubAMulIBMulIBNegPassIA = SubA + MulIB + MulIB + NegPassIA,
        MulIAddBScaleIAddB = MulI + AddB + ScaleI + AddB,
        ScaleIAddBScaleIAddB = ScaleI + AddB + ScaleI + AddB,
        AddBScaleIAAddIBAddIB = AddB + ScaleIA + AddIB + AddIB,
        NegPassIAMulIAddBScaleI = NegPassIA + MulI + AddB + ScaleI,
        MulIAddBMulIAddB = MulI + AddB + MulI + AddB,
        AddBMulIAddBMulI = AddB + MulI + AddB + MulI,
        SubAddAMulISub = Sub + AddA + MulI + Sub,
        PowIADivRIAAddIBMulI = PowIA + DivRIA + AddIB + MulI,
        AddIBMulISubAddA = AddIB + MulI + Sub + AddA,
        AddAScaleIASubIAMulI = AddA + ScaleIA + SubIA + MulI,
        MulSubAddAScaleIA = Mul + Sub + AddA + ScaleIA,
        SubIAMulIPowIADivRIA = SubIA + MulI + PowIA + DivRIA,
        MulISubMulSub = MulI + Sub + Mul + Sub,
    }
}

/// Fuses runs of backward instructions into one dispatch where [`BKind::fused`] has
/// one: first pairs, greedily in sweep order (last instruction first), then two
/// neighbouring pairs into four. `starts(j)` says whether instruction `j` begins a
/// segment: a run never spans a boundary (a sweep runs whole segments), so no fused
/// run reaches before a segment's first instruction.
pub(crate) fn fuse_runs(code: &mut [Bwd], starts: impl Fn(usize) -> bool) {
    let singles: Vec<BKind> = code.iter().map(|b| b.kind).collect();
    let mut paired = vec![false; code.len()];
    let mut j = code.len();
    while j > 1 {
        j -= 1;
        if starts(j) {
            continue;
        }
        if let Some(kind) = BKind::fused(&[singles[j], singles[j - 1]]) {
            code[j].kind = kind;
            paired[j] = true;
            j -= 1;
        }
    }
    let mut j = code.len();
    while j > 0 {
        j -= 1;
        if !paired[j] {
            continue;
        }
        if j >= 3 && paired[j - 2] && !starts(j - 1) {
            let run = [singles[j], singles[j - 1], singles[j - 2], singles[j - 3]];
            if let Some(kind) = BKind::fused(&run) {
                code[j].kind = kind;
                code[j - 2].kind = singles[j - 2];
                j -= 3;
                continue;
            }
        }
        j -= 1;
    }
}

/// A backward instruction (24 bytes): opcode, sources `x`, `y` (positions in the
/// buffer of working slots and tapes: a working slot, or a tape value at its segment's
/// tape's fixed place after them; 0, a valid working slot, where unused), adjoint
/// slots `a`, `b` (unused: 0), and the result's adjoint slot `r`. `x` holds operand
/// 0, or the result where the rule reads that (no rule reads both: `Div` reads the
/// result and operand 1, `Mul` both operands), so two source fields serve every
/// opcode; the record streams through the cache on every sweep (28 bytes with a third
/// field). (Choosing between a working-slot base and a tape base per operand, by a
/// tag, cost four machine instructions and a dependent load per operand.)
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bwd {
    kind: BKind,
    x: u32,
    y: u32,
    a: u32,
    b: u32,
    r: u32,
}

impl Bwd {
    /// The opcode (for tests of the lowering).
    #[cfg(test)]
    pub(crate) fn kind(&self) -> BKind {
        self.kind
    }

    /// Lowers validated backward instruction number `index`, whose segment's tape
    /// starts at position `tape_base` of the buffer of working slots and tapes (in
    /// values per lane). Only sources the general kernel would read (per `needs`) and
    /// adjoint slots it would write are used, so every index stays one the validation
    /// covered (a tape offset becomes `tape_base` plus it).
    pub(crate) fn lower(g: &Backward, index: u32, tape_base: u32) -> Bwd {
        let [ax, ay, _] = g.adj;
        let (has_a, has_b) = (ax != NO_SLOT, ay != NO_SLOT);
        let at = |src: u32| {
            if src & FROM_TAPE != 0 {
                // (Wrapping: a `PowI` exponent in `src[1]` may look tagged; it is
                // read from `g`, never from here.)
                tape_base.wrapping_add(src & !FROM_TAPE)
            } else {
                src
            }
        };
        let [x, y, v] = g.src.map(at);
        let e = g.src[1] as i32;
        let mk = |kind, x, y, a, b| Bwd {
            kind,
            x,
            y,
            a,
            b,
            r: g.radj,
        };
        let general = mk(BKind::General, index, 0, 0, 0);
        let one = |kind, x, y| mk(kind, x, y, if has_a { ax } else { ay }, 0);
        match (g.op, has_a, has_b) {
            (Op::Add | Op::Sub | Op::Mul | Op::Div, false, false) | (Op::Neg, false, _) => {
                mk(BKind::Nop, 0, 0, 0, 0)
            }
            (Op::Add, true, true) => mk(BKind::Add, 0, 0, ax, ay),
            (Op::Sub, true, true) => mk(BKind::Sub, 0, 0, ax, ay),
            (Op::Mul, true, true) => mk(BKind::Mul, x, y, ax, ay),
            (Op::Div, true, true) => mk(BKind::Div, v, y, ax, ay),
            (Op::Add, _, _) | (Op::Sub, true, false) => one(BKind::Pass, 0, 0),
            (Op::Sub, false, true) | (Op::Neg, true, _) => one(BKind::NegPass, 0, 0),
            (Op::Mul, true, false) => one(BKind::Scale, y, 0),
            (Op::Mul, false, true) => one(BKind::Scale, x, 0),
            (Op::Div, true, false) => one(BKind::DivL, 0, y),
            (Op::Div, false, true) => one(BKind::DivR, v, y),
            (op, true, _) if op.arity() == 1 => match op {
                Op::Exp => one(BKind::Exp, v, 0),
                Op::Tanh => one(BKind::Tanh, v, 0),
                Op::Sqrt => one(BKind::Sqrt, v, 0),
                Op::Sigmoid => one(BKind::Sigmoid, v, 0),
                Op::PowI if e == 1 => one(BKind::Pass, 0, 0),
                Op::PowI if e == 2 => one(BKind::Square, x, 0),
                Op::PowI if e != 0 => one(BKind::PowI, x, e as u32),
                _ => general,
            },
            _ => general,
        }
    }
}

/// Passes adjoints in a register where a value's only use is the next instruction
/// to run backward: `only_use(j)` is `Some(k)` when the value of instruction `j - 1`
/// (same segment, not an output) is used once in all, as operand `k` of instruction
/// `j`. Instruction `j` then sends that contribution out through the carry and `j - 1`
/// takes its adjoint from it, where both opcodes have such variants.
pub(crate) fn chain(code: &mut [Bwd], only_use: impl Fn(usize) -> Option<usize>) {
    let mut modes = vec![(false, 0u8); code.len()];
    for j in 1..code.len() {
        let Some(k) = only_use(j) else { continue };
        let (producer, consumer) = (&code[j - 1], &code[j]);
        if producer.kind == BKind::General {
            continue;
        }
        let out = match (consumer.kind.adjoint_count(), k) {
            (2, 1) => 2,
            (1 | 2, _) => 1,
            _ => continue,
        };
        let field = if out == 1 { consumer.a } else { consumer.b };
        if field != producer.r {
            continue;
        }
        modes[j].1 = out;
        modes[j - 1].0 = true;
    }
    for (b, (in_, out)) in code.iter_mut().zip(modes) {
        if let Some(kind) = b.kind.carrying(Carry::of(in_, out)) {
            b.kind = kind;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reverse_kernels::{structurally_zero, test_ops};

    /// Every lowered instruction gives the general kernel's adjoints bit for bit, for
    /// every op, every pattern of constant operands, operands in working slots and on
    /// the tape, one and several lanes.
    #[test]
    fn lowered_backward_is_the_general_kernel_bit_for_bit() {
        let values = [
            0.7,
            -0.4,
            2.0,
            0.0,
            -0.0,
            1.5,
            1e-300,
            f64::INFINITY,
            f64::NAN,
        ];
        for (op, e) in test_ops(&[0, 1, 2, 3, -2]) {
            for mask in 0..8u32 {
                for on_tape in [false, true] {
                    for (k, &a) in values.iter().enumerate() {
                        let c = values[(k * 5 + 3) % values.len()];
                        let args = [a, c, 1.0];
                        let r = op.eval(&args[..op.arity()], e);
                        let needs = adgraph_remat::backward_needs(op, e);
                        // work: operands in slots 0..3, result in slot 3; the tape
                        // mirrors slots 1..4 (offset = slot - 1).
                        let work = [args[0], args[1], args[2], r];
                        let tape = [args[1], args[2], r];
                        let at = |slot: u32| {
                            if on_tape && slot > 0 {
                                (slot - 1) | FROM_TAPE
                            } else {
                                slot
                            }
                        };
                        let g = Backward {
                            op,
                            needs: needs & 0b1011,
                            src: [0, if op == Op::PowI { e as u32 } else { at(1) }, at(3)],
                            adj: [0u32, 1, 2].map(|i| {
                                let k = i as usize;
                                if k < op.arity()
                                    && mask & (1 << i) != 0
                                    && !structurally_zero(op, e, k)
                                {
                                    i
                                } else {
                                    NO_SLOT
                                }
                            }),
                            radj: 3,
                        };
                        for seed in [-0.75, 0.0, f64::NAN] {
                            let start = [0.25, -0.0, 1.0, seed];
                            let mut want = start;
                            unsafe { backward::<1>(&g, &tape, &work, &mut want) };
                            let mut got = start;
                            // The lowered code reads both from one buffer, the tape
                            // after the working slots.
                            let code = [Bwd::lower(&g, 0, 4)];
                            let buf = [
                                work[0], work[1], work[2], work[3], tape[0], tape[1], tape[2],
                            ];
                            unsafe {
                                run_backward::<1>(
                                    &code,
                                    &[g],
                                    buf.as_ptr(),
                                    &buf[4..],
                                    &buf[..4],
                                    &mut got,
                                )
                            };
                            for i in 0..4 {
                                assert!(
                                    got[i].to_bits() == want[i].to_bits()
                                        || (got[i].is_nan() && want[i].is_nan()),
                                    "{op:?}^{e} mask {mask} tape {on_tape} at {args:?} \
                                     seed {seed}: adjoint {i} {} vs {}",
                                    got[i],
                                    want[i]
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// Every fused run gives, bit for bit, what its parts give dispatched one by
    /// one: fed a carried adjoint where the first part takes one, its carry out taken
    /// on where the last part gives one, at ordinary and special values, with sources
    /// in working slots and on the tape.
    #[test]
    fn fused_runs_are_their_parts_bit_for_bit() {
        let values = [0.7, -0.4, 2.0, 0.0, -0.0, 1.5, f64::INFINITY, f64::NAN];
        let bwd = |kind, x, a, b, r| Bwd {
            kind,
            x,
            y: 3,
            a,
            b,
            r,
        };
        let takes = |k: BKind| matches!(k.carry(), Carry::In | Carry::InOutA | Carry::InOutB);
        let gives = |k: BKind| !matches!(k.carry(), Carry::None | Carry::In);
        for &(fused, parts) in BKind::FUSED {
            let n = parts.len();
            for on_tape in [false, true] {
                // Working slots 0..4, then the tape: its offset `s` is position `4 + s`.
                let src = |s: u32| if on_tape { 4 + s } else { s };
                for k in 0..values.len() {
                    let at = |i: usize| values[(k + i * 3) % values.len()];
                    let buf = [at(0), at(1), at(2), 3.0, at(2), at(3), at(4)];
                    let (work, tape) = buf.split_at(4);
                    // In sweep order: a feeder, the parts (part `p` reads adjoint slot
                    // `p` and adds to `p + 1` and `8 - p`), a tail; slots 0..10.
                    let mut code = vec![if gives(parts[n - 1]) {
                        bwd(BKind::PassI, 0, 9, 0, 8)
                    } else {
                        bwd(BKind::Nop, 0, 0, 0, 8)
                    }];
                    for (p, &kind) in parts.iter().enumerate().rev() {
                        let p = p as u32;
                        code.push(bwd(kind, src(p % 3), p + 1, 8 - p, p));
                    }
                    code.push(if takes(parts[0]) {
                        bwd(BKind::PassA, 0, 0, 0, 9)
                    } else {
                        bwd(BKind::Pass, 0, 0, 0, 9)
                    });
                    for seed in [-0.75, 0.0, f64::NAN] {
                        let mut start = [0.0; 10];
                        for (i, x) in start.iter_mut().enumerate() {
                            *x = [at(5), 0.25, -0.0, 1.0, at(6), 0.5, -2.0, 1.5][i % 8];
                        }
                        start[9] = seed;
                        let mut want = start;
                        unsafe {
                            run_backward::<1>(&code, &[], buf.as_ptr(), tape, work, &mut want)
                        };
                        code[n].kind = fused;
                        let mut got = start;
                        unsafe {
                            run_backward::<1>(&code, &[], buf.as_ptr(), tape, work, &mut got)
                        };
                        code[n].kind = parts[0];
                        let bits = |x: &[f64; 10]| {
                            x.map(|v| if v.is_nan() { u64::MAX } else { v.to_bits() })
                        };
                        assert_eq!(bits(&got), bits(&want), "{fused:?} seed {seed} at {k}");
                    }
                }
            }
        }
    }

    /// The records stream through the cache on every sweep: keep them this small.
    #[test]
    fn records_are_small() {
        assert_eq!(std::mem::size_of::<Bwd>(), 24);
        assert_eq!(std::mem::size_of::<Fwd>(), 20);
    }

    /// The lowered forward code computes what the general forward kernel computes, and
    /// pushes exactly the kept results.
    #[test]
    fn lowered_forward_matches_and_records_kept_results() {
        let values = [0.7, -0.4, 2.0, 0.0, -0.0, 3.5, f64::INFINITY, f64::NAN];
        for (op, e) in test_ops(&[0, 1, 2, 3, -2]) {
            for &a in &values {
                for &b in &values {
                    let f = Forward {
                        op,
                        a: 0,
                        b: if op == Op::PowI { e as u32 } else { 1 },
                        c: 2,
                        r: 3,
                    };
                    let mut want = [a, b, 1.0, 0.0];
                    unsafe { crate::reverse_kernels::forward::<1>(&f, &mut want) };
                    // A kept negation follows: it lands right after the result if
                    // that was kept, else in its place (a value not kept is
                    // overwritten, the tape pointer not advanced).
                    let neg = Forward {
                        op: Op::Neg,
                        a: 3,
                        b: 0,
                        c: 0,
                        r: 2,
                    };
                    for keep in [false, true] {
                        let mut got = [a, b, 1.0, 0.0];
                        let mut tape = [-1.0; 2 + TAPE_SPARE];
                        let code = [Fwd::lower(&f, keep), Fwd::lower(&neg, true)];
                        unsafe { run_forward::<1, true>(&code, &mut got, tape.as_mut_ptr()) };
                        let same = |x: f64, y: f64| {
                            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
                        };
                        assert!(same(got[3], want[3]), "{op:?}^{e} ({a}, {b})");
                        let pushed: &[f64] = if keep {
                            &[want[3], -want[3]]
                        } else {
                            &[-want[3]]
                        };
                        for (k, &p) in pushed.iter().enumerate() {
                            assert!(same(tape[k], p), "{op:?} keep {keep}");
                        }
                    }
                }
            }
        }
    }
}
