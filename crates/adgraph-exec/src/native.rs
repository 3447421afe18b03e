//! Native code for a compiled program: the forward stream translated once into x86-64
//! machine code, so an evaluation runs straight-line instructions instead of
//! dispatching on an opcode per step.
//!
//! The interpreter ([`crate::forward`]) spends most of a cheap step on the dispatch
//! and the decoding of its operands; on a program of additions and multiplications
//! (a gradient, Lennard-Jones' pair terms) that is three to five times the arithmetic.
//! [`Native`] pays the translation once (tens of nanoseconds an instruction) and then
//! each step is what the arithmetic needs, its operands mostly in registers. It runs
//! the interpreter's stream in the same order with the same IEEE operations (`addsd`,
//! `subsd`, `mulsd`, `divsd`, `sqrtsd` are what the interpreter's `+ - * /` and `sqrt`
//! compile to; every other function is a call to the interpreter's own Rust
//! function), so its outputs are bit-identical to [`Program::eval`] and to the
//! reference evaluator (up to which of two NaNs' payloads a sum carries, which Rust
//! leaves open too: every NaN stays a NaN).
//!
//! The translation (x86-64, System V calling convention; Linux and the other Unix
//! systems on that architecture):
//!
//! - The slot file's address is held in `rbx` (saved by the callee, so it survives
//!   calls); slot `i` is the operand `[rbx + 8 i]`.
//! - Registers `xmm3` to `xmm15` cache slots' values. A result stays in a register
//!   until it is last read, and is written to its slot only if the register is needed
//!   for another value first (the value read farthest ahead gives way, Belady's
//!   choice), before a call and at the end for outputs; an operand in no register is
//!   read from memory by the instruction itself. Against a load and a store per
//!   step, this took the code of the RK4 chain's gradient (20,000 steps) from 40.6 to
//!   20.0 MB and Lennard-Jones 30's from 228 to 180 KB.
//! - A fused pair of the interpreter's stream (`(a - b) ^ 2`, `a * b + c`) is its two
//!   operations in a row, the inner value in the result's register.
//! - Integer powers are their multiplications inline (the order of
//!   `adgraph_ir::op::powi`). The other functions (`exp`, `sin`, `min`, `select`,
//!   comparisons, ...) are calls to `extern "sysv64"` wrappers of [`crate::code`]'s
//!   scalar semantics.
//! - **Code prefetch.** The code is straight-line, 8 to 16 bytes a step (the
//!   gradient of the RK4 chain of 20,000 steps is 20 MB), and code beyond the core's
//!   cache is otherwise fetched only as the front end reaches it. Each 64-byte line
//!   of code prefetches the line 6 KiB ahead into L2 ([`PREFETCH_AHEAD`]), which made
//!   that gradient 2 to 5 times faster.
//!
//! The code is written into an anonymous mapping, which is then made executable and
//! read-only (never writable and executable at once) and unmapped on drop.

use crate::code::{parts, reads, Code, Kind};
use crate::forward::Workspace;
use crate::{ExecError, Program};

/// Machine code for one program, ready to run: the program's instruction stream
/// translated once into x86-64 code, so an evaluation runs straight-line machine
/// instructions instead of the interpreter's dispatch, with intermediate values in
/// registers (spilled to the slot file when registers run out, written back before
/// calls). Functions other than `+ - * /`, `sqrt`, negation and squares are calls to
/// the interpreter's own Rust functions, and the arithmetic is the same IEEE
/// operations in the same order, so outputs are bit-identical to [`Program::eval`]
/// (every NaN stays a NaN; which payload a sum of two NaNs carries is open, as in
/// Rust). The code is 8 to 16 bytes per instruction and prefetches itself ahead, so
/// programs of millions of instructions run too; it lives in a mapping that is
/// executable and read-only, unmapped on drop.
///
/// Made by [`Program::native`]. It keeps what an evaluation needs (the constants, the
/// output slots, the slot count), so it outlives nothing and can be shared between
/// threads; each thread passes its own [`Workspace`].
///
/// ```
/// use adgraph_exec::{Program, Workspace};
/// let w = adgraph_workloads::lennard_jones(10);
/// let p = Program::compile(&w.graph, &w.function)?;
/// let n = p.native()?; // x86-64 Unix; elsewhere an ExecError::Unsupported
/// assert_eq!(n.eval(&w.point)?, p.eval(&w.point)?); // bit-identical
/// let (mut ws, mut out) = (Workspace::new(), vec![0.0]);
/// n.eval_with(&mut ws, &w.point, &mut out)?; // no allocation once `ws` has grown
/// assert!(n.code_bytes() > 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Native {
    /// The machine code, executable and read-only.
    code: imp::CodeMemory,
    /// Values of the input and constant slots, in slot order (inputs are overwritten
    /// by each point).
    input_count: usize,
    constants: Vec<f64>,
    /// The output slots, in output order.
    outputs: Vec<u32>,
    /// The slot file's length.
    slot_count: usize,
}

