//! Batched evaluation: many points at once, each instruction over a lane of points,
//! points split across threads with rayon.
//!
//! Points are taken in chunks of [`BATCH_WIDTH`]. Within a chunk every input and
//! every intermediate slot holds a lane of values, one per point (structure of
//! arrays), and each instruction is one loop over its lanes that the compiler
//! vectorizes where the opcode allows (add, multiply, compare, select...). Constants
//! stay scalars. Steps are the program's (fused pairs make one pass over the lanes
//! where two instructions would make two, the inner value staying in a register).
//! Each lane computes exactly the scalar arithmetic of one-point evaluation (the same
//! functions in the same order, no contracted or reassociated operations), so results
//! are bit-identical to [`Program::eval`] whatever the batch size or thread count:
//! threads only decide which chunk runs where.

use crate::code::{arity, binary, match_kind, pair_value, parts, unary, Code, Kind};
use crate::{ExecError, Program};
use adgraph_ir::op::{max, min, select};
use rayon::prelude::*;
use std::cell::RefCell;

/// Points per chunk in batched evaluation: the lane width. Chosen by measurement
/// (`benches/eval.rs`): wide enough to amortize the dispatch of each instruction,
/// narrow enough that a chunk's lanes stay in cache.
pub const BATCH_WIDTH: usize = 64;

/// An operand of a lane kernel: a lane (one value per point) or a scalar constant.
trait Lane: Copy {
    /// The value for point `i`.
    ///
    /// SAFETY: `i` is below the chunk width, which every lane is long.
    unsafe fn at(self, i: usize) -> f64;
}

impl Lane for &[f64] {
    #[inline(always)]
    unsafe fn at(self, i: usize) -> f64 {
        debug_assert!(i < self.len());
        // No bounds check, so the loops over lanes vectorize.
        *self.get_unchecked(i)
    }
}

#[derive(Clone, Copy)]
struct Scalar(f64);

impl Lane for Scalar {
    #[inline(always)]
    unsafe fn at(self, _: usize) -> f64 {
        self.0
    }
}

/// `d[i] = f(a[i])`. SAFETY: every lane operand is at least `d.len()` long (all
/// lanes of a chunk are as long as the chunk).
#[inline(always)]
unsafe fn map1(d: &mut [f64], a: impl Lane, f: impl Fn(f64) -> f64) {
    for (i, d) in d.iter_mut().enumerate() {
        *d = f(a.at(i));
    }
}

/// `d[i] = f(a[i], b[i])`. SAFETY: as for [`map1`].
#[inline(always)]
unsafe fn map2(d: &mut [f64], a: impl Lane, b: impl Lane, f: impl Fn(f64, f64) -> f64) {
    for (i, d) in d.iter_mut().enumerate() {
        *d = f(a.at(i), b.at(i));
    }
}

#[inline(always)]
fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// `d[i] = f(a[i], b[i], c[i])`. SAFETY: as for [`map1`].
#[inline(always)]
unsafe fn map3(
    d: &mut [f64],
    a: impl Lane,
    b: impl Lane,
    c: impl Lane,
    f: impl Fn(f64, f64, f64) -> f64,
) {
    for (i, d) in d.iter_mut().enumerate() {
        *d = f(a.at(i), b.at(i), c.at(i));
    }
}

/// One fused pair over lanes: one pass computes both halves, the inner value never
/// leaves a register. SAFETY: as for [`map1`].
#[inline(always)]
unsafe fn pair_lanes(kind: Kind, d: &mut [f64], a: impl Lane, b: impl Lane, c: impl Lane) {
    macro_rules! pair {
        ($inner:ident, $outer:ident, $side:tt) => {
            map3(d, a, b, c, |x, y, z| {
                let (inner, outer) = (Kind::$inner, Kind::$outer);
                let t = pair_value(inner, x, if inner == Kind::Square { x } else { y });
                if outer == Kind::Square {
                    t * t
                } else if $side == 0 {
                    pair_value(outer, t, z)
                } else {
                    pair_value(outer, z, t)
                }
            })
        };
    }
    match_kind!(kind, pair, {}, { _ => {} })
}

/// One unary opcode over a lane. SAFETY: as for [`map1`].
#[inline(always)]
unsafe fn unary_lanes(kind: Kind, exponent: i32, d: &mut [f64], a: impl Lane) {
    match kind {
        Kind::Neg => map1(d, a, |x| -x),
        Kind::Square => map1(d, a, |x| x * x),
        Kind::Abs => map1(d, a, f64::abs),
        Kind::Sqrt => map1(d, a, f64::sqrt),
        k => map1(d, a, |x| unary(k, x, exponent)),
    }
}

