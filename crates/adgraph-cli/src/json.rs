//! `--json` output: numbers and objects in the shapes CLI.md fixes, written by hand.
//!
//! JSON has no NaN or infinity, so non-finite numbers are the strings `"nan"`, `"inf"`
//! and `"-inf"`; finite ones are the shortest text that reads back to the same bits
//! (the `.adg` printer's rule, which is valid JSON for every finite value: `23`,
//! `0.1`, `-0`, `1e300`, `5e-324`). Objects keep the order they are given (outputs
//! and inputs in the function's order), which a map type would not. The whole
//! document is one line, `{"outputs": {"z": 23}}`, separators `": "` and `", "`.

use adgraph::ir::format_number;
use std::fmt::Write;

/// `x` as a JSON value: a number, or `"nan"`, `"inf"`, `"-inf"`.
///
/// ```
/// use adgraph_cli::json;
/// assert_eq!(json::number(1e300), "1e300");
/// assert_eq!(json::number(f64::NAN), "\"nan\"");
/// assert_eq!(json::numbers(&["z"], &[23.0]), "{\"z\": 23}");
/// ```
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "\"nan\"".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "\"inf\"" } else { "\"-inf\"" }.to_string()
    } else {
        format_number(x)
    }
}

/// `s` as a JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An object from (key, already-encoded value) pairs, in the order given.
pub fn object<'a>(entries: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut out = String::from("{");
    for (i, (key, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&string(key));
        out.push_str(": ");
        out.push_str(&value);
    }
    out.push('}');
    out
}

/// An object mapping `names` to numbers `values`, pairwise.
pub fn numbers(names: &[&str], values: &[f64]) -> String {
    object(names.iter().copied().zip(values.iter().map(|&x| number(x))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_spec() {
        assert_eq!(number(23.0), "23");
        assert_eq!(number(0.1), "0.1");
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-0.0), "-0");
        assert_eq!(number(f64::NAN), "\"nan\"");
        assert_eq!(number(-f64::NAN), "\"nan\"");
        assert_eq!(number(f64::INFINITY), "\"inf\"");
        assert_eq!(number(f64::NEG_INFINITY), "\"-inf\"");
    }

    #[test]
    fn finite_numbers_are_json_numbers_that_read_back() {
        // The JSON number grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
        fn is_json_number(s: &str) -> bool {
            let b = s.strip_prefix('-').unwrap_or(s).as_bytes();
            let digits = |mut i: usize| {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                i
            };
            let mut i = match b.first() {
                Some(b'0') => 1,
                Some(b'1'..=b'9') => digits(1),
                _ => return false,
            };
            if b.get(i) == Some(&b'.') {
                let j = digits(i + 1);
                if j == i + 1 {
                    return false;
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
                    return false;
                }
                i = k;
            }
            i == b.len()
        }
        let mut x = 1.0f64;
        let mut samples = vec![0.0, -0.0, f64::MAX, f64::MIN_POSITIVE, 5e-324, 123456789.0];
        for _ in 0..200 {
            x *= -7.3;
            samples.push(x);
            samples.push(1.0 / x);
        }
        for x in samples.into_iter().filter(|x| x.is_finite()) {
            let text = number(x);
            assert!(is_json_number(&text), "{text}");
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), x.to_bits());
        }
    }

    #[test]
    fn objects_keep_their_order() {
        assert_eq!(
            numbers(&["z", "a"], &[23.0, f64::NAN]),
            "{\"z\": 23, \"a\": \"nan\"}"
        );
        assert_eq!(
            object([("outputs", numbers(&["z"], &[1.0]))]),
            "{\"outputs\": {\"z\": 1}}"
        );
        assert_eq!(object([]), "{}");
        assert_eq!(string("a\"b\\\n\u{1}"), "\"a\\\"b\\\\\\n\\u0001\"");
    }
}