impl Program {
    /// Translates the program into native machine code ([`Native`]): evaluations that
    /// are bit-identical to [`Program::eval`], without the interpreter's dispatch.
    ///
    /// Errors: [`ExecError::Unsupported`] on a target other than x86-64 Unix or where
    /// the system refuses an executable mapping; [`ExecError::TooLarge`] when a slot's
    /// offset would not fit the instruction encoding (over 268 million slots).
    ///
    /// ```
    /// use adgraph_exec::Program;
    /// let (g, f) = adgraph_ir::parse("input x, y\noutput z = x*x + x*y + 2")?;
    /// let n = Program::compile(&g, &f)?.native()?;
    /// assert_eq!(n.eval(&[3.0, 4.0])?, vec![23.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn native(&self) -> Result<Native, ExecError> {
        if self.slot_count() > MAX_SLOTS {
            return Err(ExecError::TooLarge {
                what: "the native code's slot offsets",
            });
        }
        let outputs: Vec<u32> = self
            .outputs()
            .iter()
            .map(|&v| self.slot_of(v) as u32)
            .collect();
        let bytes = translate(&self.code, self.slot_count(), &outputs);
        Ok(Native {
            code: imp::CodeMemory::new(&bytes)?,
            input_count: self.input_count(),
            constants: self.constants().to_vec(),
            outputs,
            slot_count: self.slot_count(),
        })
    }
}

/// Slots whose byte offset fits a signed 32-bit displacement.
const MAX_SLOTS: usize = (i32::MAX as usize) / 8;

impl Native {
    /// Evaluates the outputs at `point` (one value per input, in input order).
    pub fn eval(&self, point: &[f64]) -> Result<Vec<f64>, ExecError> {
        let mut out = vec![0.0; self.outputs.len()];
        self.eval_with(&mut Workspace::new(), point, &mut out)?;
        Ok(out)
    }

    /// Evaluates the outputs at `point` into `outputs` (one per output), using `ws`
    /// for the slot file: no allocation once `ws` has grown to fit.
    pub fn eval_with(
        &self,
        ws: &mut Workspace,
        point: &[f64],
        outputs: &mut [f64],
    ) -> Result<(), ExecError> {
        crate::forward::check_point(self.input_count, point)?;
        crate::forward::check_outputs(self.outputs.len(), outputs.len(), 1)?;
        let s = crate::forward::load(&mut ws.values, self.slot_count, point, &self.constants);
        // SAFETY: the code reads and writes only slots below the program's
        // `slot_count` (every slot of a compiled program's code is, see
        // `Program::compile`), and `s` is at least that long.
        unsafe { self.code.run(s.as_mut_ptr()) };
        for (o, &slot) in outputs.iter_mut().zip(&self.outputs) {
            *o = s[slot as usize];
        }
        Ok(())
    }

    /// Bytes of machine code (8 to 16 per instruction of the workloads' programs).
    pub fn code_bytes(&self) -> usize {
        self.code.len()
    }

    /// Inputs the program takes.
    pub fn input_count(&self) -> usize {
        self.input_count
    }

    /// Outputs the program computes.
    pub fn output_count(&self) -> usize {
        self.outputs.len()
    }
}

/// The scalar functions the code calls, as `extern "sysv64"` wrappers of the
/// interpreter's own semantics (so every bit agrees).
mod call {
    use crate::code::{binary, unary, Kind};
    use adgraph_ir::op::select;

