//! Forward mode: values and `k` tangent directions in one sweep (vector forward
//! mode), and Jacobians by forward mode in chunks of directions.
//!
//! The tangent of an instruction's result is the sum, over its operands in order, of
//! the contributions that [`adgraph_ir::derivative`] gives (skipping the structurally
//! zero ones; no contribution at all gives `0.0`). [`tangent_by_rule`] is that
//! definition, calling the rule itself; the sweep below is the same arithmetic
//! specialized per opcode, with the factor that does not depend on the direction
//! (`cos a` for `sin a`, say) computed once per instruction and then applied to each
//! of the `k` directions.
//!
//! That dense sum forms `0 * inf = NaN` where a zero tangent meets an infinite or NaN
//! partial: `sqrt(x) + y` at `x = 0` along `y`, where the reverse and symbolic modes
//! give 1. So a direction whose output tangents come out NaN is swept again without
//! the contributions of zero tangents ([`tangent_skipping_zeros`], the runtime reading
//! of the symbolic modes' structural zeros, as the reverse interpreter skips zero
//! adjoints): a value that does not move along a direction adds nothing, even through
//! such a partial. Tests check both sweeps against their rules bit for bit, per op,
//! at ordinary points, kinks and non-finite values.

use crate::code::{match_kind, pair_value, Code, Kind};
use crate::forward::{read, write};
use crate::{ExecError, Program, Workspace};
use adgraph_ir::op::{powi, select};
use adgraph_ir::{derivative, Numbers, Op};

/// The tangent of `op(args)` (with `result` its value) given the tangents of its
/// operands, by the one derivative rule: the sum over operands `i` in order of
/// `derivative(Numbers, op, exponent, args, result, i, tangents[i])`, skipping the
/// structurally zero contributions, and `0.0` if every one is zero.
///
/// This is the definition the forward interpreter's tangents follow bit for bit,
/// along every direction whose output tangents it gives without a NaN; along the
/// others it follows [`tangent_skipping_zeros`] (see [`Program::jvp_multi`]).
///
/// ```
/// use adgraph_exec::tangent_by_rule;
/// use adgraph_ir::Op;
/// // d(x*y) along (1, 0) at (3, 4) is y = 4.
/// assert_eq!(tangent_by_rule(Op::Mul, 0, &[3.0, 4.0], 12.0, &[1.0, 0.0]), 4.0);
/// // abs'(0) = 0 by convention.
/// assert_eq!(tangent_by_rule(Op::Abs, 0, &[0.0], 0.0, &[1.0]), 0.0);
/// // A zero tangent through sqrt's infinite slope at 0 is `0 / 0`.
/// assert!(tangent_by_rule(Op::Sqrt, 0, &[0.0], 0.0, &[0.0]).is_nan());
/// ```
pub fn tangent_by_rule(op: Op, exponent: i32, args: &[f64], result: f64, tangents: &[f64]) -> f64 {
    rule(op, exponent, args, result, tangents, false)
}

/// [`tangent_by_rule`] without the contributions of zero tangents (`0.0` or `-0.0`):
/// a value that does not move along a direction adds nothing, even through an
/// infinite or NaN partial, as zero adjoints add nothing in the reverse interpreter
/// and structural zeros in the symbolic modes. `0.0` if every contribution is
/// skipped.
///
/// ```
/// use adgraph_exec::tangent_skipping_zeros;
/// use adgraph_ir::Op;
/// // sqrt's slope at 0 is infinite, but a zero tangent adds nothing.
/// assert_eq!(tangent_skipping_zeros(Op::Sqrt, 0, &[0.0], 0.0, &[0.0]), 0.0);
/// // d(x*y) along (0, 1) at (3, inf) is x = 3; densely it is `0 * inf + 1 * 3`, NaN.
/// let (args, r) = ([3.0, f64::INFINITY], f64::INFINITY);
/// assert_eq!(tangent_skipping_zeros(Op::Mul, 0, &args, r, &[0.0, 1.0]), 3.0);
/// assert!(adgraph_exec::tangent_by_rule(Op::Mul, 0, &args, r, &[0.0, 1.0]).is_nan());
/// ```
pub fn tangent_skipping_zeros(
    op: Op,
    exponent: i32,
    args: &[f64],
    result: f64,
    tangents: &[f64],
) -> f64 {
    rule(op, exponent, args, result, tangents, true)
}

