//! The forward interpreter for values: one pass over the instruction stream at one
//! point, in a reusable [`Workspace`].
//!
//! This is the hot loop of the crate: a `match` over a one-byte opcode per
//! instruction, operands read from and results written to a flat `f64` slot file.
//! Slot indices are checked once, when the program is compiled (every index is below
//! `slot_count`, and the slot file is exactly that long), so the loop reads slots
//! without bounds checks.

use crate::code::{binary, match_kind, pair_value, unary, Code, Kind};
use crate::{ExecError, Program};
use adgraph_ir::op::select;

/// Reusable memory for evaluations: the slot file, and room for tangents and lanes of
/// points. Make one per thread and pass it to the `*_with` methods to evaluate
/// without allocating; it grows to fit whichever program uses it.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    /// The slot file of values (at least `slot_count` long while in use).
    pub(crate) values: Vec<f64>,
    /// Tangents, `slot_count * directions`, slot-major.
    pub(crate) tangents: Vec<f64>,
}

impl Workspace {
    /// An empty workspace; it grows on first use.
    pub fn new() -> Workspace {
        Workspace::default()
    }
}

/// Reads slot `i` of `s`.
///
/// SAFETY (for callers): `i < s.len()`. Every slot index of a compiled program is
/// below its `slot_count` (see `Program::compile`), and the interpreters run only on
/// slot files at least that long.
#[inline(always)]
pub(crate) unsafe fn read(s: &[f64], i: u32) -> f64 {
    debug_assert!((i as usize) < s.len());
    *s.get_unchecked(i as usize)
}

/// Writes slot `i` of `s`. SAFETY: as for [`read`].
#[inline(always)]
pub(crate) unsafe fn write(s: &mut [f64], i: u32, x: f64) {
    debug_assert!((i as usize) < s.len());
    *s.get_unchecked_mut(i as usize) = x;
}

/// Runs `code` over the slot file `s`. SAFETY: `s.len() >= slot_count` of the program
/// `code` belongs to.
///
/// The last result stays in a register (`prev`, written to slot `prev_dst`): a fused
/// pair whose outer operand is the step just before takes it from there rather than
/// loading what was just stored. A sum of products (each layer of an MLP, the terms of
/// a gradient) is such a chain, and its store-to-load round trip per step was the
/// chain's latency: the MLP evaluates 1.35x faster, its compiled gradient 1.4x. The
/// value is the slot's own, so no bit changes. (Tried for the first operand of every
/// step too: its mispredicted tests cost more than it saved, outside the MLP.)
#[inline(never)]
unsafe fn run(code: &[Code], s: &mut [f64]) {
    // No slot is `u32::MAX` (slots number fewer than the graph's nodes), so nothing
    // matches before the first step has run.
    let mut prev = 0.0;
    let mut prev_dst = u32::MAX;
    for c in code {
        let a = read(s, c.a);
        // A fused pair: `t` is the inner result, never stored.
        macro_rules! pair {
            ($inner:ident, $outer:ident, $side:tt) => {{
                let b = if Kind::$inner == Kind::Square {
                    a
                } else {
                    read(s, c.b)
                };
                let t = pair_value(Kind::$inner, a, b);
                if Kind::$outer == Kind::Square {
                    t * t
                } else {
                    let o = if c.c == prev_dst { prev } else { read(s, c.c) };
                    if $side == 0 {
                        pair_value(Kind::$outer, t, o)
                    } else {
                        pair_value(Kind::$outer, o, t)
                    }
                }
            }};
        }
        let r = match_kind!(c.kind, pair, {
            Kind::Add => a + read(s, c.b),
            Kind::Sub => a - read(s, c.b),
            Kind::Mul => a * read(s, c.b),
            Kind::Div => a / read(s, c.b),
            Kind::Square => a * a,
            Kind::Neg => -a,
            Kind::Select => select(a, read(s, c.b), read(s, c.c)),
            k @ (Kind::Exp
            | Kind::Log
            | Kind::Sqrt
            | Kind::Sin
            | Kind::Cos
            | Kind::Tan
            | Kind::Tanh
            | Kind::Abs
            | Kind::Sigmoid
            | Kind::PowI) => unary(k, a, c.c as i32),
            k @ (Kind::Pow
            | Kind::Min
            | Kind::Max
            | Kind::Atan2
            | Kind::Lt
            | Kind::Le
            | Kind::Gt
            | Kind::Ge
            | Kind::Eq
            | Kind::Ne) => binary(k, a, read(s, c.b)),
        });
        write(s, c.dst, r);
        prev = r;
        prev_dst = c.dst;
    }
}

/// Checks that `point` holds `inputs` values.
pub(crate) fn check_point(inputs: usize, point: &[f64]) -> Result<(), ExecError> {
    if point.len() != inputs {
        return Err(ExecError::WrongInputCount {
            expected: inputs,
            found: point.len(),
        });
    }
    Ok(())
}