    macro_rules! unary_fns {
        ($($name:ident => $kind:ident),* $(,)?) => {$(
            pub(super) extern "sysv64" fn $name(a: f64) -> f64 {
                unary(Kind::$kind, a, 0)
            }
        )*};
    }
    macro_rules! binary_fns {
        ($($name:ident => $kind:ident),* $(,)?) => {$(
            pub(super) extern "sysv64" fn $name(a: f64, b: f64) -> f64 {
                binary(Kind::$kind, a, b)
            }
        )*};
    }
    unary_fns!(exp => Exp, log => Log, sin => Sin, cos => Cos, tan => Tan,
        tanh => Tanh, abs => Abs, sigmoid => Sigmoid);
    binary_fns!(pow => Pow, min => Min, max => Max, atan2 => Atan2, lt => Lt, le => Le,
        gt => Gt, ge => Ge, eq => Eq, ne => Ne);

    pub(super) extern "sysv64" fn select3(c: f64, a: f64, b: f64) -> f64 {
        select(c, a, b)
    }

    /// The function a called opcode runs, as an address; `None` for the opcodes the
    /// translation writes inline.
    pub(super) fn address(kind: Kind) -> Option<usize> {
        type F1 = extern "sysv64" fn(f64) -> f64;
        type F2 = extern "sysv64" fn(f64, f64) -> f64;
        Some(match kind {
            Kind::Exp => exp as F1 as usize,
            Kind::Log => log as F1 as usize,
            Kind::Sin => sin as F1 as usize,
            Kind::Cos => cos as F1 as usize,
            Kind::Tan => tan as F1 as usize,
            Kind::Tanh => tanh as F1 as usize,
            Kind::Abs => abs as F1 as usize,
            Kind::Sigmoid => sigmoid as F1 as usize,
            Kind::Pow => pow as F2 as usize,
            Kind::Min => min as F2 as usize,
            Kind::Max => max as F2 as usize,
            Kind::Atan2 => atan2 as F2 as usize,
            Kind::Lt => lt as F2 as usize,
            Kind::Le => le as F2 as usize,
            Kind::Gt => gt as F2 as usize,
            Kind::Ge => ge as F2 as usize,
            Kind::Eq => eq as F2 as usize,
            Kind::Ne => ne as F2 as usize,
            Kind::Select => select3 as extern "sysv64" fn(f64, f64, f64) -> f64 as usize,
            _ => return None,
        })
    }
}

/// An SSE2 scalar-double operation `xmm_dst op= source`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Arith {
    Add = 0x58,
    Mul = 0x59,
    Sub = 0x5C,
    Div = 0x5E,
    Sqrt = 0x51,
}

/// The arithmetic of an add, subtract, multiply or divide opcode.
fn arith(kind: Kind) -> Option<Arith> {
    Some(match kind {
        Kind::Add => Arith::Add,
        Kind::Sub => Arith::Sub,
        Kind::Mul => Arith::Mul,
        Kind::Div => Arith::Div,
        _ => return None,
    })
}

/// An instruction operand: an `xmm` register or a slot of the file (`[rbx + 8 slot]`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rm {
    Reg(u8),
    Slot(u32),
}

/// A next use that never comes: the value is dead.
const DEAD: u32 = u32::MAX;
/// The next use of an output's value: after the last code.
const END: u32 = u32::MAX - 1;
/// No register.
const NONE: u8 = u8::MAX;
/// How far ahead of the code being written each line's prefetch reaches (bytes).
///
/// Code beyond the core's own cache (2 MiB here) is otherwise fetched line by line as
/// the front end reaches it: the gradient of the RK4 chain of 20,000 steps (20 MB of
/// code) ran 3.3 to 8.6 ms without prefetches and 1.1 to 1.7 ms with them; distances
/// of 4 to 8 KiB measured best (2 KiB: 1.2 to 1.5x slower on the large programs, 16
/// KiB: 1.1x), and code in the cache does not notice them (Lennard-Jones 30: 6.2 µs
/// either way).
const PREFETCH_AHEAD: i32 = 6144;
/// Registers `xmm0` to `xmm2` carry a call's arguments and short-lived values; the
/// others hold slots' values.
const FIRST_HELD: u8 = 3;

/// For each code, when the values it reads and writes are next read: per operand
/// field `a`, `b`, `c` the next code after this one that reads that slot (before it is
/// written again), and the same for the result; [`DEAD`] when nothing reads it again.
/// `next` says it of each slot's value after the last code ([`END`]: read after it).
fn next_uses(code: &[Code], mut next: Vec<u32>) -> Vec<[u32; 4]> {
    let mut out = vec![[DEAD; 4]; code.len()];
    for (k, c) in code.iter().enumerate().rev() {
        // The result's slot held a dead value before this code (a result's slot is
        // never one of its operands' slots).
        out[k][3] = std::mem::replace(&mut next[c.dst as usize], DEAD);
        let reads = reads(c.kind);
        let slots = [c.a, c.b, c.c];
        for i in 0..3 {
            if reads[i] {
                out[k][i] = next[slots[i] as usize];
            }
        }
        for i in 0..3 {
            if reads[i] {
                next[slots[i] as usize] = k as u32;
            }
        }
    }
    out
}

