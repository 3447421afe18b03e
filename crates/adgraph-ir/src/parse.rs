//! The `.adg` parser: text to a `Function` in a `Graph`, without recursion.
//!
//! Expressions are parsed by operator precedence with explicit stacks (shunting
//! yard), so a million nested parentheses cost memory, not stack. Every error names
//! its line and column and says what was expected.

use crate::{is_reserved, Function, Graph, GraphError, NodeId, Op};
use rustc_hash::FxHashMap;
use std::fmt;

/// What was wrong with a piece of `.adg` text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// A character that starts no token.
    StrayCharacter(char),
    /// Bytes that are not UTF-8.
    InvalidUtf8,
    /// A token other than the one the grammar needs here.
    Expected {
        /// What the grammar needed.
        expected: &'static str,
        /// What stood there instead.
        found: String,
    },
    /// A name that is neither an input nor a `let` bound above.
    UnknownName(String),
    /// A name bound a second time.
    Rebinding(String),
    /// A reserved word (function name, `inf`, `nan`, keyword) used as a name.
    ReservedName(String),
    /// A call of a function the language does not have.
    UnknownFunction(String),
    /// A function called with the wrong number of arguments.
    WrongArity {
        /// The function.
        function: String,
        /// Arguments it takes.
        expected: usize,
        /// Arguments given.
        found: usize,
    },
    /// `a < b < c`: comparisons do not chain.
    ChainedComparison,
    /// Two outputs with one name.
    DuplicateOutput(String),
    /// A file without any `output`.
    MissingOutput,
    /// A finite-looking literal too large for binary64 (`1e999999`; write `inf`).
    NumberOutOfRange(String),
    /// The graph could not take another node.
    Graph(GraphError),
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseErrorKind::*;
        match self {
            StrayCharacter(c) if c.is_control() => {
                write!(f, "stray character U+{:04X}", *c as u32)
            }
            StrayCharacter(c) => write!(f, "stray character `{c}`"),
            InvalidUtf8 => write!(f, "the text is not valid UTF-8"),
            Expected { expected, found } => write!(f, "expected {expected}, found {found}"),
            UnknownName(n) => write!(f, "unknown name `{n}`"),
            Rebinding(n) => write!(f, "`{n}` is already bound; a name is bound once"),
            ReservedName(n) => write!(f, "`{n}` is reserved and cannot be bound"),
            UnknownFunction(n) => write!(f, "unknown function `{n}`"),
            WrongArity {
                function,
                expected,
                found,
            } => write!(
                f,
                "`{function}` takes {expected} argument{}, got {found}",
                if *expected == 1 { "" } else { "s" }
            ),
            ChainedComparison => write!(
                f,
                "comparisons do not chain; use parentheses, e.g. `(a < b) < c`"
            ),
            DuplicateOutput(n) => write!(f, "output `{n}` is declared twice"),
            MissingOutput => write!(f, "missing output: a file needs at least one `output`"),
            NumberOutOfRange(t) => {
                write!(f, "number `{t}` is out of range for binary64 (write `inf`)")
            }
            Graph(e) => e.fmt(f),
        }
    }
}

/// A parse error with its 1-based line and column (in characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// What was wrong.
    pub kind: ParseErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.kind)
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    /// The error as a compiler prints it: `file:line:col: message`, then the line
    /// (a window of it, for long lines; control characters shown as `?`) and a caret
    /// under the column. `source` is the text that was parsed.
    ///
    /// ```
    /// use adgraph_ir::parse;
    /// let src = "input x\noutput z = x + y\n";
    /// let err = parse(src).unwrap_err();
    /// assert_eq!(
    ///     err.render("f.adg", src),
    ///     "f.adg:2:16: unknown name `y`\noutput z = x + y\n               ^"
    /// );
    /// ```
    pub fn render(&self, file: &str, source: &str) -> String {
        let text = source
            .lines()
            .nth(self.line.saturating_sub(1))
            .unwrap_or("");
        let chars: Vec<char> = text.chars().collect();
        let col = self.column.saturating_sub(1).min(chars.len());
        let start = col.saturating_sub(60);
        let end = (col + 20).min(chars.len());
        let shown: String = chars[start..end]
            .iter()
            .map(|&c| if c.is_control() { '?' } else { c })
            .collect();
        let prefix = if start > 0 { "..." } else { "" };
        let caret = " ".repeat(prefix.len() + col - start);
        format!(
            "{file}:{}:{}: {}\n{prefix}{shown}\n{caret}^",
            self.line, self.column, self.kind
        )
    }
}