/// [`tangent_skipping_zeros`] (`skip`) or [`tangent_by_rule`].
fn rule(op: Op, exponent: i32, args: &[f64], result: f64, tangents: &[f64], skip: bool) -> f64 {
    let mut acc: Option<f64> = None;
    for (i, &t) in tangents.iter().enumerate().take(op.arity().min(args.len())) {
        if skip && t == 0.0 {
            // A zero tangent contributes nothing, even through an infinite or NaN
            // partial: the runtime reading of the symbolic modes' structural zeros.
            continue;
        }
        let d = match derivative(&mut Numbers, op, exponent, args, result, i, t) {
            Ok(d) => d,
            Err(never) => match never {},
        };
        if let Some(d) = d {
            acc = Some(match acc {
                None => d,
                Some(s) => s + d,
            });
        }
    }
    acc.unwrap_or(0.0)
}

/// Outputs and their tangents along `directions` directions.
#[derive(Clone, Debug, PartialEq)]
pub struct Jvp {
    /// The output values, in output order.
    pub outputs: Vec<f64>,
    /// Tangents, output-major: `tangents[o * directions + j]` is the derivative of
    /// output `o` along direction `j`.
    pub tangents: Vec<f64>,
    /// Number of directions.
    pub directions: usize,
}

impl Jvp {
    /// The derivative of output `output` along direction `direction` (NaN if either is
    /// out of range).
    pub fn tangent(&self, output: usize, direction: usize) -> f64 {
        if direction >= self.directions {
            return f64::NAN;
        }
        self.tangents
            .get(output * self.directions + direction)
            .copied()
            .unwrap_or(f64::NAN)
    }
}

/// A Jacobian matrix, row-major: one row per output, one column per input.
#[derive(Clone, Debug, PartialEq)]
pub struct Jacobian {
    /// The output values at the point.
    pub outputs: Vec<f64>,
    /// `values[o * columns + i]` is d output `o` / d input `i`.
    pub values: Vec<f64>,
    /// Number of rows (outputs).
    pub rows: usize,
    /// Number of columns (inputs).
    pub columns: usize,
}

