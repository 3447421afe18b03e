//! Numbers on the command line and in CSV cells, written as in the `.adg` language.
//!
//! `--at x=3`, `--dir y=-0.5` and every CSV cell take the language's number syntax
//! (`2`, `0.5`, `.5`, `1e-3`, `2.5E+4`, `inf`, `nan`) with an optional leading `-`
//! (`-inf`, `-0`, `-nan`: the forms the printer writes), so anything a dump or a
//! result prints can be read back bit for bit. Rust's own `f64` parser accepts more
//! (`infinity`, `1.`, `+5`); those are refused here so the two syntaxes stay one.

use std::fmt;

/// Why a piece of text is not a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// The text does not follow the number syntax.
    Malformed(String),
    /// A finite-looking literal too large for binary64 (`1e999`).
    OutOfRange(String),
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::Malformed(t) => write!(
                f,
                "`{}` is not a number (write e.g. 3, -0.5, 1e-3, inf, -inf or nan)",
                shorten(t)
            ),
            NumberError::OutOfRange(t) => write!(
                f,
                "`{}` is out of range for binary64 (write inf)",
                shorten(t)
            ),
        }
    }
}

impl std::error::Error for NumberError {}

/// At most 40 characters of `text`, with `...` when cut, for messages.
pub fn shorten(text: &str) -> String {
    const LIMIT: usize = 40;
    if text.chars().count() <= LIMIT {
        text.to_string()
    } else {
        let head: String = text.chars().take(LIMIT).collect();
        format!("{head}...")
    }
}

/// Parses `text` (surrounding spaces ignored) as a number in the language's syntax,
/// with an optional leading `-`.
///
/// ```
/// use adgraph_cli::number::parse_number;
/// assert_eq!(parse_number("-1.5e3"), Ok(-1500.0));
/// assert_eq!(parse_number("-inf"), Ok(f64::NEG_INFINITY));
/// assert!(parse_number("infinity").is_err());
/// ```
pub fn parse_number(text: &str) -> Result<f64, NumberError> {
    let trimmed = text.trim();
    let (negative, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let magnitude = match body {
        "inf" => f64::INFINITY,
        "nan" => f64::NAN,
        _ if is_literal(body) => {
            let x: f64 = body
                .parse()
                .map_err(|_| NumberError::Malformed(trimmed.to_string()))?;
            if x.is_infinite() {
                return Err(NumberError::OutOfRange(trimmed.to_string()));
            }
            x
        }
        _ => return Err(NumberError::Malformed(trimmed.to_string())),
    };
    Ok(if negative { -magnitude } else { magnitude })
}

/// Whether `s` is an unsigned literal of the language, by the parser's own scanner.
fn is_literal(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b.first(), Some(b'0'..=b'9' | b'.')) && adgraph::ir::scan_number(b, 0) == Ok(b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_forms_parse() {
        assert_eq!(parse_number("3"), Ok(3.0));
        assert_eq!(parse_number(" -0.5 "), Ok(-0.5));
        assert_eq!(parse_number(".5"), Ok(0.5));
        assert_eq!(parse_number("1e-3"), Ok(1e-3));
        assert_eq!(parse_number("2.5E+4"), Ok(2.5e4));
        assert_eq!(parse_number("inf"), Ok(f64::INFINITY));
        assert_eq!(parse_number("-inf"), Ok(f64::NEG_INFINITY));
        assert!(parse_number("nan").unwrap().is_nan());
        let negative_nan = parse_number("-nan").unwrap();
        assert!(negative_nan.is_nan() && negative_nan.is_sign_negative());
        assert_eq!(parse_number("-0").unwrap().to_bits(), (-0.0f64).to_bits());
    }

    #[test]
    fn printed_numbers_read_back_bit_for_bit() {
        for x in [
            0.1,
            1e300,
            -0.0,
            5e-324,
            f64::MAX,
            -1.5e-7,
            f64::NEG_INFINITY,
        ] {
            let text = adgraph::ir::format_number(x);
            assert_eq!(
                parse_number(&text).unwrap().to_bits(),
                x.to_bits(),
                "{text}"
            );
        }
    }

    #[test]
    fn other_spellings_are_refused() {
        for bad in [
            "", "abc", "1.", "+5", "infinity", "NaN", "1e", "1e+", "--1", "0x10", "1,5", "1 2",
        ] {
            assert!(
                matches!(parse_number(bad), Err(NumberError::Malformed(_))),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_number("1e999"),
            Err(NumberError::OutOfRange("1e999".into()))
        );
    }

    #[test]
    fn messages_name_the_text() {
        assert_eq!(
            parse_number("abc").unwrap_err().to_string(),
            "`abc` is not a number (write e.g. 3, -0.5, 1e-3, inf, -inf or nan)"
        );
        let long = "9".repeat(100) + "x";
        assert!(parse_number(&long).unwrap_err().to_string().contains("..."));
    }
}