/// Parses `.adg` text into a new graph. See the language reference for the grammar.
///
/// ```
/// use adgraph_ir::{evaluate, parse};
/// let (g, f) = parse("input x, y\nlet u = x * x\noutput z = u + x * y + 2\n")?;
/// assert_eq!(evaluate(&g, &f, &[3.0, 4.0])?, vec![23.0]);
/// let err = parse("input x\noutput z = x + y\n").unwrap_err();
/// assert_eq!(err.to_string(), "2:16: unknown name `y`");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse(source: &str) -> Result<(Graph, Function), ParseError> {
    let mut g = Graph::new();
    let f = parse_into(&mut g, source)?;
    Ok((g, f))
}

/// Parses `.adg` text into an existing graph: equal nodes are shared with what the
/// graph holds, and the graph's node limit and float mode apply.
///
/// ```
/// use adgraph_ir::{parse_into, Graph};
/// let mut g = Graph::new();
/// let f = parse_into(&mut g, "input x\noutput s = sin(x)")?;
/// let h = parse_into(&mut g, "input x\noutput t = sin(x) * 2")?;
/// // `sin(x)` is one node, shared by both functions.
/// assert_eq!(g.node(h.outputs()[0].id).arg(0), f.outputs()[0].id);
/// # Ok::<(), adgraph_ir::ParseError>(())
/// ```
pub fn parse_into(g: &mut Graph, source: &str) -> Result<Function, ParseError> {
    // About one binding and at least one node a line: growing the tables once up
    // front saves rehashing them as they fill.
    let lines = source.bytes().filter(|&b| b == b'\n').count();
    g.reserve(lines);
    let mut p = Parser::new(g, source, false);
    p.scope.reserve(lines);
    p.file()
}

/// Parses bytes, as read from a file: text that is not UTF-8 is an error at the
/// position of the first bad byte.
///
/// ```
/// use adgraph_ir::{parse_bytes, ParseErrorKind};
/// let err = parse_bytes(b"input x\noutput x\xff").unwrap_err();
/// assert_eq!((err.line, err.column, err.kind), (2, 9, ParseErrorKind::InvalidUtf8));
/// ```
pub fn parse_bytes(source: &[u8]) -> Result<(Graph, Function), ParseError> {
    let text = utf8(source)?;
    parse(text)
}

/// Checks that `source` is UTF-8; the error gives the position of the first bad byte.
pub fn utf8(source: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(source).map_err(|e| {
        let ok = &source[..e.valid_up_to()];
        let line = ok.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = ok.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&ok[line_start..]).chars().count() + 1;
        ParseError {
            line,
            column,
            kind: ParseErrorKind::InvalidUtf8,
        }
    })
}

/// Parses one expression whose free names become inputs in order of first
/// appearance; the function has one output, `out0`. This is the CLI's `-e`.
///
/// ```
/// use adgraph_ir::{evaluate, parse_expression};
/// let (g, f) = parse_expression("x*x + x*y + 2")?;
/// assert_eq!(f.input_names(&g), vec!["x", "y"]);
/// assert_eq!(evaluate(&g, &f, &[3.0, 4.0])?, vec![23.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_expression(source: &str) -> Result<(Graph, Function), ParseError> {
    let mut g = Graph::new();
    let mut p = Parser::new(&mut g, source, true);
    p.skip_newlines();
    let e = p.expression()?;
    p.skip_newlines();
    p.expect_end_of_statement()?;
    let inputs = p.inputs.clone();
    let out = vec![("out0".to_string(), e.id)];
    let f = Function::new(&g, inputs, out).map_err(|e| ParseError {
        line: 1,
        column: 1,
        kind: ParseErrorKind::Graph(e),
    })?;
    Ok((g, f))
}