/// What a held register holds: a result not yet written to its slot (registers hold
/// only results; an operand read from memory is read by the instruction that uses it,
/// or into the register of that instruction's result).
#[derive(Clone, Copy, Debug)]
struct Held {
    /// The slot whose value it holds; `u32::MAX` when free.
    slot: u32,
    /// When the value is next read ([`END`]: an output).
    next: u32,
}

const FREE: Held = Held {
    slot: u32::MAX,
    next: DEAD,
};

/// x86-64 machine code under construction, with what each `xmm` register holds.
///
/// A result stays in a register only, not in its slot, until the register is taken
/// for another value while the result is still to be read, or a call comes, or the
/// code ends (outputs); then it is written back. The register given up is the one
/// whose value is read farthest ahead (Belady's choice, exact on straight-line code).
struct Asm {
    out: Vec<u8>,
    held: [Held; 16],
    /// The register holding each slot's value, or [`NONE`].
    of_slot: Vec<u8>,
    /// The code line up to which a prefetch has been issued.
    prefetched: usize,
}

impl Asm {
    /// An SSE instruction: mandatory prefix `prefix` (`0xF2` scalar double, `0x66`
    /// packed), opcode `0x0F op`, register `reg`, and `rm`.
    fn sse(&mut self, prefix: u8, op: u8, reg: u8, rm: Rm) {
        self.out.push(prefix);
        let b = match rm {
            Rm::Reg(r) => r >> 3,
            Rm::Slot(_) => 0,
        };
        let rex = ((reg >> 3) << 2) | b;
        if rex != 0 {
            self.out.push(0x40 | rex);
        }
        self.out.extend([0x0F, op]);
        match rm {
            Rm::Reg(r) => self.out.push(0xC0 | ((reg & 7) << 3) | (r & 7)),
            Rm::Slot(slot) => {
                let disp = slot as i64 * 8;
                if disp < 128 {
                    self.out.extend([0x40 | ((reg & 7) << 3) | 3, disp as u8]);
                } else {
                    self.out.push(0x80 | ((reg & 7) << 3) | 3);
                    self.out.extend((disp as i32).to_le_bytes());
                }
            }
        }
    }

    /// `op xmm_reg, rm` (scalar double).
    fn arith(&mut self, op: Arith, reg: u8, rm: Rm) {
        self.sse(0xF2, op as u8, reg, rm);
    }

    /// `xmm_reg = rm`: `movapd` from a register (nothing if it is `reg`), `movsd` from
    /// a slot.
    fn put(&mut self, reg: u8, rm: Rm) {
        match rm {
            Rm::Reg(r) if r == reg => {}
            Rm::Reg(r) => self.sse(0x66, 0x28, reg, Rm::Reg(r)),
            Rm::Slot(s) => self.sse(0xF2, 0x10, reg, Rm::Slot(s)),
        }
    }

    /// `movsd [slot], xmm_reg`.
    fn store(&mut self, slot: u32, reg: u8) {
        self.sse(0xF2, 0x11, reg, Rm::Slot(slot));
    }

    /// Once per 64-byte line of code written, a `prefetcht1` of the code
    /// [`PREFETCH_AHEAD`] bytes further on (into the core's L2; a prefetch past the
    /// end of the code is harmless, it never faults).
    fn prefetch_ahead(&mut self) {
        let line = self.out.len() / 64;
        if line > self.prefetched {
            self.prefetched = line;
            // prefetcht1 [rip + disp32]: 0F 18 /2, the displacement counted from the
            // end of this 7-byte instruction.
            self.out.extend([0x0F, 0x18, 0x15]);
            self.out.extend((PREFETCH_AHEAD - 7).to_le_bytes());
        }
    }

    /// `mov rax, imm64`.
    fn mov_rax(&mut self, imm: u64) {
        self.out.extend([0x48, 0xB8]);
        self.out.extend(imm.to_le_bytes());
    }