/// One binary opcode over lanes. SAFETY: as for [`map1`].
#[inline(always)]
unsafe fn binary_lanes(kind: Kind, d: &mut [f64], a: impl Lane, b: impl Lane) {
    match kind {
        Kind::Add => map2(d, a, b, |x, y| x + y),
        Kind::Sub => map2(d, a, b, |x, y| x - y),
        Kind::Mul => map2(d, a, b, |x, y| x * y),
        Kind::Div => map2(d, a, b, |x, y| x / y),
        Kind::Min => map2(d, a, b, min),
        Kind::Max => map2(d, a, b, max),
        Kind::Lt => map2(d, a, b, |x, y| truth(x < y)),
        Kind::Le => map2(d, a, b, |x, y| truth(x <= y)),
        Kind::Gt => map2(d, a, b, |x, y| truth(x > y)),
        Kind::Ge => map2(d, a, b, |x, y| truth(x >= y)),
        Kind::Eq => map2(d, a, b, |x, y| truth(x == y)),
        Kind::Ne => map2(d, a, b, |x, y| truth(x != y)),
        k => map2(d, a, b, |x, y| binary(k, x, y)),
    }
}

/// Points per block of [`transpose`]: one cache line of a lane.
const TILE: usize = 8;

/// Writes `w` points of `ni` inputs (`pts`, row-major) as lanes: `buf[i * w + p]` is
/// input `i` of point `p`. In blocks of [`TILE`] points: the block's rows are read
/// front to back side by side (a few sequential streams the prefetcher follows),
/// and each input's `TILE` values are written together, a whole line of its lane. A
/// point-by-point copy writes a different line of the buffer on every store, and an
/// input-blocked one reads every row at a stride the prefetcher does not follow.
fn transpose(pts: &[f64], ni: usize, w: usize, buf: &mut [f64]) {
    let mut p0 = 0;
    while p0 < w {
        let n = TILE.min(w - p0);
        let rows = &pts[p0 * ni..(p0 + n) * ni];
        if n == TILE {
            for i in 0..ni {
                let lane = &mut buf[i * w + p0..i * w + p0 + TILE];
                for (q, d) in lane.iter_mut().enumerate() {
                    *d = rows[q * ni + i];
                }
            }
        } else {
            for (q, row) in rows.chunks_exact(ni).enumerate() {
                for (i, &x) in row.iter().enumerate() {
                    buf[i * w + p0 + q] = x;
                }
            }
        }
        p0 += n;
    }
}

/// Chunk buffers up to this many values (8 MiB) stay with their thread between
/// calls; larger ones are allocated per call and freed.
const KEEP_LANES: usize = 1 << 20;

thread_local! {
    /// This thread's chunk buffer, kept between chunks and calls. Allocating one per
    /// rayon task (zeroed, and for large programs page-faulted in by the kernel) was a
    /// cost paid again on every task, growing with the number of threads.
    static LANES: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a buffer of `len` values (contents unspecified: a chunk writes every
/// lane before reading it), this thread's kept buffer when it is free and not too
/// large.
fn with_lanes<R>(len: usize, f: impl FnOnce(&mut [f64]) -> R) -> R {
    if len > KEEP_LANES {
        return f(&mut vec![0.0; len]);
    }
    LANES.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
            f(&mut buf[..len])
        }
        // Busy: a batch evaluated inside another batch's chunk on this thread.
        Err(_) => f(&mut vec![0.0; len]),
    })
}

/// Where a slot lives in a chunk.
enum Place {
    /// A lane: `width` values from this offset of the chunk buffer.
    Lane(usize),
    /// A constant.
    Scalar(f64),
}