/// Scans the unsigned number literal that starts at `b[start]` (a digit or `.`):
/// `digits [. digits] [(e|E) [+-] digits]` or `. digits [...]`. Returns the end of the
/// literal, or the position where a digit was needed and what was expected there.
/// The one definition of the literal syntax: the lexer and the CLI's `--at` and CSV
/// readers both use it.
///
/// ```
/// use adgraph_ir::scan_number;
/// assert_eq!(scan_number(b"2.5E+4)", 0), Ok(6));
/// assert_eq!(scan_number(b".5", 0), Ok(2));
/// assert_eq!(scan_number(b"1.e3", 0), Err((2, "a digit after `.`")));
/// assert_eq!(scan_number(b"1e", 0), Err((2, "digits in the exponent")));
/// ```
pub fn scan_number(b: &[u8], start: usize) -> Result<usize, (usize, &'static str)> {
    let digits = |mut j: usize| {
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let mut i = digits(start);
    if b.get(i) == Some(&b'.') {
        let frac = i + 1;
        let j = digits(frac);
        if j == frac {
            return Err((j, "a digit after `.`"));
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let k = digits(j);
        if k == j {
            return Err((k, "digits in the exponent"));
        }
        i = k;
    }
    Ok(i)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok<'s> {
    Name(&'s str),
    Number(&'s str),
    Sym(&'static str),
    Newline,
    End,
}

impl Tok<'_> {
    fn describe(&self) -> String {
        match self {
            Tok::Name(n) => format!("`{}`", shorten(n)),
            Tok::Number(n) => format!("number `{}`", shorten(n)),
            Tok::Sym(s) => format!("`{s}`"),
            Tok::Newline => "end of line".to_string(),
            Tok::End => "end of input".to_string(),
        }
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        let head: String = s.chars().take(37).collect();
        format!("{head}...")
    } else {
        s.to_string()
    }
}

/// A value on the operand stack: its node, and whether it was an integer literal
/// (possibly negated), for `a ^ n`.
#[derive(Clone, Copy)]
struct Value {
    id: NodeId,
    integer: Option<i64>,
    comparison: bool,
}

/// An entry of the operator stack.
#[derive(Clone, Copy)]
enum Pending<'s> {
    Binary(Op, usize), // op, byte position
    Power(usize),
    Negate,
    Paren,
    Call {
        name: &'s str,
        pos: usize,
        args: usize,
    },
}

fn precedence(p: &Pending) -> u8 {
    match p {
        Pending::Binary(op, _) if op.is_comparison() => 1,
        Pending::Binary(Op::Add | Op::Sub, _) => 2,
        Pending::Binary(_, _) => 3,
        Pending::Negate => 4,
        Pending::Power(_) => 5,
        Pending::Paren | Pending::Call { .. } => 0,
    }
}

/// The names bound so far. Names of up to 23 bytes (nearly all) are keys held in the
/// table itself, so looking one up reads the table only, not the far-away source text
/// the name was bound in; longer names are keyed by their text.
#[derive(Default)]
struct Scope<'s> {
    short: FxHashMap<ShortName, NodeId>,
    long: FxHashMap<&'s str, NodeId>,
}

/// A name of at most 23 bytes, zero-padded, its length in the last byte.
#[derive(Clone, Copy, PartialEq, Eq)]
struct ShortName([u64; 3]);

impl std::hash::Hash for ShortName {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for w in self.0 {
            state.write_u64(w);
        }
    }
}

impl ShortName {
    #[inline]
    fn new(name: &str) -> Option<ShortName> {
        let b = name.as_bytes();
        if b.len() > 23 {
            return None;
        }
        let mut bytes = [0u8; 24];
        bytes[..b.len()].copy_from_slice(b);
        bytes[23] = b.len() as u8;
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&bytes[8 * i..8 * i + 8]);
            u64::from_le_bytes(w)
        };
        Some(ShortName([word(0), word(1), word(2)]))
    }
}

impl<'s> Scope<'s> {
    fn reserve(&mut self, additional: usize) {
        self.short.reserve(additional);
    }

    #[inline]
    fn get(&self, name: &str) -> Option<NodeId> {
        match ShortName::new(name) {
            Some(k) => self.short.get(&k).copied(),
            None => self.long.get(name).copied(),
        }
    }

    /// Binds `name`; returns what it was bound to before, if anything.
    #[inline]
    fn insert(&mut self, name: &'s str, id: NodeId) -> Option<NodeId> {
        match ShortName::new(name) {
            Some(k) => self.short.insert(k, id),
            None => self.long.insert(name, id),
        }
    }
}

struct Parser<'s, 'g> {
    g: &'g mut Graph,
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    /// Position of the current token (after `peek`).
    tok_pos: usize,
    peeked: Option<(Tok<'s>, usize, usize)>,
    scope: Scope<'s>,
    inputs: Vec<NodeId>,
    free_names_are_inputs: bool,
    /// Operand stack of `expression`, kept between calls.
    values: Vec<Value>,
    /// Operator stack of `expression`, kept between calls.
    ops: Vec<Pending<'s>>,
}

impl<'s, 'g> Parser<'s, 'g> {
    fn new(g: &'g mut Graph, src: &'s str, free_names_are_inputs: bool) -> Self {
        Parser {
            g,
            src,
            bytes: src.as_bytes(),
            pos: 0,
            tok_pos: 0,
            peeked: None,
            scope: Scope::default(),
            inputs: Vec::new(),
            free_names_are_inputs,
            values: Vec::new(),
            ops: Vec::new(),
        }
    }

