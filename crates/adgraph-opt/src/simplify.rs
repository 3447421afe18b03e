//! `simplify`: global rewrites no single constructor can see, in Fast mode.
//!
//! A constructor sees one node and its operands. Sums and products spread over many
//! nodes: `x + y + x + y + x` is four additions, none of which sees the repeated
//! terms. This pass reads every tree of additions (`+`, `-`, negation, scaling by a
//! constant) as one linear form `c0 + c1*t1 + c2*t2 + ...`, and every tree of
//! multiplications (`*`, `/`, integer powers) as one monomial `c * t1^n1 * t2^n2 ...`,
//! then builds each form back with like terms collected (`3 * x + 2 * y`), powers
//! merged (`x^3 * y`), terms that cancel dropped and constants combined.
//!
//! Only nodes used once, by another node of the same tree, are absorbed into a form;
//! a node used twice stays a node (a term of both users), so nothing is duplicated.
//! Forms move into their one user instead of being copied, and scaling a form (by a
//! constant, a sign or an exponent) is bounded by [`SCALE_LIMIT`] terms, past which
//! the form is built as a node; so the pass is one loop over ids, O(n log n) for the
//! sorting of each form's terms, without recursion.
//!
//! These rewrites re-associate floating-point arithmetic, so they hold only in real
//! arithmetic: in [`FloatMode::Strict`] the pass is a rebuild of the reachable nodes
//! with the constructors' exact rules and nothing more.

use crate::rebuild::{
    check_functions, fresh_graph, map_functions, mapped_args, reachable, rebuild, Keep, UNMAPPED,
};
use crate::{OptError, Optimized};
use adgraph_ir::{FloatMode, Function, Graph, GraphError, Node, NodeId, Op};
use rustc_hash::FxHashMap;

/// The most terms a form may have and still be scaled in place (by a constant, a
/// sign or an exponent); a larger form is built as a node and scaled as one term.
/// This keeps each node's work bounded, so the pass stays near-linear.
pub const SCALE_LIMIT: usize = 64;

/// Rebuilds the nodes `functions` reach, in `mode`; in [`FloatMode::Fast`] sums and
/// products are collected as described in the [module docs](self).
///
/// ```
/// use adgraph_ir::{dump, parse, FloatMode};
/// let (g, f) = parse("input x, y\noutput z = x + y + x + y + x - y * x * x / x")?;
/// let r = adgraph_opt::simplify(&g, &[f], FloatMode::Fast)?;
/// assert_eq!(dump(&r.graph, &r.functions[0]), "input x, y\nlet v0 = x * y\nlet v1 = x * 3\nlet v2 = y * 2\nlet v3 = v1 + v2\noutput z = v3 - v0\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn simplify(g: &Graph, functions: &[Function], mode: FloatMode) -> Result<Optimized, OptError> {
    if mode == FloatMode::Strict {
        return rebuild(g, functions, mode, Keep::Reachable);
    }
    check_functions(g, functions)?;
    Collector::new(g, functions).run(functions)
}

/// What kind of tree a node belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// `+`, `-`, negation, multiplication by a constant.
    Sum,
    /// `*` (no constant operand), `/`, integer power.
    Product,
    /// Anything else: a leaf of both kinds of tree.
    Other,
}

/// `constant + Σ coefficient * term` over terms of the new graph.
#[derive(Default)]
struct Sum {
    terms: Vec<(NodeId, f64)>,
    constant: f64,
}

/// `coefficient * Π term ^ exponent` over terms of the new graph.
struct Product {
    factors: Vec<(NodeId, i32)>,
    coefficient: f64,
}

/// A form waiting for its one user.
enum Form {
    Sum(Sum),
    Product(Product),
}

struct Collector<'g> {
    g: &'g Graph,
    out: Graph,
    /// New id of each old node built so far.
    map: Vec<u32>,
    /// Forms of old nodes absorbed into their single user, keyed by old id.
    pending: FxHashMap<u32, Form>,
    /// Whether the old node is absorbed into its user rather than built.
    interior: Vec<bool>,
    mask: Vec<bool>,
    /// Emptied term vectors of forms already built or merged, reused by new forms so
    /// the pass does not allocate per node.
    sum_pool: Vec<Vec<(NodeId, f64)>>,
    /// Emptied factor vectors, likewise.
    product_pool: Vec<Vec<(NodeId, i32)>>,
    /// Scratch for [`common_magnitude`].
    magnitudes: Vec<f64>,
}