impl Program {
    /// Evaluates many points: `points` holds them one after another, each one value
    /// per input (`count * input_count()` values); the result holds each point's
    /// outputs one after another (`count * output_count()` values). Points are split
    /// across the threads of the current rayon pool (run it inside
    /// `ThreadPool::install` to choose the thread count). Bit-identical to
    /// [`Program::eval`] at each point, whatever the number of points or threads.
    ///
    /// A program without inputs takes no points (`points` must be empty).
    ///
    /// ```
    /// use adgraph_exec::Program;
    /// let (g, f) = adgraph_ir::parse("input x, y\noutput s = x + y\noutput p = x * y")?;
    /// let p = Program::compile(&g, &f)?;
    /// let out = p.eval_batch(&[1.0, 2.0, 3.0, 4.0])?;
    /// assert_eq!(out, vec![3.0, 2.0, 7.0, 12.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn eval_batch(&self, points: &[f64]) -> Result<Vec<f64>, ExecError> {
        let mut out = vec![0.0; self.batch_output_len(points)?];
        self.eval_batch_into(points, &mut out, true)?;
        Ok(out)
    }

    /// [`Program::eval_batch`] on the calling thread only.
    pub fn eval_batch_serial(&self, points: &[f64]) -> Result<Vec<f64>, ExecError> {
        let mut out = vec![0.0; self.batch_output_len(points)?];
        self.eval_batch_into(points, &mut out, false)?;
        Ok(out)
    }

    /// Batched evaluation into `outputs` (`count * output_count()` values), in
    /// parallel over the current rayon pool or on the calling thread.
    pub fn eval_batch_into(
        &self,
        points: &[f64],
        outputs: &mut [f64],
        parallel: bool,
    ) -> Result<(), ExecError> {
        let expected = self.batch_output_len(points)?;
        if outputs.len() != expected {
            return Err(ExecError::WrongLength {
                what: "outputs",
                expected,
                found: outputs.len(),
            });
        }
        let (ni, no) = (self.input_count(), self.output_count());
        if expected == 0 {
            return Ok(());
        }
        let lanes = (self.slot_count() - self.constant_count())
            .checked_mul(BATCH_WIDTH)
            .ok_or(ExecError::TooLarge { what: "the lanes" })?;
        if parallel {
            points
                .par_chunks(BATCH_WIDTH * ni)
                .zip(outputs.par_chunks_mut(BATCH_WIDTH * no))
                .for_each(|(pts, out)| with_lanes(lanes, |buf| self.run_chunk(buf, pts, out)));
        } else {
            with_lanes(lanes, |buf| {
                let chunks = points.chunks(BATCH_WIDTH * ni);
                for (pts, out) in chunks.zip(outputs.chunks_mut(BATCH_WIDTH * no)) {
                    self.run_chunk(buf, pts, out);
                }
            });
        }
        Ok(())
    }

    /// The length of the result of a batch of `points`, after checking them.
    fn batch_output_len(&self, points: &[f64]) -> Result<usize, ExecError> {
        let ni = self.input_count();
        if ni == 0 {
            if points.is_empty() {
                return Ok(0);
            }
            return Err(ExecError::WrongLength {
                what: "points",
                expected: 0,
                found: points.len(),
            });
        }
        if points.len() / ni * ni != points.len() {
            return Err(ExecError::WrongLength {
                what: "points",
                expected: points.len() / ni * ni + ni,
                found: points.len(),
            });
        }
        (points.len() / ni)
            .checked_mul(self.output_count())
            .ok_or(ExecError::TooLarge {
                what: "the outputs",
            })
    }

    /// Where slot `s` lives in a chunk of width `w`: inputs and intermediates in
    /// lanes (constants are skipped), constants as scalars.
    #[inline(always)]
    fn place(&self, s: u32, w: usize) -> Place {
        let (ni, leaf) = (self.input_count(), self.leaf_count());
        let s = s as usize;
        if s < ni {
            Place::Lane(s * w)
        } else if s < leaf {
            Place::Scalar(self.constants()[s - ni])
        } else {
            Place::Lane((s - self.constant_count()) * w)
        }
    }

    /// Evaluates one chunk of at most `BATCH_WIDTH` points (`pts`, row-major) into
    /// `out` (row-major); `buf` holds `(slot_count - constant_count) * BATCH_WIDTH`
    /// values.
    fn run_chunk(&self, buf: &mut [f64], pts: &[f64], out: &mut [f64]) {
        let ni = self.input_count();
        let w = pts.len() / ni;
        transpose(pts, ni, w, buf);
        let base = buf.as_mut_ptr();
        // SAFETY: `buf` holds `(slot_count - constant_count) * BATCH_WIDTH` values and
        // `w <= BATCH_WIDTH`.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                self.run_code_avx2(base, w);
            } else {
                self.run_code(base, w);
            }
            #[cfg(not(target_arch = "x86_64"))]
            self.run_code(base, w);
        }
        self.untranspose(buf, w, out);
    }

    /// Writes the outputs of a chunk of `w` points from their lanes in `buf` to `out`
    /// (row-major: `out[p * no + o]` is output `o` of point `p`). In blocks of
    /// [`TILE`] points, as [`transpose`] reads them: per output, one line of its lane
    /// is read and its `TILE` values go to the block's rows, which are written front
    /// to back side by side. Output by output over the whole chunk instead, every
    /// store went to another row: with a thousand outputs (a gradient), each output
    /// touched 64 rows 8 KB apart, a page each, and the copy took more time than the
    /// program (Rosenbrock n = 1,000's gradient: 45% of a batch, see the README).
    fn untranspose(&self, buf: &[f64], w: usize, out: &mut [f64]) {
        let no = self.output_count();
        let mut p0 = 0;
        while p0 < w {
            let n = TILE.min(w - p0);
            let rows = &mut out[p0 * no..(p0 + n) * no];
            for (o, v) in self.outputs().iter().enumerate() {
                match self.place(self.slot_of(*v) as u32, w) {
                    Place::Lane(at) => {
                        let lane = &buf[at + p0..at + p0 + n];
                        for (q, &x) in lane.iter().enumerate() {
                            rows[q * no + o] = x;
                        }
                    }
                    Place::Scalar(x) => {
                        for q in 0..n {
                            rows[q * no + o] = x;
                        }
                    }
                }
            }
            p0 += n;
        }
    }

    /// Runs every instruction over lanes of width `w`. SAFETY: as for
    /// [`Program::run_lanes`].
    #[inline(always)]
    unsafe fn run_code(&self, base: *mut f64, w: usize) {
        for c in &self.code {
            self.run_lanes(base, c, w);
        }
    }

    /// [`Program::run_code`] compiled for AVX2 (four lanes per vector instead of
    /// two), chosen at run time where the processor has it. The same IEEE operations
    /// in the same order (Rust never fuses a multiply and an add), so the same bits.
    /// SAFETY: as for [`Program::run_lanes`], and the processor supports AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn run_code_avx2(&self, base: *mut f64, w: usize) {
        self.run_code(base, w);
    }

    /// Runs one instruction over lanes of width `w` of the chunk buffer at `base`.
    ///
    /// SAFETY: `base` points to at least `(slot_count - constant_count) * w` values
    /// that nothing else references. The result's lane never overlaps an operand's (a
    /// result's slot differs from its operands' slots), so the one mutable lane and
    /// the shared ones are disjoint.
    #[inline(always)]
    unsafe fn run_lanes(&self, base: *mut f64, c: &Code, w: usize) {
        let Place::Lane(at) = self.place(c.dst, w) else {
            return; // a result always has a lane; constants are never written
        };
        let d = std::slice::from_raw_parts_mut(base.add(at), w);
        let operand = |s: u32| -> Result<&[f64], f64> {
            match self.place(s, w) {
                Place::Scalar(x) => Err(x),
                Place::Lane(o) => Ok(std::slice::from_raw_parts(base.add(o), w)),
            }
        };
        if parts(c.kind).is_some() {
            let (a, b, e) = (operand(c.a), operand(c.b), operand(c.c));
            let k = c.kind;
            match (a, b, e) {
                (Ok(a), Ok(b), Ok(e)) => pair_lanes(k, d, a, b, e),
                (Ok(a), Ok(b), Err(z)) => pair_lanes(k, d, a, b, Scalar(z)),
                (Ok(a), Err(y), Ok(e)) => pair_lanes(k, d, a, Scalar(y), e),
                (Ok(a), Err(y), Err(z)) => pair_lanes(k, d, a, Scalar(y), Scalar(z)),
                (Err(x), Ok(b), Ok(e)) => pair_lanes(k, d, Scalar(x), b, e),
                (Err(x), Ok(b), Err(z)) => pair_lanes(k, d, Scalar(x), b, Scalar(z)),
                (Err(x), Err(y), Ok(e)) => pair_lanes(k, d, Scalar(x), Scalar(y), e),
                (Err(x), Err(y), Err(z)) => pair_lanes(k, d, Scalar(x), Scalar(y), Scalar(z)),
            }
            return;
        }
        match arity(c.kind) {
            1 => match operand(c.a) {
                Ok(a) => unary_lanes(c.kind, c.exponent(), d, a),
                Err(x) => unary_lanes(c.kind, c.exponent(), d, Scalar(x)),
            },
            2 => match (operand(c.a), operand(c.b)) {
                (Ok(a), Ok(b)) => binary_lanes(c.kind, d, a, b),
                (Ok(a), Err(y)) => binary_lanes(c.kind, d, a, Scalar(y)),
                (Err(x), Ok(b)) => binary_lanes(c.kind, d, Scalar(x), b),
                (Err(x), Err(y)) => binary_lanes(c.kind, d, Scalar(x), Scalar(y)),
            },
            _ => {
                let get = |o: &Result<&[f64], f64>, i: usize| match o {
                    Ok(l) => l[i],
                    Err(x) => *x,
                };
                let (a, b, e) = (operand(c.a), operand(c.b), operand(c.c));
                for (i, d) in d.iter_mut().enumerate() {
                    *d = select(get(&a, i), get(&b, i), get(&e, i));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn batches_match_one_point_evaluation() {
        for w in adgraph_workloads::small() {
            let p = Program::compile(&w.graph, &w.function).unwrap();
            let ni = p.input_count();
            // 70 points: two full chunks and a partial one, perturbed copies of the
            // workload's point.
            let mut rng = adgraph_workloads::Rng::new(5);
            let points: Vec<f64> = (0..70 * ni)
                .map(|k| w.point[k % ni] + 0.1 * rng.next_f64())
                .collect();
            let serial = p.eval_batch_serial(&points).unwrap();
            let parallel = p.eval_batch(&points).unwrap();
            let mut one = Vec::new();
            for row in points.chunks(ni) {
                one.extend(p.eval(row).unwrap());
            }
            assert_eq!(bits(&serial), bits(&one), "{}", w.name);
            assert_eq!(bits(&parallel), bits(&one), "{}", w.name);
        }
    }

    /// Many outputs (a constant, an input, one value twice, a long tail) over point
    /// counts around the tile and chunk widths, serial and on 1 to 3 threads: each
    /// row is the one-point result, bit for bit.
    #[test]
    fn every_output_lands_in_its_row_at_every_count() {
        let mut src = String::from("input x, y, z\noutput k = 2.5\noutput y\n");
        src.push_str("let s = x * y + sin(z)\noutput s\noutput t = s\n");
        for i in 0..40 {
            src.push_str(&format!(
                "output o{i} = s * {i} + x ^ 2 - z / (1 + y * y)\n"
            ));
        }
        let (g, f) = adgraph_ir::parse(&src).unwrap();
        let p = Program::compile(&g, &f).unwrap();
        for count in [1, 7, 8, 9, 63, 64, 65, 130, 200] {
            let mut rng = adgraph_workloads::Rng::new(count as u64);
            let points: Vec<f64> = (0..3 * count).map(|_| rng.next_f64() - 0.5).collect();
            let mut one = Vec::new();
            for row in points.chunks(3) {
                one.extend(p.eval(row).unwrap());
            }
            assert_eq!(
                bits(&p.eval_batch_serial(&points).unwrap()),
                bits(&one),
                "{count}"
            );
            for threads in 1..=3 {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let got = pool.install(|| p.eval_batch(&points)).unwrap();
                assert_eq!(bits(&got), bits(&one), "{count} points, {threads} threads");
            }
        }
    }

    #[test]
    fn a_kept_buffer_does_not_leak_between_programs() {
        // A larger program leaves NaN lanes behind; smaller ones then reuse the buffer.
        let big = adgraph_workloads::rosenbrock(60);
        let p = Program::compile(&big.graph, &big.function).unwrap();
        let nan = vec![f64::NAN; 100 * p.input_count()];
        assert!(p.eval_batch_serial(&nan).unwrap()[0].is_nan());
        for w in [adgraph_workloads::rosenbrock(7), adgraph_workloads::seed()] {
            let p = Program::compile(&w.graph, &w.function).unwrap();
            let points: Vec<f64> = (0..90).flat_map(|_| w.point.clone()).collect();
            let want = p.eval(&w.point).unwrap();
            for got in p
                .eval_batch_serial(&points)
                .unwrap()
                .chunks(p.output_count())
            {
                assert_eq!(bits(got), bits(&want), "{}", w.name);
            }
        }
    }

    #[test]
    fn wrong_lengths_are_errors() {
        let w = adgraph_workloads::seed();
        let p = Program::compile(&w.graph, &w.function).unwrap();
        assert!(matches!(
            p.eval_batch(&[1.0, 2.0, 3.0]),
            Err(ExecError::WrongLength { .. })
        ));
        let mut out = [0.0; 3];
        assert!(matches!(
            p.eval_batch_into(&[1.0, 2.0, 3.0, 4.0], &mut out, false),
            Err(ExecError::WrongLength { .. })
        ));
        assert_eq!(p.eval_batch(&[]).unwrap(), Vec::<f64>::new());
    }
}