    fn error_at(&self, pos: usize, kind: ParseErrorKind) -> ParseError {
        let before = &self.bytes[..pos.min(self.bytes.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = self.src[start..pos.min(self.src.len())].chars().count() + 1;
        ParseError { line, column, kind }
    }

    fn graph_error(&self, pos: usize, e: GraphError) -> ParseError {
        self.error_at(pos, ParseErrorKind::Graph(e))
    }

    /// Lexes the next token from `self.pos`: (token, start, end).
    fn lex(&self) -> Result<(Tok<'s>, usize, usize), ParseError> {
        let b = self.bytes;
        let mut i = self.pos;
        loop {
            match b.get(i) {
                Some(b' ' | b'\t' | b'\r') => i += 1,
                Some(b'#') => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
                _ => break,
            }
        }
        let start = i;
        let Some(&c) = b.get(i) else {
            return Ok((Tok::End, start, start));
        };
        let sym = |s: &'static str| Ok((Tok::Sym(s), start, start + s.len()));
        let two = b.get(i + 1).copied();
        match c {
            b'\n' => Ok((Tok::Newline, start, start + 1)),
            b'+' => sym("+"),
            b'-' => sym("-"),
            b'*' => sym("*"),
            b'/' => sym("/"),
            b'^' => sym("^"),
            b'(' => sym("("),
            b')' => sym(")"),
            b',' => sym(","),
            b'<' if two == Some(b'=') => sym("<="),
            b'<' => sym("<"),
            b'>' if two == Some(b'=') => sym(">="),
            b'>' => sym(">"),
            b'=' if two == Some(b'=') => sym("=="),
            b'=' => sym("="),
            b'!' if two == Some(b'=') => sym("!="),
            b'A'..=b'Z' | b'a'..=b'z' | b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Ok((Tok::Name(&self.src[start..i]), start, i))
            }
            b'0'..=b'9' | b'.' => {
                let i = scan_number(b, start).map_err(|(at, expected)| {
                    self.error_at(
                        at,
                        ParseErrorKind::Expected {
                            expected,
                            found: self.describe_at(at),
                        },
                    )
                })?;
                Ok((Tok::Number(&self.src[start..i]), start, i))
            }
            _ => {
                let ch = self.src[start..].chars().next().unwrap_or('\u{fffd}');
                Err(self.error_at(start, ParseErrorKind::StrayCharacter(ch)))
            }
        }
    }

    fn describe_at(&self, pos: usize) -> String {
        match self.src[pos..].chars().next() {
            None => "end of input".to_string(),
            Some('\n') => "end of line".to_string(),
            Some(c) if c.is_control() => format!("U+{:04X}", c as u32),
            Some(c) => format!("`{c}`"),
        }
    }

    fn peek(&mut self) -> Result<Tok<'s>, ParseError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lex()?);
        }
        let (t, start, _) = self.peeked.unwrap();
        self.tok_pos = start;
        Ok(t)
    }