fn class(g: &Graph, node: &Node) -> Class {
    match node.op() {
        Op::Add | Op::Sub | Op::Neg => Class::Sum,
        Op::Mul if node.args().iter().any(|&a| g.constant_value(a).is_some()) => Class::Sum,
        Op::Mul | Op::Div | Op::PowI => Class::Product,
        _ => Class::Other,
    }
}

impl<'g> Collector<'g> {
    fn new(g: &'g Graph, functions: &[Function]) -> Collector<'g> {
        let mask = reachable(g, functions);
        // Uses within the reachable part; outputs count as a use by "nobody".
        let mut uses = vec![0u32; g.len()];
        let mut user = vec![UNMAPPED; g.len()];
        for (id, node) in g.iter() {
            if mask[id.index()] {
                for a in node.args() {
                    uses[a.index()] += 1;
                    user[a.index()] = id.as_u32();
                }
            }
        }
        for f in functions {
            for id in f.output_ids() {
                uses[id.index()] += 2;
            }
        }
        let mut interior = vec![false; g.len()];
        for (id, node) in g.iter() {
            let i = id.index();
            if mask[i] && uses[i] == 1 && class(g, node) != Class::Other {
                let u = g.node(NodeId::new(user[i]));
                interior[i] = class(g, u) != Class::Other;
            }
        }
        Collector {
            g,
            out: fresh_graph(g, FloatMode::Fast, g.len()),
            map: vec![UNMAPPED; g.len()],
            pending: FxHashMap::default(),
            interior,
            mask,
            sum_pool: Vec::new(),
            product_pool: Vec::new(),
            magnitudes: Vec::new(),
        }
    }

    fn run(mut self, functions: &[Function]) -> Result<Optimized, OptError> {
        let g = self.g;
        for (id, node) in g.iter() {
            let i = id.index();
            if !self.mask[i] {
                continue;
            }
            let form = match class(g, node) {
                Class::Other => None,
                Class::Sum => Some(self.sum_of(node)?),
                Class::Product => Some(Form::Product(self.product_of(node)?)),
            };
            match form {
                None => {
                    let (args, n) = mapped_args(node.args(), &self.map);
                    self.map[i] = self.out.rebuild(g, node, &args[..n])?.as_u32();
                }
                Some(form) if self.interior[i] => {
                    self.pending.insert(id.as_u32(), form);
                }
                Some(form) => self.map[i] = self.build(form)?.as_u32(),
            }
        }
        let functions = map_functions(&self.out, functions, &self.map)?;
        Ok(Optimized {
            graph: self.out,
            functions,
        })
    }

    /// Operand `a` (old id) as a linear form, taking its pending form if it has one.
    fn sum_operand(&mut self, a: NodeId) -> Result<Sum, GraphError> {
        match self.pending.remove(&a.as_u32()) {
            Some(Form::Sum(s)) => Ok(s),
            Some(Form::Product(p)) => {
                let c = p.coefficient;
                let t = self.build_product(Product {
                    coefficient: 1.0,
                    ..p
                })?;
                Ok(self.term_sum(t, c))
            }
            None => {
                let t = NodeId::new(self.map[a.index()]);
                Ok(self.term_sum(t, 1.0))
            }
        }
    }

    fn term_sum(&mut self, t: NodeId, c: f64) -> Sum {
        let mut terms = self.sum_pool.pop().unwrap_or_default();
        match self.out.constant_value(t) {
            Some(v) => Sum {
                terms,
                constant: c * v,
            },
            None => {
                terms.push((t, c));
                Sum {
                    terms,
                    constant: 0.0,
                }
            }
        }
    }

    /// A monomial of one factor (none if `t` is a constant, which is the coefficient).
    fn factor_product(&mut self, t: NodeId, n: i32, coefficient: f64) -> Product {
        let mut factors = self.product_pool.pop().unwrap_or_default();
        factors.push((t, n));
        Product {
            factors,
            coefficient,
        }
    }

    /// `a + b`, reusing the larger vector and recycling the other.
    fn merge_sums(&mut self, a: Sum, b: Sum) -> Sum {
        let (mut big, mut small) = if a.terms.len() >= b.terms.len() {
            (a, b)
        } else {
            (b, a)
        };
        big.terms.append(&mut small.terms);
        big.constant += small.constant;
        self.sum_pool.push(small.terms);
        big
    }

    /// `a * b`, reusing the larger vector and recycling the other.
    fn merge_products(&mut self, a: Product, b: Product) -> Product {
        let (mut big, mut small) = if a.factors.len() >= b.factors.len() {
            (a, b)
        } else {
            (b, a)
        };
        big.factors.append(&mut small.factors);
        big.coefficient *= small.coefficient;
        self.product_pool.push(small.factors);
        big
    }

    /// Operand `a` (old id) as a monomial.
    fn product_operand(&mut self, a: NodeId) -> Result<Product, GraphError> {
        let t = match self.pending.remove(&a.as_u32()) {
            Some(Form::Product(p)) => return Ok(p),
            // A single scaled term is a monomial already.
            Some(Form::Sum(mut s)) if s.terms.len() == 1 && s.constant == 0.0 => {
                let (t, c) = s.terms[0];
                s.terms.clear();
                self.sum_pool.push(s.terms);
                return Ok(self.factor_product(t, 1, c));
            }
            Some(Form::Sum(s)) => self.build_sum(s)?,
            None => NodeId::new(self.map[a.index()]),
        };
        Ok(match self.out.constant_value(t) {
            Some(v) => Product {
                factors: self.product_pool.pop().unwrap_or_default(),
                coefficient: v,
            },
            None => self.factor_product(t, 1, 1.0),
        })
    }

    /// The form of a node of class [`Class::Sum`]: a linear form, or a monomial for
    /// a monomial times a constant (so `x * y * 2 / x` stays one monomial).
    fn sum_of(&mut self, node: &Node) -> Result<Form, GraphError> {
        let args = node.args();
        Ok(Form::Sum(match node.op() {
            Op::Add => {
                let a = self.sum_operand(args[0])?;
                let b = self.sum_operand(args[1])?;
                self.merge_sums(a, b)
            }
            Op::Sub => {
                let a = self.sum_operand(args[0])?;
                let b = self.sum_operand(args[1])?;
                let b = self.scale_sum(b, -1.0)?;
                self.merge_sums(a, b)
            }
            Op::Neg => {
                let a = self.sum_operand(args[0])?;
                self.scale_sum(a, -1.0)?
            }
            // Multiplication by a constant.
            _ => {
                let (x, c) = match self.g.constant_value(args[0]) {
                    Some(c) => (args[1], c),
                    None => (args[0], self.g.constant_value(args[1]).unwrap_or(1.0)),
                };
                let key = x.as_u32();
                if matches!(self.pending.get(&key), Some(Form::Product(_))) {
                    if let Some(Form::Product(mut p)) = self.pending.remove(&key) {
                        p.coefficient *= c;
                        return Ok(Form::Product(p));
                    }
                }
                let a = self.sum_operand(x)?;
                self.scale_sum(a, c)?
            }
        }))
    }

    fn product_of(&mut self, node: &Node) -> Result<Product, GraphError> {
        let args = node.args();
        Ok(match node.op() {
            Op::Mul => {
                let a = self.product_operand(args[0])?;
                let b = self.product_operand(args[1])?;
                self.merge_products(a, b)
            }
            Op::Div => {
                let a = self.product_operand(args[0])?;
                let b = self.product_operand(args[1])?;
                let b = self.power_product(b, -1)?;
                self.merge_products(a, b)
            }
            // Integer power.
            _ => {
                let a = self.product_operand(args[0])?;
                self.power_product(a, node.exponent())?
            }
        })
    }

    fn scale_sum(&mut self, mut s: Sum, c: f64) -> Result<Sum, GraphError> {
        if s.terms.len() > SCALE_LIMIT {
            let t = self.build_sum(s)?;
            return Ok(self.term_sum(t, c));
        }
        for (_, k) in &mut s.terms {
            *k *= c;
        }
        s.constant *= c;
        Ok(s)
    }

    fn power_product(&mut self, mut p: Product, n: i32) -> Result<Product, GraphError> {
        let fits = p.factors.iter().all(|(_, e)| e.checked_mul(n).is_some());
        if p.factors.len() > SCALE_LIMIT || !fits {
            let t = self.build_product(p)?;
            return Ok(self.factor_product(t, n, 1.0));
        }
        for (_, e) in &mut p.factors {
            *e *= n;
        }
        p.coefficient = adgraph_ir::op::powi(p.coefficient, n);
        Ok(p)
    }

    fn build(&mut self, form: Form) -> Result<NodeId, GraphError> {
        match form {
            Form::Sum(s) => self.build_sum(s),
            Form::Product(p) => self.build_product(p),
        }
    }

    /// Builds a linear form: like terms collected, zero terms dropped, terms in id
    /// order, negative coefficients as subtractions, the constant last. The most
    /// common coefficient magnitude (if two or more terms share one other than 1) is
    /// factored out: `4a - 4b + 4c` is `(a - b + c) * 4`, one multiplication.
    fn build_sum(&mut self, s: Sum) -> Result<NodeId, GraphError> {
        let terms = collect(s.terms, |a, b| Some(a + b), |c| c == 0.0);
        let Some(m) = common_magnitude(&terms, &mut self.magnitudes) else {
            return self.build_terms(terms, s.constant);
        };
        let (shared, rest): (Vec<_>, Vec<_>) = terms.into_iter().partition(|t| t.1.abs() == m);
        let inner = shared.into_iter().map(|(t, c)| (t, c / m)).collect();
        let inner = self.build_terms(inner, 0.0)?;
        let k = self.out.constant(m)?;
        let factored = self.out.mul(inner, k)?;
        let mut rest = rest;
        rest.insert(0, (factored, 1.0));
        self.build_terms(rest, s.constant)
    }

    /// Builds `constant + Σ c * t` in the order given.
    fn build_terms(
        &mut self,
        terms: Vec<(NodeId, f64)>,
        constant: f64,
    ) -> Result<NodeId, GraphError> {
        let mut terms = terms;
        let g = &mut self.out;
        let mut acc: Option<NodeId> = None;
        for &(t, c) in &terms {
            let magnitude = if acc.is_some() { c.abs() } else { c };
            let piece = if magnitude == 1.0 {
                t
            } else {
                let k = g.constant(magnitude)?;
                g.mul(t, k)?
            };
            acc = Some(match acc {
                None => piece,
                Some(a) if c < 0.0 => g.sub(a, piece)?,
                Some(a) => g.add(a, piece)?,
            });
        }
        terms.clear();
        self.sum_pool.push(terms);
        let g = &mut self.out;
        match acc {
            None => g.constant(constant + 0.0),
            Some(a) if constant == 0.0 => Ok(a),
            Some(a) => {
                let k = g.constant(constant)?;
                g.add(a, k)
            }
        }
    }

    /// Builds a monomial: powers of a term merged, zero powers dropped, the numerator
    /// (with the coefficient) over the denominator.
    fn build_product(&mut self, p: Product) -> Result<NodeId, GraphError> {
        let mut factors = collect(p.factors, |a, b| a.checked_add(b), |e| e == 0);
        let g = &mut self.out;
        let mut numerator: Option<NodeId> = None;
        let mut denominator: Option<NodeId> = None;
        for &(t, e) in &factors {
            // x^(i32::MIN) has no positive counterpart: it stays a power above.
            let (side, e) = match e.checked_neg() {
                Some(d) if e < 0 => (&mut denominator, d),
                _ => (&mut numerator, e),
            };
            // A square stays a multiplication (cheaper than a power to evaluate).
            let f = if e == 2 { g.mul(t, t)? } else { g.powi(t, e)? };
            *side = Some(match *side {
                None => f,
                Some(a) => g.mul(a, f)?,
            });
        }
        factors.clear();
        self.product_pool.push(factors);
        let g = &mut self.out;
        let numerator = match numerator {
            None => g.constant(p.coefficient)?,
            Some(n) if p.coefficient == 1.0 => n,
            Some(n) => {
                let k = g.constant(p.coefficient)?;
                g.mul(n, k)?
            }
        };
        match denominator {
            None => Ok(numerator),
            Some(d) => g.div(numerator, d),
        }
    }
}

/// The coefficient magnitude (not 1) that two or more terms share, the most common
/// one (the smallest on a tie), if any.
fn common_magnitude(terms: &[(NodeId, f64)], magnitudes: &mut Vec<f64>) -> Option<f64> {
    magnitudes.clear();
    magnitudes.extend(terms.iter().map(|t| t.1.abs()).filter(|&m| m != 1.0));
    if magnitudes.len() < 2 {
        return None;
    }
    magnitudes.sort_by(f64::total_cmp);
    let mut best: Option<(f64, usize)> = None;
    for run in magnitudes.chunk_by(|a, b| a == b) {
        if run.len() >= 2 && best.is_none_or(|(_, n)| run.len() > n) {
            best = Some((run[0], run.len()));
        }
    }
    best.map(|(m, _)| m).filter(|m| m.is_finite() && *m != 0.0)
}

/// Sorts `(term, k)` pairs by term, combines equal terms with `add` (two entries stay
/// apart where `add` overflows), and drops those whose combined `k` is `zero`.
fn collect<K: Copy>(
    mut items: Vec<(NodeId, K)>,
    add: impl Fn(K, K) -> Option<K>,
    zero: impl Fn(K) -> bool,
) -> Vec<(NodeId, K)> {
    items.sort_by_key(|&(t, _)| t);
    // Merge in place: `items[..len]` is the merged prefix.
    let mut len = 0;
    for i in 0..items.len() {
        let (t, k) = items[i];
        let merged = match items[..len].last_mut() {
            Some((u, j)) if *u == t => add(*j, k).map(|s| *j = s).is_some(),
            _ => false,
        };
        if !merged {
            items[len] = (t, k);
            len += 1;
        }
    }
    items.truncate(len);
    items.retain(|&(_, k)| !zero(k));
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use adgraph_ir::{dump, evaluate, parse};

    fn fast(src: &str) -> (Graph, Function, Optimized) {
        let (g, f) = parse(src).unwrap();
        let r = simplify(&g, std::slice::from_ref(&f), FloatMode::Fast).unwrap();
        (g, f, r)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1e-300)
    }