    /// Where `slot`'s value is: its register if it has one, else the slot.
    fn operand(&self, slot: u32) -> Rm {
        match self.of_slot[slot as usize] {
            NONE => Rm::Slot(slot),
            r => Rm::Reg(r),
        }
    }

    /// Frees register `r`, writing its value back first if it is still to be read.
    fn release(&mut self, r: u8) {
        let h = self.held[r as usize];
        if h.slot == u32::MAX {
            return;
        }
        if h.next != DEAD {
            self.store(h.slot, r);
        }
        self.of_slot[h.slot as usize] = NONE;
        self.held[r as usize] = FREE;
    }

    /// Forgets `slot`'s register without writing it back (its value is dead).
    fn forget(&mut self, slot: u32) {
        let r = self.of_slot[slot as usize];
        if r != NONE {
            self.of_slot[slot as usize] = NONE;
            self.held[r as usize] = FREE;
        }
    }

    /// A held register free for a new value, none of `keep`: a free one, else the
    /// one whose value is read farthest ahead, written back if needed.
    fn take(&mut self, keep: &[Rm]) -> u8 {
        let kept = |r: u8| keep.contains(&Rm::Reg(r));
        let mut best = NONE;
        for r in FIRST_HELD..16 {
            if kept(r) {
                continue;
            }
            if self.held[r as usize].slot == u32::MAX {
                return r;
            }
            if best == NONE || self.held[r as usize].next > self.held[best as usize].next {
                best = r;
            }
        }
        self.release(best);
        best
    }

    /// Records that register `r` now holds `slot`'s new value, next read at `next`.
    fn define(&mut self, slot: u32, r: u8, next: u32) {
        if next == DEAD {
            return; // Read by nothing (the register stays free).
        }
        self.held[r as usize] = Held { slot, next };
        self.of_slot[slot as usize] = r;
    }

    /// After a code read `slot` (its register, if any, not reused for the result):
    /// frees the register when the value is dead, else notes its next read.
    fn used(&mut self, slot: u32, next: u32) {
        let r = self.of_slot[slot as usize];
        if r == NONE {
            return;
        }
        if next == DEAD {
            self.forget(slot);
        } else {
            self.held[r as usize].next = next;
        }
    }

    /// Writes back every register whose value is still to be read and frees them all
    /// (before a call, which may change every `xmm` register, and at the end).
    fn flush(&mut self) {
        for r in FIRST_HELD..16 {
            self.release(r);
        }
    }

    /// A register for the result of a code whose first operand is `a` (read nowhere
    /// else in the code when `alone`), holding `a`'s value: `a`'s own register when
    /// `a` dies here, else a new one loaded from `a`; `keep` are the code's other
    /// operands (or `a` again).
    fn result_from(&mut self, a: u32, a_next: u32, alone: bool, keep: [Rm; 2]) -> u8 {
        let ra = self.operand(a);
        if let (Rm::Reg(r), true) = (ra, a_next == DEAD && alone) {
            self.of_slot[a as usize] = NONE;
            self.held[r as usize] = FREE;
            return r;
        }
        let rd = self.take(&[ra, keep[0], keep[1]]);
        self.put(rd, ra);
        rd
    }

    /// One code of the interpreter's stream, with the next reads of its operands and
    /// result.
    fn code(&mut self, c: &Code, next: [u32; 4]) {
        // The result's slot held a dead value.
        self.forget(c.dst);
        let rd = if let Some((inner, outer, side)) = parts(c.kind) {
            self.pair(c, next, inner, outer, side)
        } else if let Some(op) = arith(c.kind) {
            let b = self.operand(c.b);
            let rd = self.result_from(c.a, next[0], true, [b, b]);
            // `b` is `a` (dead and reused as `rd`, or loaded into `rd`): read `rd`.
            let b = if c.b == c.a { Rm::Reg(rd) } else { b };
            self.arith(op, rd, b);
            self.used(c.a, next[0]);
            self.used(c.b, next[1]);
            rd
        } else {
            match c.kind {
                Kind::Square => {
                    let rd = self.result_from(c.a, next[0], true, [Rm::Slot(c.a); 2]);
                    self.arith(Arith::Mul, rd, Rm::Reg(rd));
                    self.used(c.a, next[0]);
                    rd
                }
                Kind::Sqrt => {
                    let a = self.operand(c.a);
                    let rd = match a {
                        Rm::Reg(r) if next[0] == DEAD => r,
                        _ => self.take(&[a]),
                    };
                    self.arith(Arith::Sqrt, rd, a);
                    if a == Rm::Reg(rd) {
                        self.of_slot[c.a as usize] = NONE;
                        self.held[rd as usize] = FREE;
                    } else {
                        self.used(c.a, next[0]);
                    }
                    rd
                }
                Kind::Neg => {
                    let rd = self.result_from(c.a, next[0], true, [Rm::Slot(c.a); 2]);
                    // xorpd rd, xmm0 with the sign bit (the bits of -0.0) in xmm0.
                    self.constant(0, -0.0);
                    self.sse(0x66, 0x57, rd, Rm::Reg(0));
                    self.used(c.a, next[0]);
                    rd
                }
                Kind::PowI => self.powi(c, next),
                k => self.call(c, next, k),
            }
        };
        self.define(c.dst, rd, next[3]);
    }