    fn bump(&mut self) -> Result<Tok<'s>, ParseError> {
        let t = self.peek()?;
        let (_, _, end) = self.peeked.take().unwrap();
        self.pos = end;
        Ok(t)
    }

    fn expected(&self, expected: &'static str, found: Tok) -> ParseError {
        self.error_at(
            self.tok_pos,
            ParseErrorKind::Expected {
                expected,
                found: found.describe(),
            },
        )
    }

    fn skip_newlines(&mut self) {
        while let Ok(Tok::Newline) = self.peek() {
            let _ = self.bump();
        }
    }

    fn expect_end_of_statement(&mut self) -> Result<(), ParseError> {
        match self.peek()? {
            Tok::Newline | Tok::End => Ok(()),
            t => Err(self.expected("an operator or end of line", t)),
        }
    }

    fn bind(&mut self, name: &'s str, pos: usize, id: NodeId) -> Result<(), ParseError> {
        if is_reserved(name) {
            return Err(self.error_at(pos, ParseErrorKind::ReservedName(name.to_string())));
        }
        if self.scope.insert(name, id).is_some() {
            return Err(self.error_at(pos, ParseErrorKind::Rebinding(name.to_string())));
        }
        Ok(())
    }

    fn file(mut self) -> Result<Function, ParseError> {
        let mut outputs: Vec<(String, NodeId, usize)> = Vec::new();
        loop {
            self.skip_newlines();
            let t = self.peek()?;
            let at = self.tok_pos;
            match t {
                Tok::End => break,
                Tok::Name("input") => {
                    self.bump()?;
                    loop {
                        let t = self.peek()?;
                        let Tok::Name(name) = t else {
                            return Err(self.expected("an input name", t));
                        };
                        let pos = self.tok_pos;
                        self.bump()?;
                        let id = self.g.input(name).map_err(|e| self.graph_error(pos, e))?;
                        self.bind(name, pos, id)?;
                        self.inputs.push(id);
                        match self.peek()? {
                            Tok::Sym(",") => {
                                self.bump()?;
                            }
                            Tok::Newline | Tok::End => break,
                            t => return Err(self.expected("`,` or end of line", t)),
                        }
                    }
                }
                Tok::Name("let") => {
                    self.bump()?;
                    let t = self.peek()?;
                    let Tok::Name(name) = t else {
                        return Err(self.expected("a name after `let`", t));
                    };
                    let pos = self.tok_pos;
                    self.bump()?;
                    if is_reserved(name) {
                        return Err(
                            self.error_at(pos, ParseErrorKind::ReservedName(name.to_string()))
                        );
                    }
                    match self.peek()? {
                        Tok::Sym("=") => {
                            self.bump()?;
                        }
                        t => return Err(self.expected("`=`", t)),
                    }
                    let v = self.expression()?;
                    // One lookup: a rebinding is found as the name is bound.
                    if self.scope.insert(name, v.id).is_some() {
                        return Err(self.error_at(pos, ParseErrorKind::Rebinding(name.to_string())));
                    }
                }
                Tok::Name("output") => {
                    self.bump()?;
                    let name = self.output_name()?;
                    let v = self.expression()?;
                    let (name, pos) = match name {
                        Some((n, p)) => (n.to_string(), p),
                        None => (format!("out{}", outputs.len()), at),
                    };
                    if outputs.iter().any(|(n, _, _)| *n == name) {
                        return Err(self.error_at(pos, ParseErrorKind::DuplicateOutput(name)));
                    }
                    outputs.push((name, v.id, pos));
                }
                t => return Err(self.expected("`input`, `let` or `output`", t)),
            }
            self.expect_end_of_statement()?;
        }
        if outputs.is_empty() {
            // At the end of the last line with text, not on a trailing empty line.
            let end = self.src.trim_end().len();
            return Err(self.error_at(end, ParseErrorKind::MissingOutput));
        }
        let outs = outputs.into_iter().map(|(n, id, _)| (n, id)).collect();
        Function::new(self.g, self.inputs, outs).map_err(|e| ParseError {
            line: 1,
            column: 1,
            kind: ParseErrorKind::Graph(e),
        })
    }

    /// After `output`: `NAME =` (named) or nothing (an unnamed output's expression).
    fn output_name(&mut self) -> Result<Option<(&'s str, usize)>, ParseError> {
        let t = self.peek()?;
        let Tok::Name(name) = t else { return Ok(None) };
        let pos = self.tok_pos;
        // Look one token past the name without consuming it.
        let save = (self.pos, self.peeked);
        self.bump()?;
        if self.peek()? == Tok::Sym("=") {
            self.bump()?;
            if is_reserved(name) {
                return Err(self.error_at(pos, ParseErrorKind::ReservedName(name.to_string())));
            }
            return Ok(Some((name, pos)));
        }
        (self.pos, self.peeked) = save;
        self.tok_pos = pos;
        Ok(None)
    }

    fn number(&self, text: &str, pos: usize) -> Result<f64, ParseError> {
        let x: f64 = text.parse().map_err(|_| {
            self.error_at(
                pos,
                ParseErrorKind::Expected {
                    expected: "a number",
                    found: format!("`{}`", shorten(text)),
                },
            )
        })?;
        if x.is_infinite() {
            return Err(self.error_at(pos, ParseErrorKind::NumberOutOfRange(shorten(text))));
        }
        Ok(x)
    }

    fn leaf(&self, id: Result<NodeId, GraphError>, pos: usize) -> Result<Value, ParseError> {
        let id = id.map_err(|e| self.graph_error(pos, e))?;
        Ok(Value {
            id,
            integer: None,
            comparison: false,
        })
    }

    /// Parses one expression with explicit operand and operator stacks.
    fn expression(&mut self) -> Result<Value, ParseError> {
        // The stacks are reused from one expression to the next (one allocation each
        // per file, not per line).
        let mut values = std::mem::take(&mut self.values);
        let mut ops = std::mem::take(&mut self.ops);
        values.clear();
        ops.clear();
        let r = self.expression_with(&mut values, &mut ops);
        self.values = values;
        self.ops = ops;
        r
    }

    fn expression_with(
        &mut self,
        values: &mut Vec<Value>,
        ops: &mut Vec<Pending<'s>>,
    ) -> Result<Value, ParseError> {
        loop {
            // Operand position: prefix minus, `(`, or a primary.
            let t = self.peek()?;
            let pos = self.tok_pos;
            match t {
                Tok::Sym("-") => {
                    self.bump()?;
                    ops.push(Pending::Negate);
                    continue;
                }
                Tok::Sym("(") => {
                    self.bump()?;
                    ops.push(Pending::Paren);
                    continue;
                }
                Tok::Number(text) => {
                    self.bump()?;
                    let x = self.number(text, pos)?;
                    let r = self.g.constant(x);
                    let mut v = self.leaf(r, pos)?;
                    if text.bytes().all(|b| b.is_ascii_digit()) {
                        v.integer = text.parse::<i64>().ok();
                    }
                    values.push(v);
                }
                Tok::Name(name) => {
                    self.bump()?;
                    let is_call = self.peek()? == Tok::Sym("(");
                    if is_call {
                        if Op::function(name).is_none() {
                            return Err(
                                self.error_at(pos, ParseErrorKind::UnknownFunction(name.into()))
                            );
                        }
                        self.bump()?;
                        if self.peek()? == Tok::Sym(")") {
                            let op = Op::function(name).unwrap_or(Op::Neg);
                            return Err(self.error_at(
                                pos,
                                ParseErrorKind::WrongArity {
                                    function: name.into(),
                                    expected: op.arity(),
                                    found: 0,
                                },
                            ));
                        }
                        ops.push(Pending::Call { name, pos, args: 1 });
                        continue;
                    }
                    let v = match name {
                        "inf" | "nan" => {
                            let x = if name == "inf" {
                                f64::INFINITY
                            } else {
                                f64::NAN
                            };
                            let r = self.g.constant(x);
                            self.leaf(r, pos)?
                        }
                        _ => match self.scope.get(name) {
                            Some(id) => Value {
                                id,
                                integer: None,
                                comparison: false,
                            },
                            None if Op::function(name).is_some() => {
                                let found = self.peek()?;
                                return Err(self.expected("`(` after a function name", found));
                            }
                            None if self.free_names_are_inputs && !is_reserved(name) => {
                                let r = self.g.input(name);
                                let v = self.leaf(r, pos)?;
                                self.scope.insert(name, v.id);
                                self.inputs.push(v.id);
                                v
                            }
                            None => {
                                return Err(
                                    self.error_at(pos, ParseErrorKind::UnknownName(shorten(name)))
                                )
                            }
                        },
                    };
                    values.push(v);
                }
                t => return Err(self.expected("an expression", t)),
            }
            // Operator position: a binary operator, `,`, `)`, or the end.
            loop {
                let t = self.peek()?;
                let pos = self.tok_pos;
                let incoming = match t {
                    Tok::Sym("+") => Pending::Binary(Op::Add, pos),
                    Tok::Sym("-") => Pending::Binary(Op::Sub, pos),
                    Tok::Sym("*") => Pending::Binary(Op::Mul, pos),
                    Tok::Sym("/") => Pending::Binary(Op::Div, pos),
                    Tok::Sym("^") => Pending::Power(pos),
                    Tok::Sym("<") => Pending::Binary(Op::Lt, pos),
                    Tok::Sym("<=") => Pending::Binary(Op::Le, pos),
                    Tok::Sym(">") => Pending::Binary(Op::Gt, pos),
                    Tok::Sym(">=") => Pending::Binary(Op::Ge, pos),
                    Tok::Sym("==") => Pending::Binary(Op::Eq, pos),
                    Tok::Sym("!=") => Pending::Binary(Op::Ne, pos),
                    Tok::Sym(")") => {
                        self.bump()?;
                        self.reduce_while(values, ops, |_| true)?;
                        match ops.pop() {
                            Some(Pending::Paren) => {
                                if let Some(v) = values.last_mut() {
                                    v.integer = None;
                                    v.comparison = false;
                                }
                            }
                            Some(Pending::Call { name, pos, args }) => {
                                self.call(values, name, pos, args)?;
                            }
                            _ => return Err(self.expected("an operator or end of line", t)),
                        }
                        continue;
                    }
                    Tok::Sym(",") => {
                        self.reduce_while(values, ops, |_| true)?;
                        match ops.last_mut() {
                            Some(Pending::Call { args, .. }) => *args += 1,
                            _ => return Err(self.expected("an operator or end of line", t)),
                        }
                        self.bump()?;
                        break;
                    }
                    _ => {
                        self.reduce_while(values, ops, |_| true)?;
                        if let Some(open) = ops.last() {
                            let expected = match open {
                                Pending::Call { .. } => "`,` or `)`",
                                _ => "`)`",
                            };
                            return Err(self.expected(expected, t));
                        }
                        return values
                            .pop()
                            .ok_or_else(|| self.expected("an expression", t));
                    }
                };
                let p = precedence(&incoming);
                let right_assoc = matches!(incoming, Pending::Power(_));
                self.reduce_while(values, ops, |top| {
                    let q = precedence(top);
                    if right_assoc {
                        q > p
                    } else {
                        q >= p
                    }
                })?;
                if let Pending::Binary(op, _) = incoming {
                    if op.is_comparison() && values.last().is_some_and(|v| v.comparison) {
                        return Err(self.error_at(pos, ParseErrorKind::ChainedComparison));
                    }
                }
                self.bump()?;
                ops.push(incoming);
                break;
            }
        }
    }

    /// Pops and applies operators while `cond` holds for the top (never past a paren
    /// or call).
    fn reduce_while(
        &mut self,
        values: &mut Vec<Value>,
        ops: &mut Vec<Pending<'s>>,
        cond: impl Fn(&Pending) -> bool,
    ) -> Result<(), ParseError> {
        while let Some(&top) = ops.last() {
            if matches!(top, Pending::Paren | Pending::Call { .. }) || !cond(&top) {
                break;
            }
            ops.pop();
            match top {
                Pending::Negate => {
                    let a = values.pop().expect("operand for negation");
                    let id = self
                        .g
                        .neg(a.id)
                        .map_err(|e| self.graph_error(self.tok_pos, e))?;
                    values.push(Value {
                        id,
                        integer: a.integer.map(|n| -n),
                        comparison: false,
                    });
                }
                Pending::Binary(op, pos) => {
                    let b = values.pop().expect("right operand");
                    let a = values.pop().expect("left operand");
                    let id = self
                        .g
                        .apply(op, &[a.id, b.id])
                        .map_err(|e| self.graph_error(pos, e))?;
                    values.push(Value {
                        id,
                        integer: None,
                        comparison: op.is_comparison(),
                    });
                }
                Pending::Power(pos) => {
                    let b = values.pop().expect("exponent");
                    let a = values.pop().expect("base");
                    let r = match b.integer.and_then(|n| i32::try_from(n).ok()) {
                        Some(n) => self.g.powi(a.id, n),
                        None => self.g.apply(Op::Pow, &[a.id, b.id]),
                    };
                    let id = r.map_err(|e| self.graph_error(pos, e))?;
                    values.push(Value {
                        id,
                        integer: None,
                        comparison: false,
                    });
                }
                Pending::Paren | Pending::Call { .. } => unreachable!(),
            }
        }
        Ok(())
    }

    fn call(
        &mut self,
        values: &mut Vec<Value>,
        name: &str,
        pos: usize,
        args: usize,
    ) -> Result<(), ParseError> {
        let op = Op::function(name).expect("checked when the call was opened");
        if args != op.arity() {
            return Err(self.error_at(
                pos,
                ParseErrorKind::WrongArity {
                    function: name.to_string(),
                    expected: op.arity(),
                    found: args,
                },
            ));
        }
        let at = values.len() - args;
        let ids: Vec<NodeId> = values[at..].iter().map(|v| v.id).collect();
        values.truncate(at);
        let id = self
            .g
            .apply(op, &ids)
            .map_err(|e| self.graph_error(pos, e))?;
        values.push(Value {
            id,
            integer: None,
            comparison: false,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate;

    fn eval(src: &str, point: &[f64]) -> Vec<f64> {
        let (g, f) = parse(src).unwrap_or_else(|e| panic!("{e}"));
        evaluate(&g, &f, point).unwrap()
    }

    fn err(src: &str) -> String {
        parse(src).unwrap_err().to_string()
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(eval("input x\noutput -x^2", &[3.0]), vec![-9.0]);
        assert_eq!(eval("input x\noutput 2^3^2", &[0.0]), vec![512.0]);
        assert_eq!(eval("input x\noutput 10 - 4 - 3", &[0.0]), vec![3.0]);
        assert_eq!(eval("input x\noutput 8 / 4 / 2", &[0.0]), vec![1.0]);
        assert_eq!(eval("input x\noutput 1 + 2 * 3 < 8", &[0.0]), vec![1.0]);
        assert_eq!(eval("input x\noutput x ^ -1 * 3", &[2.0]), vec![1.5]);
        assert_eq!(eval("input x\noutput (x < 1) < 2", &[0.0]), vec![1.0]);
        assert_eq!(eval("input x\noutput x ^ 3", &[-2.0]), vec![-8.0]);
        assert_eq!(eval("input x\noutput --x", &[2.0]), vec![2.0]);
        assert_eq!(
            eval(
                "input x, y\noutput select(x > y, min(x, y), max(x, atan2(y, x)))",
                &[1.0, 2.0]
            ),
            vec![2f64.atan2(1.0)]
        );
        assert!(eval("input x\noutput 2.5E+1 + 1e-1 + inf - inf", &[0.0])[0].is_nan());
        assert_eq!(eval("input x\noutput 2.5E+1 + 1e-1", &[0.0]), vec![25.1]);
    }

    #[test]
    fn integer_literal_exponent_is_integer_power() {
        let (g, f) = parse("input x\noutput x ^ -2").unwrap();
        assert_eq!(g.node(f.outputs()[0].id).op(), Op::PowI);
        let (g, f) = parse("input x\noutput x ^ 2.0").unwrap();
        assert_eq!(g.node(f.outputs()[0].id).op(), Op::Pow);
        let (g, f) = parse("input x\noutput x ^ (2)").unwrap();
        assert_eq!(g.node(f.outputs()[0].id).op(), Op::Pow);
    }

    #[test]
    fn outputs_unnamed_and_named() {
        let (_, f) = parse("input x\noutput x\noutput y = x + 1\noutput 2 * x").unwrap();
        let names: Vec<_> = f.outputs().iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, ["out0", "y", "out2"]);
        let (_, f) = parse("input x\noutput x = x").unwrap();
        assert_eq!(f.outputs()[0].name, "x");
    }

    #[test]
    fn errors_name_line_and_column() {
        assert_eq!(err("input x\noutput z = x + y"), "2:16: unknown name `y`");
        assert_eq!(
            err("input x\nlet x = 1\noutput x"),
            "2:5: `x` is already bound; a name is bound once"
        );
        assert_eq!(
            err("input x\noutput sin(x, x)"),
            "2:8: `sin` takes 1 argument, got 2"
        );
        assert_eq!(err("input x\noutput foo(x)"), "2:8: unknown function `foo`");
        assert_eq!(
            err("input x\nlet y = x"),
            "2:10: missing output: a file needs at least one `output`"
        );
        assert_eq!(
            err("input x\noutput x < 1 < 2"),
            "2:14: comparisons do not chain; use parentheses, e.g. `(a < b) < c`"
        );
        assert_eq!(err("input x\noutput x $ 1"), "2:10: stray character `$`");
        assert_eq!(
            err("input x\noutput (x + 1"),
            "2:14: expected `)`, found end of input"
        );
        assert_eq!(
            err("input x\noutput x +"),
            "2:11: expected an expression, found end of input"
        );
        assert_eq!(
            err("input exp"),
            "1:7: `exp` is reserved and cannot be bound"
        );
        assert_eq!(
            err("input x\noutput 1e999999"),
            "2:8: number `1e999999` is out of range for binary64 (write `inf`)"
        );
        assert_eq!(
            err("input x\noutput a = x\noutput a = x"),
            "3:8: output `a` is declared twice"
        );
        assert_eq!(
            err("input x\noutput x x"),
            "2:10: expected an operator or end of line, found `x`"
        );
        assert_eq!(
            err("input x\noutput sin x"),
            "2:12: expected `(` after a function name, found `x`"
        );
        assert_eq!(
            err("input x\noutput max()"),
            "2:8: `max` takes 2 arguments, got 0"
        );
        assert_eq!(
            err("input x\noutput 1.e3"),
            "2:10: expected a digit after `.`, found `e`"
        );
        assert_eq!(
            err("x = 1"),
            "1:1: expected `input`, `let` or `output`, found `x`"
        );
    }

    #[test]
    fn render_points_a_caret() {
        let src = "input x\noutput z = x + y\n";
        let e = parse(src).unwrap_err();
        assert_eq!(
            e.render("f.adg", src),
            "f.adg:2:16: unknown name `y`\noutput z = x + y\n               ^"
        );
    }

    #[test]
    fn invalid_utf8_has_a_position() {
        let e = parse_bytes(b"input x\noutput x\xff").unwrap_err();
        assert_eq!(
            (e.line, e.column, e.kind),
            (2, 9, ParseErrorKind::InvalidUtf8)
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let n = 100_000;
        let src = format!("input x\noutput {}x{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(eval(&src, &[1.5]), vec![1.5]);
        let src = format!("input x\noutput {}x", "(".repeat(n));
        assert!(parse(&src).is_err());
        let src = format!("input x\noutput {}x", "-".repeat(n));
        assert_eq!(eval(&src, &[1.5]), vec![1.5]);
        let src = format!("input x\noutput {}x{}", "sin(".repeat(n), ")".repeat(n));
        assert!(eval(&src, &[1.5])[0].is_finite());
    }

    #[test]
    fn short_and_long_names_are_distinct_bindings() {
        let n23 = "a".repeat(23);
        let n24 = "a".repeat(24);
        let n40 = format!("{n24}{}", "b".repeat(16));
        let src = format!(
            "input x\nlet {n23} = x + 1\nlet {n24} = x * 3\nlet {n40} = x - 5\nlet a = 7\n\
             output y = {n23} + {n24} * {n40} + a\n"
        );
        assert_eq!(eval(&src, &[2.0]), vec![3.0 + 6.0 * -3.0 + 7.0]);
        let again = format!("input x\nlet {n40} = x\nlet {n40} = x\noutput x");
        assert!(err(&again).starts_with("3:5: `aaaa"), "{}", err(&again));
        assert_eq!(
            err(&format!("input x\noutput {n24}")),
            format!("2:8: unknown name `{n24}`")
        );
    }

    #[test]
    fn free_names_become_inputs() {
        let (g, f) = parse_expression("b * a + b").unwrap();
        assert_eq!(f.input_names(&g), ["b", "a"]);
        assert!(parse_expression("x +").is_err());
        assert!(parse_expression("x y").is_err());
    }
}
