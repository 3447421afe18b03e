//! Where a subcommand's function comes from: a `.adg` file, standard input (`-`), or
//! an inline expression (`-e 'EXPR'`).
//!
//! Every subcommand flattens [`SourceArgs`] into its arguments and calls
//! [`SourceArgs::load`], so reading, UTF-8 checking and parse-error rendering are done
//! once, the same way everywhere: a file that cannot be read is a one-line error, text
//! that is not UTF-8 or does not parse is rendered `file:line:col: message`, the line
//! and a caret; all exit with status 2.

use crate::error::CliError;
use adgraph::ir::{parse, parse_expression, utf8, Function, Graph, ParseError};
use clap::Args;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The name parse errors give standard input.
pub const STDIN_LABEL: &str = "<stdin>";
/// The name parse errors give an inline expression.
pub const EXPRESSION_LABEL: &str = "-e";

/// The function to work on: FILE (or `-`), or `-e EXPR`.
#[derive(Args, Debug, Clone)]
#[group(required = true, multiple = false)]
pub struct SourceArgs {
    /// The function, as a .adg file; `-` reads standard input
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// An inline expression instead of FILE; its free names become the inputs, in order
    /// of first appearance, and its value the output `out0`
    #[arg(short = 'e', long = "expr", value_name = "EXPR")]
    pub expression: Option<String>,
}

/// A parsed function with the name its source goes by in messages.
#[derive(Debug)]
pub struct Loaded {
    /// The arena holding the function.
    pub graph: Graph,
    /// The function read.
    pub function: Function,
    /// The file name (or `<stdin>`, `-e`) used in messages.
    pub label: String,
}

impl Loaded {
    /// The function's input names, in input order.
    pub fn input_names(&self) -> Vec<&str> {
        self.function.input_names(&self.graph)
    }

    /// The function's output names, in declaration order.
    pub fn output_names(&self) -> Vec<&str> {
        self.function
            .outputs()
            .iter()
            .map(|o| o.name.as_str())
            .collect()
    }
}

impl SourceArgs {
    /// Reads and parses the function.
    ///
    /// ```
    /// use adgraph_cli::source::SourceArgs;
    /// let args = SourceArgs { file: None, expression: Some("x*x + x*y + 2".into()) };
    /// let loaded = args.load().unwrap();
    /// assert_eq!(loaded.input_names(), ["x", "y"]);
    /// ```
    pub fn load(&self) -> Result<Loaded, CliError> {
        if let Some(expression) = &self.expression {
            return parse_text(EXPRESSION_LABEL, expression, parse_expression);
        }
        let Some(path) = &self.file else {
            return Err(CliError::usage(
                "no function given: name a .adg file, `-` for standard input, or -e 'EXPR'",
            ));
        };
        let (label, bytes) = if path.as_os_str() == "-" {
            (STDIN_LABEL.to_string(), read_stdin()?)
        } else {
            (path.display().to_string(), read_file(path)?)
        };
        let text = utf8(&bytes)
            .map_err(|e| CliError::Parse(e.render(&label, &String::from_utf8_lossy(&bytes))))?;
        parse_text(&label, text, parse)
    }
}

fn parse_text(
    label: &str,
    text: &str,
    parser: fn(&str) -> Result<(Graph, Function), ParseError>,
) -> Result<Loaded, CliError> {
    let (graph, function) = parser(text).map_err(|e| CliError::Parse(e.render(label, text)))?;
    Ok(Loaded {
        graph,
        function,
        label: label.to_string(),
    })
}

/// The bytes of `path`; a directory or an unreadable file is a user error.
pub fn read_file(path: &Path) -> Result<Vec<u8>, CliError> {
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(CliError::File {
            path: path.display().to_string(),
            reason: "it is a directory, not a file".to_string(),
        });
    }
    std::fs::read(path).map_err(|e| CliError::file(path, "read", &e))
}

fn read_stdin() -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::file(Path::new(STDIN_LABEL), "read", &e))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expression(text: &str) -> SourceArgs {
        SourceArgs {
            file: None,
            expression: Some(text.to_string()),
        }
    }

    #[test]
    fn an_expression_names_inputs_in_order_of_appearance() {
        let loaded = expression("y*x + 2").load().unwrap();
        assert_eq!(loaded.input_names(), vec!["y", "x"]);
        assert_eq!(loaded.output_names(), vec!["out0"]);
        assert_eq!(loaded.label, "-e");
    }

    #[test]
    fn a_bad_expression_renders_with_a_caret() {
        let err = expression("x + $").load().unwrap_err();
        assert_eq!(err.to_string(), "-e:1:5: stray character `$`\nx + $\n    ^");
        assert_eq!(err.exit_status(), 2);
    }

    #[test]
    fn a_missing_file_is_a_user_error() {
        let args = SourceArgs {
            file: Some(PathBuf::from("/nonexistent/f.adg")),
            expression: None,
        };
        let err = args.load().unwrap_err();
        assert_eq!(
            err.to_string(),
            "error: `/nonexistent/f.adg`: cannot read it: no such file or directory"
        );
        assert_eq!(err.exit_status(), 2);
    }
}
