//! `--at x=3,y=4` (a point) and `--dir x=1` (a tangent direction): name=value lists
//! checked against the function's inputs.
//!
//! A point must give every input exactly once; a direction may leave inputs out (they
//! are 0). Either way an unknown name, a name given twice, an entry without `=` or a
//! value that is not a number is an error that names the flag and the entry, and lists
//! the inputs so the user can fix the line. The flag may be repeated
//! (`--at x=3 --at y=4`); entries accumulate.

use crate::error::CliError;
use crate::number::{parse_number, shorten};

/// The values of a point for inputs `names` (in input order) from `--at` entries;
/// every input must be given exactly once.
///
/// ```
/// use adgraph_cli::point::parse_point;
/// let at = vec!["y=4,x=3".to_string()];
/// assert_eq!(parse_point("--at", &at, &["x", "y"]).unwrap(), vec![3.0, 4.0]);
/// let err = parse_point("--at", &at, &["x", "y", "z"]).unwrap_err();
/// assert_eq!(err.exit_status(), 2);
/// ```
pub fn parse_point(flag: &str, entries: &[String], names: &[&str]) -> Result<Vec<f64>, CliError> {
    let values = parse_assignments(flag, entries, names)?;
    let missing: Vec<&str> = names
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        let example: Vec<String> = names.iter().map(|n| format!("{n}=0")).collect();
        return Err(CliError::usage(format!(
            "{flag}: no value for {} {}; give every input, e.g. {flag} {}",
            if missing.len() == 1 {
                "input"
            } else {
                "inputs"
            },
            quoted_list(&missing),
            example.join(",")
        )));
    }
    Ok(values.into_iter().map(|v| v.unwrap_or(0.0)).collect())
}

/// A tangent direction for inputs `names` from `--dir` entries; inputs not given are 0.
pub fn parse_direction(
    flag: &str,
    entries: &[String],
    names: &[&str],
) -> Result<Vec<f64>, CliError> {
    let values = parse_assignments(flag, entries, names)?;
    Ok(values.into_iter().map(|v| v.unwrap_or(0.0)).collect())
}

/// `name=value` entries (comma-separated, across repeated flags) as one optional value
/// per input.
fn parse_assignments(
    flag: &str,
    entries: &[String],
    names: &[&str],
) -> Result<Vec<Option<f64>>, CliError> {
    let mut values: Vec<Option<f64>> = vec![None; names.len()];
    for entry in entries.iter().filter(|e| !e.trim().is_empty()) {
        for item in entry.split(',') {
            let item = item.trim();
            let Some((name, value)) = item.split_once('=') else {
                let what = if item.is_empty() {
                    "an empty entry".to_string()
                } else {
                    format!("`{}`", shorten(item))
                };
                return Err(CliError::usage(format!(
                    "{flag}: expected NAME=VALUE, found {what}"
                )));
            };
            let name = name.trim();
            let Some(i) = names.iter().position(|n| *n == name) else {
                let inputs = if names.is_empty() {
                    "the function has no inputs".to_string()
                } else {
                    format!("the inputs are {}", names.join(", "))
                };
                return Err(CliError::usage(format!(
                    "{flag}: unknown input `{}`; {inputs}",
                    shorten(name)
                )));
            };
            if values[i].is_some() {
                return Err(CliError::usage(format!(
                    "{flag}: input `{name}` is given twice"
                )));
            }
            let x = parse_number(value)
                .map_err(|e| CliError::usage(format!("{flag}: value of `{name}`: {e}")))?;
            values[i] = Some(x);
        }
    }
    Ok(values)
}

/// `a`, `` `a` and `b` ``, `` `a`, `b` and `c` ``.
fn quoted_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn message(r: Result<Vec<f64>, CliError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn a_point_gives_every_input_in_input_order() {
        let names = ["x", "y"];
        let p = parse_point("--at", &strings(&["y=4, x=3"]), &names).unwrap();
        assert_eq!(p, vec![3.0, 4.0]);
        let p = parse_point("--at", &strings(&["x=-inf", "y=nan"]), &names).unwrap();
        assert_eq!(p[0], f64::NEG_INFINITY);
        assert!(p[1].is_nan());
        assert_eq!(parse_point("--at", &[], &[]).unwrap(), Vec::<f64>::new());
    }

    #[test]
    fn point_errors_name_what_is_wrong() {
        let names = ["x", "y"];
        assert_eq!(
            message(parse_point("--at", &strings(&["x=abc,y=1"]), &names)),
            "error: --at: value of `x`: `abc` is not a number (write e.g. 3, -0.5, 1e-3, inf, -inf or nan)"
        );
        assert_eq!(
            message(parse_point("--at", &strings(&["x=1,x=2,y=0"]), &names)),
            "error: --at: input `x` is given twice"
        );
        assert_eq!(
            message(parse_point("--at", &strings(&["x=1,q=2"]), &names)),
            "error: --at: unknown input `q`; the inputs are x, y"
        );
        assert_eq!(
            message(parse_point("--at", &strings(&["x=1"]), &names)),
            "error: --at: no value for input `y`; give every input, e.g. --at x=0,y=0"
        );
        assert_eq!(
            message(parse_point("--at", &[], &["a", "b", "c"])),
            "error: --at: no value for inputs `a`, `b` and `c`; give every input, e.g. --at a=0,b=0,c=0"
        );
        assert_eq!(
            message(parse_point("--at", &strings(&["x=1,,y=2"]), &names)),
            "error: --at: expected NAME=VALUE, found an empty entry"
        );
        assert_eq!(
            message(parse_point("--at", &strings(&["x"]), &names)),
            "error: --at: expected NAME=VALUE, found `x`"
        );
        assert_eq!(
            message(parse_point("--at", &strings(&["x=1e999,y=0"]), &names)),
            "error: --at: value of `x`: `1e999` is out of range for binary64 (write inf)"
        );
        assert_eq!(
            message(parse_point("--at", &strings(&["x=1"]), &[])),
            "error: --at: unknown input `x`; the function has no inputs"
        );
    }

    #[test]
    fn a_direction_defaults_missing_inputs_to_zero() {
        let names = ["x", "y", "z"];
        let d = parse_direction("--dir", &strings(&["y=1"]), &names).unwrap();
        assert_eq!(d, vec![0.0, 1.0, 0.0]);
        assert_eq!(
            message(parse_direction("--dir", &strings(&["w=1"]), &names)),
            "error: --dir: unknown input `w`; the inputs are x, y, z"
        );
    }
}