/// Checks that an output buffer of `len` values holds `count` results for each of
/// `outputs` outputs.
pub(crate) fn check_outputs(outputs: usize, len: usize, count: usize) -> Result<(), ExecError> {
    let expected = outputs.checked_mul(count).ok_or(ExecError::TooLarge {
        what: "the outputs",
    })?;
    if len != expected {
        return Err(ExecError::WrongLength {
            what: "outputs",
            expected,
            found: len,
        });
    }
    Ok(())
}

/// Sizes the slot file `values` to `slot_count` and fills the input slots with `point`
/// and the next ones with `constants` (the layout of every compiled program).
pub(crate) fn load<'w>(
    values: &'w mut Vec<f64>,
    slot_count: usize,
    point: &[f64],
    constants: &[f64],
) -> &'w mut [f64] {
    values.resize(slot_count, 0.0);
    let ni = point.len();
    values[..ni].copy_from_slice(point);
    values[ni..ni + constants.len()].copy_from_slice(constants);
    &mut values[..slot_count]
}

impl Program {
    /// Evaluates the outputs at `point` (one value per input, in input order).
    ///
    /// Bit-identical to the reference evaluator [`adgraph_ir::evaluate`].
    ///
    /// ```
    /// use adgraph_exec::Program;
    /// let w = adgraph_workloads::rosenbrock(100);
    /// let p = Program::compile(&w.graph, &w.function)?;
    /// let y = p.eval(&w.point)?;
    /// assert_eq!(y, adgraph_ir::evaluate(&w.graph, &w.function, &w.point)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn eval(&self, point: &[f64]) -> Result<Vec<f64>, ExecError> {
        let mut out = vec![0.0; self.output_count()];
        self.eval_with(&mut Workspace::new(), point, &mut out)?;
        Ok(out)
    }

    /// Evaluates the outputs at `point` into `outputs` (one per output), using `ws`
    /// for memory: no allocation once `ws` has grown to fit.
    pub fn eval_with(
        &self,
        ws: &mut Workspace,
        point: &[f64],
        outputs: &mut [f64],
    ) -> Result<(), ExecError> {
        self.check_point(point)?;
        self.check_outputs(outputs.len(), 1)?;
        let s = self.load(&mut ws.values, point);
        // SAFETY: `load` made `s` exactly `slot_count` long.
        unsafe { run(&self.code, s) };
        self.store(s, outputs);
        Ok(())
    }

    /// Checks a point's length.
    pub(crate) fn check_point(&self, point: &[f64]) -> Result<(), ExecError> {
        check_point(self.input_count(), point)
    }

    /// Checks the length of an output buffer for `count` results per output.
    pub(crate) fn check_outputs(&self, len: usize, count: usize) -> Result<(), ExecError> {
        check_outputs(self.output_count(), len, count)
    }

    /// Sizes the slot file and fills the input and constant slots (`point` checked by
    /// [`Program::check_point`] first).
    pub(crate) fn load<'w>(&self, values: &'w mut Vec<f64>, point: &[f64]) -> &'w mut [f64] {
        debug_assert_eq!(point.len(), self.input_count());
        load(values, self.slot_count(), point, self.constants())
    }

    /// Copies the output values out of the slot file.
    pub(crate) fn store(&self, s: &[f64], outputs: &mut [f64]) {
        for (o, v) in outputs.iter_mut().zip(self.outputs()) {
            *o = s[self.slot_of(*v)];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::evaluate;

    #[test]
    fn agrees_with_the_reference_on_the_workloads() {
        for w in adgraph_workloads::small() {
            let p = Program::compile(&w.graph, &w.function).unwrap();
            let want = evaluate(&w.graph, &w.function, &w.point).unwrap();
            let got = p.eval(&w.point).unwrap();
            assert_eq!(
                got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                want.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                "{}",
                w.name
            );
            crate::program::tests::check_slot_invariant(&p);
        }
    }

    #[test]
    fn wrong_lengths_are_errors() {
        let w = adgraph_workloads::seed();
        let p = Program::compile(&w.graph, &w.function).unwrap();
        assert_eq!(
            p.eval(&[1.0]),
            Err(ExecError::WrongInputCount {
                expected: 2,
                found: 1
            })
        );
        let mut out = [0.0; 2];
        assert!(matches!(
            p.eval_with(&mut Workspace::new(), &[1.0, 2.0], &mut out),
            Err(ExecError::WrongLength { .. })
        ));
    }

    #[test]
    fn a_workspace_serves_several_programs() {
        let mut ws = Workspace::new();
        let mut out = [0.0];
        for w in [
            adgraph_workloads::rosenbrock(50),
            adgraph_workloads::seed(),
            adgraph_workloads::rosenbrock(5),
        ] {
            let p = Program::compile(&w.graph, &w.function).unwrap();
            p.eval_with(&mut ws, &w.point, &mut out).unwrap();
            assert_eq!(
                out[0],
                evaluate(&w.graph, &w.function, &w.point).unwrap()[0]
            );
        }
    }
}