    #[test]
    fn repeated_terms_become_a_product() {
        let (g, f, r) = fast("input x\noutput y = x + x + x + x + x\n");
        let f2 = &r.functions[0];
        assert_eq!(dump(&r.graph, f2), "input x\noutput y = x * 5\n");
        let p = [1.7];
        assert!(close(
            evaluate(&g, &f, &p).unwrap()[0],
            evaluate(&r.graph, f2, &p).unwrap()[0]
        ));
    }

    #[test]
    fn powers_merge_and_cancel() {
        let (_, _, r) = fast("input x, y\noutput z = x * y * x / y * x * 2 / x\n");
        assert_eq!(
            dump(&r.graph, &r.functions[0]),
            "input x, y
let v0 = x * x
output z = v0 * 2
"
        );
    }

    #[test]
    fn shared_nodes_are_not_duplicated() {
        // s is used twice: it stays a node, a term of both sums.
        let (_, _, r) =
            fast("input x, y\nlet s = x + y\noutput a = s + s + x\noutput b = s * 3 + y\n");
        let text = dump(&r.graph, &r.functions[0]);
        assert_eq!(text.matches("x + y").count(), 1, "{text}");
    }

    #[test]
    fn extreme_exponents_do_not_overflow() {
        let mut g = Graph::new();
        let x = g.input("x").unwrap();
        let y = g.input("y").unwrap();
        let a = g.powi(x, i32::MAX).unwrap();
        let b = g.mul(a, a).unwrap();
        let c = g.powi(y, i32::MIN).unwrap();
        let d = g.mul(b, c).unwrap();
        let f = Function::new(&g, vec![x, y], vec![("d".into(), d)]).unwrap();
        let r = simplify(&g, std::slice::from_ref(&f), FloatMode::Fast).unwrap();
        for p in [[1.0, 1.0], [-1.0, 1.0], [1.0, 2.0]] {
            let want = evaluate(&g, &f, &p).unwrap()[0];
            let got = evaluate(&r.graph, &r.functions[0], &p).unwrap()[0];
            assert!(want.to_bits() == got.to_bits(), "{p:?}: {want} vs {got}");
        }
    }

    #[test]
    fn strict_is_a_plain_rebuild() {
        let (g, f) = parse("input x\noutput y = x + x + x + x\n").unwrap();
        let r = simplify(&g, std::slice::from_ref(&f), FloatMode::Strict).unwrap();
        assert_eq!(dump(&r.graph, &r.functions[0]), dump(&g, &f));
    }

    #[test]
    fn a_long_sum_is_collected_without_recursion() {
        let mut src = String::from("input x, y\nlet s0 = x\n");
        for i in 1..20_000 {
            let t = if i % 2 == 0 { "x" } else { "y" };
            src.push_str(&format!("let s{i} = s{} + {t}\n", i - 1));
        }
        src.push_str("output z = s19999\n");
        let (_, _, r) = fast(&src);
        assert_eq!(
            dump(&r.graph, &r.functions[0]),
            "input x, y\nlet v0 = x + y\noutput z = v0 * 1e4\n"
        );
    }
}