impl Jacobian {
    /// d output `row` / d input `column` (NaN out of range).
    pub fn get(&self, row: usize, column: usize) -> f64 {
        if column >= self.columns {
            return f64::NAN;
        }
        self.values
            .get(row * self.columns + column)
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// Row `row`: the gradient of output `row`.
    pub fn row(&self, row: usize) -> &[f64] {
        let start = (row * self.columns).min(self.values.len());
        let end = (start + self.columns).min(self.values.len());
        &self.values[start..end]
    }
}

/// The tangent of one half of a fused pair with operand values `a`, `b` and operand
/// tangents `x`, `y`: the arithmetic of the unfused `Add`, `Sub`, `Mul` and `Square`
/// arms of [`sweep`], so a fused pair gives the same bits as the two instructions.
#[inline(always)]
fn pair_tangent<const S: bool>(kind: Kind, a: f64, b: f64, x: f64, y: f64) -> f64 {
    match kind {
        Kind::Add => two::<S>(x, x, y, y),
        Kind::Sub => two::<S>(x, x, y, -y),
        Kind::Mul => two::<S>(x, x * b, y, y * a),
        _ => one::<S>(x, (x * 2.0) * a),
    }
}

/// The tangent from one operand with tangent `x` and contribution `d`. Skipping
/// (`S`): `d`, or `0.0` where `x` is zero (no contribution, whatever the partial:
/// `0 * inf` is not NaN here). Dense: `d`.
#[inline(always)]
fn one<const S: bool>(x: f64, d: f64) -> f64 {
    if S && x == 0.0 {
        0.0
    } else {
        d
    }
}

/// The tangent from two operands with tangents `x`, `y` and contributions `d0`, `d1`.
/// Skipping (`S`): their sum in order, without the contribution of a zero tangent,
/// `0.0` if both are skipped ([`tangent_skipping_zeros`]'s sum). Dense: `d0 + d1`.
#[inline(always)]
fn two<const S: bool>(x: f64, d0: f64, y: f64, d1: f64) -> f64 {
    if !S {
        return d0 + d1;
    }
    match (x == 0.0, y == 0.0) {
        (true, true) => 0.0,
        (true, false) => d1,
        (false, true) => d0,
        (false, false) => d0 + d1,
    }
}

/// The number of directions, known at compile time (1) or not.
trait Width: Copy {
    fn get(self) -> usize;
}

#[derive(Clone, Copy)]
struct One;

impl Width for One {
    #[inline(always)]
    fn get(self) -> usize {
        1
    }
}

#[derive(Clone, Copy)]
struct Many(usize);

impl Width for Many {
    #[inline(always)]
    fn get(self) -> usize {
        self.0
    }
}

/// Runs `code` over values `s` and tangents `t` (`k` per slot, slot-major).
///
/// SAFETY: `s.len() >= slot_count` and `t.len() >= slot_count * k` for the program
/// `code` belongs to. A result's slot is never one of its operands' slots, so the
/// tangent lanes written never overlap the lanes read.
#[inline(always)]
unsafe fn sweep<W: Width, const S: bool>(code: &[Code], s: &mut [f64], t: &mut [f64], w: W) {
    let k = w.get();
    debug_assert!(t.len() >= s.len() * k);
    let tp = t.as_mut_ptr();
    // The previous instruction's result slot, value and (one direction) tangent, kept
    // in registers: on a chain the next instruction reads them without waiting for
    // the store to come back from memory. A copy of what the slot holds, so the same
    // bits either way.
    let single = k == 1;
    let (mut prev, mut pv, mut pt) = (u32::MAX, 0.0, 0.0);
    macro_rules! rv {
        ($slot:expr) => {
            if $slot == prev {
                pv
            } else {
                read(s, $slot)
            }
        };
    }
    macro_rules! tg {
        ($off:expr, $slot:expr) => {
            if single && $slot == prev {
                pt
            } else {
                *tp.add($off)
            }
        };
    }
    for c in code {
        let a = rv!(c.a);
        let (oa, ob, oc, od) = (
            c.a as usize * k,
            c.b as usize * k,
            c.c as usize * k,
            c.dst as usize * k,
        );
        macro_rules! lanes {
            (|$x:ident| $e:expr) => {
                for l in 0..k {
                    let $x = tg!(oa + l, c.a);
                    *tp.add(od + l) = $e;
                }
            };
            (|$x:ident, $y:ident| $e:expr) => {
                for l in 0..k {
                    let $x = tg!(oa + l, c.a);
                    let $y = tg!(ob + l, c.b);
                    *tp.add(od + l) = $e;
                }
            };
        }
        macro_rules! zero {
            () => {
                for l in 0..k {
                    *tp.add(od + l) = 0.0;
                }
            };
        }
        // A fused pair: the inner value `t` and, per direction, its tangent `dt` stay
        // in registers; each half is the arithmetic of its unfused arm.
        macro_rules! pair {
            ($inner:ident, $outer:ident, $side:tt) => {{
                let (inner, outer) = (Kind::$inner, Kind::$outer);
                let b = if inner == Kind::Square { a } else { rv!(c.b) };
                let t = pair_value(inner, a, b);
                let cv = if outer == Kind::Square { t } else { rv!(c.c) };
                for l in 0..k {
                    let x = tg!(oa + l, c.a);
                    let y = if inner == Kind::Square {
                        0.0
                    } else {
                        tg!(ob + l, c.b)
                    };
                    let dt = pair_tangent::<S>(inner, a, b, x, y);
                    let z = if outer == Kind::Square {
                        0.0
                    } else {
                        tg!(oc + l, c.c)
                    };
                    *tp.add(od + l) = if $side == 0 {
                        pair_tangent::<S>(outer, t, cv, dt, z)
                    } else {
                        pair_tangent::<S>(outer, cv, t, z, dt)
                    };
                }
                if outer == Kind::Square {
                    t * t
                } else if $side == 0 {
                    pair_value(outer, t, cv)
                } else {
                    pair_value(outer, cv, t)
                }
            }};
        }
        let r = match_kind!(c.kind, pair, {
            Kind::Add => {
                lanes!(|x, y| two::<S>(x, x, y, y));
                a + rv!(c.b)
            }
            Kind::Sub => {
                lanes!(|x, y| two::<S>(x, x, y, -y));
                a - rv!(c.b)
            }
            Kind::Mul => {
                let b = rv!(c.b);
                lanes!(|x, y| two::<S>(x, x * b, y, y * a));
                a * b
            }
            Kind::Div => {
                let b = rv!(c.b);
                let r = a / b;
                lanes!(|x, y| two::<S>(x, x / b, y, -((y * r) / b)));
                r
            }
            Kind::Square => {
                // The rule's `(seed * n) * a^(n-1)` with n = 2.
                lanes!(|x| one::<S>(x, (x * 2.0) * a));
                a * a
            }
            Kind::Neg => {
                lanes!(|x| one::<S>(x, -x));
                -a
            }
            Kind::Exp => {
                let r = a.exp();
                lanes!(|x| one::<S>(x, x * r));
                r
            }
            Kind::Log => {
                lanes!(|x| one::<S>(x, x / a));
                a.ln()
            }
            Kind::Sqrt => {
                let r = a.sqrt();
                let d = 2.0 * r;
                lanes!(|x| one::<S>(x, x / d));
                r
            }
            Kind::Sin => {
                let d = a.cos();
                lanes!(|x| one::<S>(x, x * d));
                a.sin()
            }
            Kind::Cos => {
                let d = a.sin();
                lanes!(|x| one::<S>(x, -(x * d)));
                a.cos()
            }
            Kind::Tan => {
                let r = a.tan();
                let d = 1.0 + r * r;
                lanes!(|x| one::<S>(x, x * d));
                r
            }
            Kind::Tanh => {
                let r = a.tanh();
                let d = 1.0 - r * r;
                lanes!(|x| one::<S>(x, x * d));
                r
            }
            Kind::Sigmoid => {
                let r = adgraph_ir::op::sigmoid(a);
                let d = r * (1.0 - r);
                lanes!(|x| one::<S>(x, x * d));
                r
            }
            Kind::Abs => {
                if a > 0.0 {
                    lanes!(|x| one::<S>(x, x));
                } else if a < 0.0 {
                    lanes!(|x| one::<S>(x, -x));
                } else {
                    zero!();
                }
                a.abs()
            }
            Kind::PowI => {
                let n = c.c as i32;
                match n {
                    0 => zero!(),
                    1 => lanes!(|x| one::<S>(x, x)),
                    _ => {
                        let (k, p) = (n as f64, powi(a, n - 1));
                        lanes!(|x| one::<S>(x, (x * k) * p));
                    }
                }
                powi(a, n)
            }
            Kind::Pow => {
                let b = rv!(c.b);
                let r = a.powf(b);
                let d0 = b * a.powf(b - 1.0);
                let d1 = r * a.ln();
                if a == 0.0 {
                    lanes!(|x, y| two::<S>(x, x * d0, y, 0.0));
                } else {
                    lanes!(|x, y| two::<S>(x, x * d0, y, y * d1));
                }
                r
            }
            Kind::Min | Kind::Max => {
                let b = rv!(c.b);
                let (w0, w1) = if c.kind == Kind::Min {
                    (a < b, b < a)
                } else {
                    (a > b, b > a)
                };
                let tie = a == b;
                let part = |win: bool, x: f64| {
                    if win {
                        x
                    } else if tie {
                        0.5 * x
                    } else {
                        0.0
                    }
                };
                lanes!(|x, y| two::<S>(x, part(w0, x), y, part(w1, y)));
                crate::code::binary(c.kind, a, b)
            }
            Kind::Atan2 => {
                let b = rv!(c.b);
                let d = b * b + a * a;
                let (q0, q1) = (b / d, a / d);
                lanes!(|x, y| two::<S>(x, x * q0, y, -(y * q1)));
                a.atan2(b)
            }
            Kind::Select => {
                let (b, cc) = (rv!(c.b), rv!(c.c));
                for l in 0..k {
                    let (x, y) = (tg!(ob + l, c.b), tg!(oc + l, c.c));
                    *tp.add(od + l) = if a != 0.0 {
                        two::<S>(x, x, y, 0.0)
                    } else {
                        two::<S>(x, 0.0, y, y)
                    };
                }
                select(a, b, cc)
            }
            kind @ (Kind::Lt | Kind::Le | Kind::Gt | Kind::Ge | Kind::Eq | Kind::Ne) => {
                zero!();
                crate::code::binary(kind, a, rv!(c.b))
            }
        });
        write(s, c.dst, r);
        prev = c.dst;
        pv = r;
        if single {
            pt = *tp.add(od);
        }
    }
}

/// [`sweep`] with `k` directions (`One` for a single one, known at compile time),
/// skipping zero tangents or dense. SAFETY: as for [`sweep`].
unsafe fn sweep_as(skip: bool, code: &[Code], s: &mut [f64], t: &mut [f64], k: usize) {
    match (k == 1, skip) {
        (true, false) => sweep::<_, false>(code, s, t, One),
        (true, true) => sweep::<_, true>(code, s, t, One),
        (false, false) => sweep::<_, false>(code, s, t, Many(k)),
        (false, true) => sweep::<_, true>(code, s, t, Many(k)),
    }
}

impl Program {
    /// Outputs and their tangents along one `direction` (one value per input) at
    /// `point`.
    ///
    /// ```
    /// use adgraph_exec::Program;
    /// let (g, f) = adgraph_ir::parse("input x, y\noutput z = x*x + x*y + 2")?;
    /// let p = Program::compile(&g, &f)?;
    /// let t = p.jvp(&[3.0, 4.0], &[0.0, 1.0])?; // dz/dy = x
    /// assert_eq!(t.tangents, vec![3.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn jvp(&self, point: &[f64], direction: &[f64]) -> Result<Jvp, ExecError> {
        self.jvp_multi(point, direction, 1)
    }