    /// `xmm_reg = x` for a constant `x` (through `rax`).
    fn constant(&mut self, reg: u8, x: f64) {
        self.mov_rax(x.to_bits());
        // movq xmm_reg, rax: 66 REX.W(.R) 0F 6E /r.
        self.out.extend([
            0x66,
            0x48 | ((reg >> 3) << 2),
            0x0F,
            0x6E,
            0xC0 | ((reg & 7) << 3),
        ]);
    }

    /// `x ^ n` inline, the multiplications of `adgraph_ir::op::powi`'s binary
    /// exponentiation in its order (its spelled-out small exponents are that order
    /// too), unrolled for this `n`: the base in `xmm1`, the product in `xmm2`, then
    /// `1 / product` for negative `n`. A call would write every register back.
    fn powi(&mut self, c: &Code, next: [u32; 4]) -> u8 {
        let n = c.c as i32;
        let a = self.operand(c.a);
        self.put(1, a);
        self.used(c.a, next[0]);
        let rd = self.take(&[]);
        let mut e = n.unsigned_abs();
        let mut started = false;
        while e > 0 {
            if e & 1 == 1 {
                if started {
                    self.arith(Arith::Mul, 2, Rm::Reg(1));
                } else {
                    self.put(2, Rm::Reg(1));
                    started = true;
                }
            }
            e >>= 1;
            if e > 0 {
                self.arith(Arith::Mul, 1, Rm::Reg(1));
            }
        }
        if !started {
            self.constant(rd, 1.0); // x ^ 0 = 1, NaN included
        } else if n < 0 {
            self.constant(rd, 1.0);
            self.arith(Arith::Div, rd, Rm::Reg(2));
        } else {
            self.put(rd, Rm::Reg(2));
        }
        rd
    }

    /// A fused pair: `t = a inner b`, then `t outer c` (side 0), `c outer t` (side
    /// 1) or `t * t`; returns the result's register.
    fn pair(&mut self, c: &Code, next: [u32; 4], inner: Kind, outer: Kind, side: usize) -> u8 {
        let reads_c = outer != Kind::Square;
        let b = self.operand(c.b);
        let oc = self.operand(c.c);
        let alone = !(reads_c && c.c == c.a);
        let rd = self.result_from(c.a, next[0], alone, [oc, b]);
        match arith(inner) {
            Some(op) => {
                let b = if c.b == c.a { Rm::Reg(rd) } else { b };
                self.arith(op, rd, b);
            }
            None => self.arith(Arith::Mul, rd, Rm::Reg(rd)),
        }
        match (arith(outer), side) {
            (None, _) => self.arith(Arith::Mul, rd, Rm::Reg(rd)),
            // `t + c` and `t * c` are `c + t` and `c * t` (bit for bit, but for the
            // payload of a NaN from two NaNs).
            (Some(op), 0) | (Some(op @ (Arith::Add | Arith::Mul)), _) => self.arith(op, rd, oc),
            (Some(op), _) => {
                self.put(1, oc);
                self.arith(op, 1, Rm::Reg(rd));
                self.put(rd, Rm::Reg(1));
            }
        }
        self.used(c.a, next[0]);
        if inner != Kind::Square {
            self.used(c.b, next[1]);
        }
        if reads_c {
            self.used(c.c, next[2]);
        }
        rd
    }

