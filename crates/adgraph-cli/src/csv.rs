//! `--points in.csv` and `-o out.csv`: many points in, many results out.
//!
//! The input is a small CSV dialect: a header row naming the function's inputs (in any
//! order, each once, optionally in double quotes), then one row per point whose cells
//! are numbers in the language's syntax. Blank lines are skipped and `\r\n` line ends
//! accepted. Every error names the file, the line and, for a cell, the column. The
//! output is a header of column names and one row per point, numbers printed in the
//! shortest form that reads back to the same bits (so a result file can be fed back).

use crate::error::CliError;
use crate::number::{parse_number, shorten};
use adgraph::ir::format_number;

/// Points read from a CSV: `len()` rows of `width` values, in the function's input
/// order (whatever the CSV's column order), stored row after row.
#[derive(Debug, Clone, PartialEq)]
pub struct PointTable {
    width: usize,
    rows: usize,
    values: Vec<f64>,
}

impl PointTable {
    /// A table of `rows` points of `width` values each, stored row after row.
    pub fn new(width: usize, values: Vec<f64>) -> PointTable {
        let rows = values.len().checked_div(width).unwrap_or(0);
        PointTable {
            width,
            rows,
            values,
        }
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Values per point (the function's input count).
    pub fn width(&self) -> usize {
        self.width
    }

    /// Point `i`, in input order.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.width..(i + 1) * self.width]
    }

    /// All values, point after point.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

/// Parses CSV `text` (from the file `label`) into points for inputs `names`.
///
/// ```
/// use adgraph_cli::csv::read_points;
/// let table = read_points("in.csv", "y,x\n4,3\n", &["x", "y"]).unwrap();
/// assert_eq!(table.row(0), &[3.0, 4.0]);
/// let err = read_points("in.csv", "x\n1\n", &["x", "y"]).unwrap_err();
/// assert!(err.to_string().contains("no column for input `y`"));
/// ```
pub fn read_points(label: &str, text: &str, names: &[&str]) -> Result<PointTable, CliError> {
    let error =
        |line: usize, message: String| CliError::Csv(format!("`{label}`:{line}: {message}"));
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(CliError::Csv(format!(
            "`{label}`: the CSV is empty; its first row must name the inputs ({})",
            names.join(",")
        )));
    };
    // For each CSV column, the input position it fills.
    let mut column_input: Vec<usize> = Vec::new();
    let mut seen = vec![false; names.len()];
    for cell in header.split(',') {
        let name = unquote(cell.trim());
        let Some(i) = names.iter().position(|n| *n == name) else {
            return Err(error(
                header_line,
                format!(
                    "header column `{}` is not an input; the inputs are {}",
                    shorten(name),
                    names.join(", ")
                ),
            ));
        };
        if seen[i] {
            return Err(error(
                header_line,
                format!("header names input `{name}` twice"),
            ));
        }
        seen[i] = true;
        column_input.push(i);
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        return Err(error(
            header_line,
            format!(
                "no column for input `{}`; the header must name every input: {}",
                names[i],
                names.join(",")
            ),
        ));
    }
    let width = names.len();
    let mut values = Vec::new();
    let mut row = vec![0.0; width];
    for (line, text) in lines {
        let mut cells = 0;
        for (column, cell) in text.split(',').enumerate() {
            cells += 1;
            let Some(&input) = column_input.get(column) else {
                continue;
            };
            row[input] = parse_number(unquote(cell.trim())).map_err(|e| {
                error(
                    line,
                    format!("column {} (`{}`): {e}", column + 1, names[input]),
                )
            })?;
        }
        if cells != column_input.len() {
            return Err(error(
                line,
                format!(
                    "{cells} cell{}, expected {} (one per header column)",
                    if cells == 1 { "" } else { "s" },
                    column_input.len()
                ),
            ));
        }
        values.extend_from_slice(&row);
    }
    Ok(PointTable::new(width, values))
}

/// A cell without its surrounding double quotes, if it has them.
fn unquote(cell: &str) -> &str {
    cell.strip_prefix('"')
        .and_then(|c| c.strip_suffix('"'))
        .unwrap_or(cell)
}

/// A CSV line (with `\n`) of column names.
pub fn header_line(names: &[&str]) -> String {
    let mut line = names.join(",");
    line.push('\n');
    line
}

/// Appends a CSV line of numbers to `out`.
pub fn push_row(out: &mut String, values: &[f64]) {
    for (i, &x) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format_number(x));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<PointTable, CliError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn columns_map_to_inputs_in_any_order() {
        let text = "y,\"x\"\r\n4,3\n\n-inf, nan\n";
        let t = read_points("p.csv", text, &["x", "y"]).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.row(0), &[3.0, 4.0]);
        assert!(t.row(1)[0].is_nan());
        assert_eq!(t.row(1)[1], f64::NEG_INFINITY);
        let only_header = read_points("p.csv", "x,y\n", &["x", "y"]).unwrap();
        assert!(only_header.is_empty());
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let names = ["x", "y"];
        assert_eq!(
            message(read_points("p.csv", "", &names)),
            "error: `p.csv`: the CSV is empty; its first row must name the inputs (x,y)"
        );
        assert_eq!(
            message(read_points("p.csv", "x\n1\n", &names)),
            "error: `p.csv`:1: no column for input `y`; the header must name every input: x,y"
        );
        assert_eq!(
            message(read_points("p.csv", "x,y,w\n", &names)),
            "error: `p.csv`:1: header column `w` is not an input; the inputs are x, y"
        );
        assert_eq!(
            message(read_points("p.csv", "x,x\n", &names)),
            "error: `p.csv`:1: header names input `x` twice"
        );
        assert_eq!(
            message(read_points("p.csv", "x,y\n1,2\n\n3,abc\n", &names)),
            "error: `p.csv`:4: column 2 (`y`): `abc` is not a number (write e.g. 3, -0.5, 1e-3, inf, -inf or nan)"
        );
        assert_eq!(
            message(read_points("p.csv", "x,y\n1,2,3\n", &names)),
            "error: `p.csv`:2: 3 cells, expected 2 (one per header column)"
        );
        assert_eq!(
            message(read_points("p.csv", "x,y\n1\n", &names)),
            "error: `p.csv`:2: 1 cell, expected 2 (one per header column)"
        );
    }

    #[test]
    fn rows_print_back_bit_for_bit() {
        let mut out = header_line(&["a", "b"]);
        push_row(&mut out, &[0.1, -0.0]);
        push_row(&mut out, &[f64::INFINITY, 1e300]);
        assert_eq!(out, "a,b\n0.1,-0\ninf,1e300\n");
        let back = read_points("o.csv", &out, &["a", "b"]).unwrap();
        assert_eq!(back.row(0)[1].to_bits(), (-0.0f64).to_bits());
        assert_eq!(back.row(1), &[f64::INFINITY, 1e300]);
    }
}