    /// Outputs and their tangents along `count` directions in one sweep (vector
    /// forward mode). `directions` holds the directions one after another, each one
    /// value per input (`count * input_count()` values).
    ///
    /// ```
    /// use adgraph_exec::Program;
    /// let (g, f) = adgraph_ir::parse("input x, y\noutput z = x*x + x*y + 2")?;
    /// let p = Program::compile(&g, &f)?;
    /// let t = p.jvp_multi(&[3.0, 4.0], &[1.0, 0.0, 0.0, 1.0], 2)?;
    /// assert_eq!((t.tangent(0, 0), t.tangent(0, 1)), (10.0, 3.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn jvp_multi(
        &self,
        point: &[f64],
        directions: &[f64],
        count: usize,
    ) -> Result<Jvp, ExecError> {
        let no = self.output_count();
        let mut outputs = vec![0.0; no];
        let len = no.checked_mul(count).ok_or(ExecError::TooLarge {
            what: "the tangents",
        })?;
        let mut tangents = vec![0.0; len];
        self.jvp_with(
            &mut Workspace::new(),
            point,
            directions,
            count,
            &mut outputs,
            &mut tangents,
        )?;
        Ok(Jvp {
            outputs,
            tangents,
            directions: count,
        })
    }

    /// [`Program::jvp_multi`] into caller buffers (`outputs`: one per output;
    /// `tangents`: `output_count() * count`, output-major), using `ws` for memory.
    pub fn jvp_with(
        &self,
        ws: &mut Workspace,
        point: &[f64],
        directions: &[f64],
        count: usize,
        outputs: &mut [f64],
        tangents: &mut [f64],
    ) -> Result<(), ExecError> {
        let ni = self.input_count();
        let expected = ni.checked_mul(count).ok_or(ExecError::TooLarge {
            what: "the directions",
        })?;
        if directions.len() != expected {
            return Err(ExecError::WrongLength {
                what: "directions",
                expected,
                found: directions.len(),
            });
        }
        self.forward_sweep(ws, point, count, outputs, tangents, |t| {
            if count == 1 {
                t.copy_from_slice(directions);
                return;
            }
            for (j, d) in directions.chunks_exact(ni.max(1)).enumerate() {
                for (i, &x) in d.iter().enumerate() {
                    t[i * count + j] = x;
                }
            }
        })
    }

    /// The Jacobian at `point` by forward mode, in chunks of 8 input directions per
    /// sweep.
    ///
    /// ```
    /// use adgraph_exec::Program;
    /// let (g, f) = adgraph_ir::parse("input x, y\noutput z = x*x + x*y + 2")?;
    /// let p = Program::compile(&g, &f)?;
    /// assert_eq!(p.jacobian(&[3.0, 4.0])?.row(0), &[10.0, 3.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn jacobian(&self, point: &[f64]) -> Result<Jacobian, ExecError> {
        self.jacobian_chunked(point, 8)
    }

    /// The Jacobian at `point` by forward mode, `chunk` input directions per sweep
    /// (at least 1). Every chunk size gives the same bits.
    pub fn jacobian_chunked(&self, point: &[f64], chunk: usize) -> Result<Jacobian, ExecError> {
        self.check_point(point)?;
        let (no, ni) = (self.output_count(), self.input_count());
        let len = no.checked_mul(ni).ok_or(ExecError::TooLarge {
            what: "the Jacobian",
        })?;
        let mut values = vec![0.0; len];
        let mut outputs = vec![0.0; no];
        let chunk = chunk.clamp(1, ni.max(1));
        let mut ws = Workspace::new();
        let mut block = vec![0.0; no * chunk];
        let mut start = 0;
        while start < ni {
            let m = chunk.min(ni - start);
            let block = &mut block[..no * m];
            self.forward_sweep(&mut ws, point, m, &mut outputs, block, |t| {
                for j in 0..m {
                    t[(start + j) * m + j] = 1.0;
                }
            })?;
            for o in 0..no {
                values[o * ni + start..o * ni + start + m]
                    .copy_from_slice(&block[o * m..o * m + m]);
            }
            start += m;
        }
        if ni == 0 {
            outputs = self.eval(point)?;
        }
        Ok(Jacobian {
            outputs,
            values,
            rows: no,
            columns: ni,
        })
    }

    /// One forward sweep with `k` directions; `seed` writes the input tangents
    /// (`t[input * k + direction]`, zero beforehand).
    ///
    /// The sweep runs dense first: every operand's contribution is formed, zero
    /// tangents included, which costs no test per contribution. Where that gives no
    /// NaN in any output tangent, it is the skipping rule's result up to the sign of
    /// zeros: the two differ only where a zero tangent meets a partial, and a finite
    /// partial times a zero is a zero, while an infinite or NaN one makes a NaN that
    /// either reaches an output or is dropped (by `select`, `min`/`max` away from a
    /// tie, a comparison), as the skipped contribution would have been. Where an
    /// output tangent is NaN, the sweep runs again skipping zero tangents
    /// ([`tangent_skipping_zeros`]), and the directions with a NaN take its results:
    /// a NaN that a zero tangent made through an infinite partial (`sqrt(x) + y` at
    /// `x = 0` along `y`) is gone, a NaN of the function itself stays. Each direction
    /// is decided on its own, so vector mode gives each direction's bits alone.
    fn forward_sweep(
        &self,
        ws: &mut Workspace,
        point: &[f64],
        k: usize,
        outputs: &mut [f64],
        tangents: &mut [f64],
        seed: impl Fn(&mut [f64]),
    ) -> Result<(), ExecError> {
        self.check_point(point)?;
        self.check_outputs(outputs.len(), 1)?;
        self.check_outputs(tangents.len(), k)?;
        let len = self
            .slot_count()
            .checked_mul(k)
            .ok_or(ExecError::TooLarge {
                what: "the tangents",
            })?;
        let s = self.load(&mut ws.values, point);
        if let Some(more) = len.checked_sub(ws.tangents.len()) {
            ws.tangents
                .try_reserve(more)
                .map_err(|_| ExecError::TooLarge {
                    what: "the tangents",
                })?;
            ws.tangents.resize(len, 0.0);
        }
        let t = &mut ws.tangents[..len];
        let (leaves, ni, no) = (
            self.leaf_count() * k,
            self.input_count() * k,
            self.output_count(),
        );
        let run = |s: &mut [f64], t: &mut [f64], skip: bool| {
            // Only the leaves' tangents need clearing: every other slot is written by
            // its step before anything reads it (and no step writes a leaf, so a
            // second sweep starts from the same leaves).
            t[..leaves].fill(0.0);
            seed(&mut t[..ni]);
            // SAFETY: `s` is `slot_count` long, `t` is `slot_count * k` long.
            unsafe { sweep_as(skip, &self.code, s, t, k) };
        };
        // Where the sweep leaves direction `j` of output `o`'s tangent.
        let at = |o: usize, j: usize| self.slot_of(self.outputs()[o]) * k + j;
        run(s, t, false);
        for o in 0..no {
            tangents[o * k..o * k + k].copy_from_slice(&t[at(o, 0)..at(o, 0) + k]);
        }
        if tangents.iter().any(|x| x.is_nan()) {
            // Only the directions with a NaN take the second sweep's tangents, so each
            // direction's result is the same whichever others share its sweep.
            let redo: Vec<usize> = (0..k)
                .filter(|&j| (0..no).any(|o| tangents[o * k + j].is_nan()))
                .collect();
            run(s, t, true);
            for o in 0..no {
                for &j in &redo {
                    tangents[o * k + j] = t[at(o, j)];
                }
            }
        }
        self.store(s, outputs);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::lower;

    const SPECIAL: [f64; 17] = [
        0.1,
        -1.7,
        2.3,
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        2.0,
        -2.5,
        3.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        5e-324,
        1e300,
        -1e-300,
    ];

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    /// Each opcode's specialized tangent is the rule's tangent, bit for bit, on a grid
    /// of values and tangents with kinks, ties, zeros of both signs and non-finite
    /// numbers, for one direction and for three: the skipping sweep against
    /// [`tangent_by_rule`], the dense one against the dense sum.
    #[test]
    fn every_opcode_follows_the_rule_bit_for_bit() {
        for skip in [false, true] {
            every_opcode_follows(skip);
        }
    }

    fn every_opcode_follows(skip: bool) {
        let seeds = [
            1.0,
            -0.0,
            0.3,
            0.75,
            f64::NAN,
            f64::INFINITY,
            -1.1,
            0.0,
            7.7,
        ];
        for &op in Op::ALL {
            if matches!(op, Op::Input | Op::Const) {
                continue;
            }
            for n in [-3, -1, 0, 1, 2, 3, 5] {
                if op != Op::PowI && n != 0 {
                    continue;
                }
                let code = [lower(op, n, [0, 1, 2], 3)];
                for &a in &SPECIAL {
                    for &b in &SPECIAL {
                        for &c in &[0.0, 1.0, -0.0, f64::NAN, 2.0] {
                            let (x, y, z) = if op == Op::Select {
                                (c, a, b)
                            } else {
                                (a, b, c)
                            };
                            let args = [x, y, z];
                            let r = op.eval(&args[..op.arity()], n);
                            let mut t = [0.0; 12];
                            for (j, w) in seeds.chunks(3).enumerate() {
                                // Three directions: tangents of operands per direction.
                                for l in 0..3 {
                                    for i in 0..3 {
                                        t[i * 3 + l] = seeds[(i + l + j) % seeds.len()];
                                    }
                                }
                                let mut s = [x, y, z, 0.0];
                                let mut tt = t;
                                unsafe { sweep_as(skip, &code, &mut s, &mut tt, 3) };
                                assert!(same(s[3], r), "{op:?} value");
                                for l in 0..3 {
                                    let ts = [t[l], t[3 + l], t[6 + l]];
                                    let want = rule(op, n, &args[..op.arity()], r, &ts, skip);
                                    assert!(
                                        same(tt[9 + l], want),
                                        "{op:?}^{n} at {args:?} tangents {ts:?}: {} vs {want}",
                                        tt[9 + l]
                                    );
                                }
                                // One direction through the k = 1 path.
                                let mut s1 = [x, y, z, 0.0];
                                let mut t1 = [w[0], w[1], w[2], 0.0];
                                unsafe { sweep_as(skip, &code, &mut s1, &mut t1, 1) };
                                let want = rule(op, n, &args[..op.arity()], r, w, skip);
                                assert!(same(t1[3], want), "{op:?} k=1 at {args:?} {w:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    /// A fused pair gives the bits of its two instructions run one after the other:
    /// value and tangents, for one direction and for three, skipping and dense.
    #[test]
    fn fused_pairs_follow_their_two_instructions() {
        for skip in [false, true] {
            fused_pairs_follow(skip);
        }
    }

    fn fused_pairs_follow(skip: bool) {
        use crate::code::{parts, FUSED};
        let seeds = [1.0, -0.0, 0.3, f64::NAN, -1.1, 0.0, 7.7, f64::INFINITY, 2.5];
        for &kind in &FUSED {
            let (inner, outer, side) = parts(kind).unwrap();
            let code = |k, a, b, dst| Code {
                kind: k,
                a,
                b,
                c: 0,
                dst,
            };
            // Slots: 0, 1, 2 operands, 3 the inner value, 4 the result.
            let first = code(inner, 0, if inner == Kind::Square { 0 } else { 1 }, 3);
            let second = match (outer, side) {
                (Kind::Square, _) => code(outer, 3, 0, 4),
                (_, 0) => code(outer, 3, 2, 4),
                _ => code(outer, 2, 3, 4),
            };
            let two = [first, second];
            let one = [Code {
                kind,
                a: 0,
                b: 1,
                c: 2,
                dst: 4,
            }];
            for &x in &SPECIAL {
                for &y in &SPECIAL[..9] {
                    for &z in &[0.0, 1.0, -0.0, f64::NAN, 2.0, -3.5] {
                        for shift in 0..3 {
                            let mut t = [0.0; 15];
                            for (i, v) in t.iter_mut().enumerate().take(9) {
                                *v = seeds[(i + shift) % seeds.len()];
                            }
                            let (mut s1, mut t1) = ([x, y, z, 0.0, 0.0], t);
                            let (mut s2, mut t2) = ([x, y, z, 0.0, 0.0], t);
                            unsafe {
                                sweep_as(skip, &two, &mut s1, &mut t1, 3);
                                sweep_as(skip, &one, &mut s2, &mut t2, 3);
                            }
                            assert!(same(s1[4], s2[4]), "{kind:?} value at {x} {y} {z}");
                            for l in 12..15 {
                                assert!(
                                    same(t1[l], t2[l]),
                                    "{kind:?} tangent at {x} {y} {z}: {} vs {}",
                                    t2[l],
                                    t1[l]
                                );
                            }
                            let w = [t[0], t[3], t[6], 0.0, 0.0];
                            let (mut s1, mut t1) = ([x, y, z, 0.0, 0.0], w);
                            let (mut s2, mut t2) = ([x, y, z, 0.0, 0.0], w);
                            unsafe {
                                sweep_as(skip, &two, &mut s1, &mut t1, 1);
                                sweep_as(skip, &one, &mut s2, &mut t2, 1);
                            }
                            assert!(same(s1[4], s2[4]) && same(t1[4], t2[4]), "{kind:?} k=1");
                        }
                    }
                }
            }
        }
    }

    /// The dense sweep's results where they have no NaN; where a zero tangent made one
    /// through an infinite partial, the skipping sweep's; a NaN of the function's own
    /// stays.
    #[test]
    fn nans_from_zero_tangents_are_swept_again_without_them() {
        let (g, f) = adgraph_ir::parse(
            "input x, y\noutput a = sqrt(x) + y * 2\noutput b = log(x - 1) * y\noutput c = x * y",
        )
        .unwrap();
        let p = Program::compile(&g, &f).unwrap();
        // Along y at x = 0: sqrt's slope is inf, but x does not move.
        let t = p.jvp(&[0.0, 0.5], &[0.0, 1.0]).unwrap();
        assert_eq!(t.tangents[0], 2.0);
        assert!(t.tangents[1].is_nan(), "log(-1) is NaN: its own NaN stays");
        assert_eq!(t.tangents[2], 0.0);
        // Along x: the slope itself.
        let t = p.jvp(&[0.0, 0.5], &[1.0, 0.0]).unwrap();
        assert_eq!(t.tangents[0], f64::INFINITY);
        // Away from the singular point both sweeps agree up to the sign of zeros, and
        // the dense one is what runs.
        for x in [0.3, 2.0, 7.5] {
            let dirs = [1.0, 0.0, 0.0, 1.0, 0.5, -2.0];
            let got = p.jvp_multi(&[x, 0.5], &dirs, 3).unwrap();
            let mut ws = Workspace::new();
            let mut s = p.load(&mut ws.values, &[x, 0.5]).to_vec();
            let mut t = vec![0.0; p.slot_count() * 3];
            for (j, d) in dirs.chunks(2).enumerate() {
                t[j] = d[0];
                t[3 + j] = d[1];
            }
            unsafe { sweep_as(true, &p.code, &mut s, &mut t, 3) };
            for (o, v) in p.outputs().iter().enumerate() {
                for j in 0..3 {
                    let want = t[p.slot_of(*v) * 3 + j];
                    assert!(
                        got.tangent(o, j) == want || (want.is_nan() && got.tangent(o, j).is_nan())
                    );
                }
            }
        }
        // A Jacobian by forward mode has the finite column too.
        let j = p.jacobian(&[0.0, 0.5]).unwrap();
        assert_eq!(j.get(0, 1), 2.0);
    }

    #[test]
    fn a_reused_workspace_gives_fresh_results() {
        // Stale tangents from a larger program and more directions must not leak.
        let big = adgraph_workloads::rosenbrock(40);
        let pb = Program::compile(&big.graph, &big.function).unwrap();
        let mut ws = Workspace::new();
        let dirs = vec![f64::NAN; 3 * pb.input_count()];
        let (mut o, mut t) = ([0.0], [0.0; 3]);
        pb.jvp_with(&mut ws, &big.point, &dirs, 3, &mut o, &mut t)
            .unwrap();
        for w in [adgraph_workloads::seed(), adgraph_workloads::rosenbrock(10)] {
            let p = Program::compile(&w.graph, &w.function).unwrap();
            let dir: Vec<f64> = (0..p.input_count()).map(|i| i as f64 - 0.5).collect();
            let fresh = p.jvp(&w.point, &dir).unwrap();
            let (mut o, mut t) = ([0.0], [0.0]);
            p.jvp_with(&mut ws, &w.point, &dir, 1, &mut o, &mut t)
                .unwrap();
            assert_eq!((o.to_vec(), t.to_vec()), (fresh.outputs, fresh.tangents));
        }
    }

    #[test]
    fn jacobian_chunks_agree_and_match_jvp() {
        let w = adgraph_workloads::lennard_jones(4);
        let p = Program::compile(&w.graph, &w.function).unwrap();
        let full = p.jacobian_chunked(&w.point, 100).unwrap();
        for chunk in [1, 2, 5, 8] {
            let j = p.jacobian_chunked(&w.point, chunk).unwrap();
            assert_eq!(j, full, "chunk {chunk}");
        }
        for i in 0..p.input_count() {
            let mut d = vec![0.0; p.input_count()];
            d[i] = 1.0;
            let t = p.jvp(&w.point, &d).unwrap();
            assert_eq!(t.tangents[0].to_bits(), full.get(0, i).to_bits());
        }
    }

    #[test]
    fn wrong_direction_lengths_are_errors() {
        let w = adgraph_workloads::seed();
        let p = Program::compile(&w.graph, &w.function).unwrap();
        assert!(matches!(
            p.jvp(&w.point, &[1.0]),
            Err(ExecError::WrongLength { .. })
        ));
        assert!(matches!(
            p.jvp_multi(&w.point, &[1.0; 4], 3),
            Err(ExecError::WrongLength { .. })
        ));
        assert!(p.jvp(&[1.0], &[1.0, 0.0]).is_err());
        let none = p.jvp_multi(&w.point, &[], 0).unwrap();
        assert_eq!((none.outputs, none.tangents.len()), (vec![23.0], 0));
    }
}
