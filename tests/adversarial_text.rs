//! Adversarial `.adg` text: every input gives a result or an error with a position,
//! never a panic, a hang or a stack overflow.
//!
//! Random bytes, truncated and mutated copies of the example files, very long lines,
//! huge names, out-of-range numbers, NUL bytes and invalid UTF-8. The case count is
//! bounded for CI; `ADGRAPH_FUZZ_CASES` raises it.

use adgraph_ir::{dump, parse, parse_bytes, ParseError};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("ADGRAPH_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000)
}

fn examples() -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "adg"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .filter(|b| b.len() < 20_000)
        .collect()
}

/// The position of an error must lie inside the text (or just past its end).
fn assert_positioned(src: &[u8], e: &ParseError) {
    let lines = src.iter().filter(|&&b| b == b'\n').count() + 1;
    assert!(
        e.line >= 1 && e.line <= lines,
        "line {} of {lines}: {e}",
        e.line
    );
    assert!(e.column >= 1, "{e}");
    // The rendered form never panics and names the position.
    let text = String::from_utf8_lossy(src);
    let shown = e.render("f.adg", &text);
    assert!(shown.starts_with(&format!("f.adg:{}:{}: ", e.line, e.column)));
}

fn check(src: &[u8]) {
    match parse_bytes(src) {
        Ok((g, f)) => {
            // Whatever parses, dumps to text that parses to the same dump.
            let text = dump(&g, &f);
            let (g2, f2) =
                parse(&text).unwrap_or_else(|e| panic!("dump does not parse: {e}\n{text}"));
            assert_eq!(dump(&g2, &f2), text);
        }
        Err(e) => assert_positioned(src, &e),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        check(&bytes);
    }

    #[test]
    fn random_tokens(tokens in proptest::collection::vec(
        prop_oneof![
            Just("input "), Just("let "), Just("output "), Just("x"), Just("y"), Just(", "),
            Just(" = "), Just("+"), Just("-"), Just("*"), Just("/"), Just("^"), Just("("),
            Just(")"), Just("<"), Just("<="), Just("=="), Just("!="), Just("2"), Just("0.5"),
            Just("1e999999"), Just("nan"), Just("inf"), Just("sin("), Just("select("),
            Just("pow("), Just("\n"), Just("# c\n"), Just("\0"), Just("é"), Just("\u{7f}"),
        ], 0..60)) {
        check(tokens.concat().as_bytes());
    }

    #[test]
    fn mutated_examples(which in 0usize..16, at in any::<prop::sample::Index>(),
                        byte in any::<u8>(), cut in any::<bool>()) {
        let files = examples();
        let mut src = files[which % files.len()].clone();
        let i = at.index(src.len().max(1)).min(src.len().saturating_sub(1));
        if cut {
            src.truncate(i);
        } else if !src.is_empty() {
            src[i] = byte;
        }
        check(&src);
    }
}

#[test]
fn a_one_megabyte_line() {
    let mut src = String::from("input x\noutput y = x");
    while src.len() < 1 << 20 {
        src.push_str(" + x");
    }
    let (g, f) = parse(&src).unwrap();
    assert_eq!(f.outputs().len(), 1);
    assert!(g.len() > 1000);
    let bad = format!("{src} $");
    let e = parse(&bad).unwrap_err();
    assert_eq!(e.line, 2);
    assert_eq!(e.column, bad.lines().nth(1).unwrap().len());
    // The rendered line is a window, not a megabyte.
    assert!(e.render("f.adg", &bad).len() < 400);
}

#[test]
fn a_million_nested_parentheses() {
    let n = 1_000_000;
    let src = format!("input x\noutput {}x{}", "(".repeat(n), ")".repeat(n));
    let (g, f) = parse(&src).unwrap();
    assert_eq!(f.outputs()[0].id, g.find_input("x").unwrap());
    let unbalanced = format!("input x\noutput {}x{}", "(".repeat(n), ")".repeat(n - 1));
    let e = parse(&unbalanced).unwrap_err();
    assert_eq!((e.line, e.column), (2, 8 + 2 * n));
}

#[test]
fn a_hundred_kilobyte_name() {
    let name = "a".repeat(100_000);
    let (g, f) = parse(&format!("input {name}\noutput {name} * 2")).unwrap();
    assert_eq!(f.input_names(&g)[0].len(), 100_000);
    let e = parse(&format!("input x\noutput {name}")).unwrap_err();
    // The message shortens the name.
    assert!(e.to_string().len() < 200, "{e}");
}

#[test]
fn numbers_out_of_range_and_odd() {
    for (src, ok) in [
        ("output 1e999999", false),
        ("output 1e-999999", true),
        ("output 1e", false),
        ("output 1.", false),
        ("output .5", true),
        ("output 00012", true),
        ("output 1e+", false),
        ("output 179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792", false),
    ] {
        match parse(src) {
            Ok(_) => assert!(ok, "{src} parsed"),
            Err(e) => {
                assert!(!ok, "{src}: {e}");
                assert_eq!(e.line, 1);
            }
        }
    }
}

#[test]
fn nul_bytes_and_invalid_utf8() {
    let e = parse_bytes(b"input x\noutput x\0").unwrap_err();
    assert_eq!((e.line, e.column), (2, 9));
    assert!(e.to_string().contains("U+0000"), "{e}");
    let e = parse_bytes(b"input x\n\xc3\x28").unwrap_err();
    assert_eq!((e.line, e.column), (2, 1));
    let e = parse_bytes(b"# \xe2\x82\xac euro in a comment is fine\ninput x\noutput x \xff")
        .unwrap_err();
    assert_eq!((e.line, e.column), (3, 10));
    assert!(parse_bytes("# € in a comment\ninput x\noutput x".as_bytes()).is_ok());
}