    /// A code computed by a call: arguments in `xmm0`, `xmm1`, `xmm2`, every register
    /// written back first; the result is moved from `xmm0` into a held register.
    fn call(&mut self, c: &Code, next: [u32; 4], k: Kind) -> u8 {
        let reads = reads(k);
        let slots = [c.a, c.b, c.c];
        for i in 0..3 {
            if reads[i] {
                let from = self.operand(slots[i]);
                self.put(i as u8, from);
            }
        }
        for i in 0..3 {
            if reads[i] {
                self.used(slots[i], next[i]);
            }
        }
        self.flush();
        self.mov_rax(call::address(k).expect("every other opcode is a call") as u64);
        self.out.extend([0xFF, 0xD0]); // call rax
        let rd = self.take(&[]);
        self.put(rd, Rm::Reg(0));
        rd
    }
}

/// The machine code of a whole stream over `slot_count` slots whose values at the
/// end in `outputs` are read: a function `extern "sysv64" fn(*mut f64)` taking the
/// slot file.
fn translate(code: &[Code], slot_count: usize, outputs: &[u32]) -> Vec<u8> {
    let mut at_end = vec![DEAD; slot_count];
    for &o in outputs {
        at_end[o as usize] = END;
    }
    let next = next_uses(code, at_end);
    let mut asm = Asm {
        out: Vec::with_capacity(code.len() * 8 + 64),
        held: [FREE; 16],
        of_slot: vec![NONE; slot_count],
        prefetched: 0,
    };
    // push rbx; mov rbx, rdi (rsp is then 16-byte aligned for the calls).
    asm.out.extend([0x53, 0x48, 0x89, 0xFB]);
    for (c, &n) in code.iter().zip(&next) {
        asm.code(c, n);
        asm.prefetch_ahead();
    }
    asm.flush();
    asm.out.extend([0x5B, 0xC3]); // pop rbx; ret
    asm.out
}

#[cfg(all(target_arch = "x86_64", unix))]
mod imp {
    use crate::ExecError;

    /// An anonymous mapping holding machine code, read-only and executable.
    #[derive(Debug)]
    pub(super) struct CodeMemory {
        ptr: *mut u8,
        len: usize,
        /// The mapping's length (whole pages).
        mapped: usize,
    }

    // SAFETY: the mapping is never written after `new`, and running the code reads
    // only the slot file passed to it.
    unsafe impl Send for CodeMemory {}
    unsafe impl Sync for CodeMemory {}

    impl CodeMemory {
        pub(super) fn new(bytes: &[u8]) -> Result<CodeMemory, ExecError> {
            let refused = ExecError::Unsupported {
                what: "an executable mapping for native code (the system refused it)",
            };
            let mapped = bytes.len().max(1);
            // SAFETY: a fresh anonymous private mapping, checked before use; the copy
            // stays inside it; it is made read-only and executable before anything
            // runs it.
            unsafe {
                let ptr = libc::mmap(
                    std::ptr::null_mut(),
                    mapped,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                );
                if ptr == libc::MAP_FAILED {
                    return Err(refused);
                }
                let ptr = ptr as *mut u8;
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
                if libc::mprotect(ptr.cast(), mapped, libc::PROT_READ | libc::PROT_EXEC) != 0 {
                    libc::munmap(ptr.cast(), mapped);
                    return Err(refused);
                }
                Ok(CodeMemory {
                    ptr,
                    len: bytes.len(),
                    mapped,
                })
            }
        }

        pub(super) fn len(&self) -> usize {
            self.len
        }

        /// Runs the code on the slot file at `slots`. SAFETY: `slots` points to at
        /// least as many `f64` as the program's slot count.
        pub(super) unsafe fn run(&self, slots: *mut f64) {
            let f: extern "sysv64" fn(*mut f64) = std::mem::transmute(self.ptr);
            f(slots)
        }
    }

    impl Drop for CodeMemory {
        fn drop(&mut self) {
            // SAFETY: the mapping `new` made, unmapped once.
            unsafe {
                libc::munmap(self.ptr.cast(), self.mapped);
            }
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", unix)))]
mod imp {
    use crate::ExecError;

    /// No native code on this target: [`CodeMemory::new`] always says so.
    #[derive(Debug)]
    pub(super) enum CodeMemory {}

    impl CodeMemory {
        pub(super) fn new(_: &[u8]) -> Result<CodeMemory, ExecError> {
            Err(ExecError::Unsupported {
                what: "native code on this target (it needs x86-64 and a Unix system)",
            })
        }

        pub(super) fn len(&self) -> usize {
            match *self {}
        }

        pub(super) unsafe fn run(&self, _: *mut f64) {
            match *self {}
        }
    }
}
