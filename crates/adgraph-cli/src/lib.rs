//! The `adgraph` command line as a library: the binary `adgraph` (src/main.rs) is one
//! call to [`run`], following `shared/spec/CLI.md` (subcommands, flags, exit statuses
//! 0/2/1, JSON shapes).
//!
//! [`run`] parses the command line, runs the subcommand and turns every outcome into
//! an exit status: 0 done, 2 for anything the user can fix (the command line, a file,
//! a value), 1 for internal errors. Errors print as one line on standard error; a
//! panic, should one happen, is caught by a hook ([`install_panic_hook`]) that prints a
//! one-line internal error and exits with status 1, never a backtrace. The modules are
//! public so the pieces (number syntax, `--at` lists, CSV points, JSON) can be tested
//! and reused on their own.
#![warn(missing_docs)]

pub mod batch;
pub mod commands;
pub mod csv;
pub mod error;
pub mod json;
pub mod measure;
pub mod number;
pub mod point;
pub mod progress;
pub mod reverse;
pub mod sink;
pub mod source;

use clap::error::ErrorKind;
use clap::Parser;
use std::io::Write;

/// The top-level help's closing section: examples and exit statuses.
const AFTER_HELP: &str = "\
Examples:
  adgraph eval examples/seed.adg --at x=3,y=4
  adgraph eval -e 'x*x + x*y + 2' --at x=3,y=4 --json
  adgraph grad examples/seed.adg --at x=3,y=4 --plan revolve:2
  adgraph diff examples/seed.adg | adgraph eval - --at x=3,y=4

FILE is a .adg file (`-` reads standard input); -e 'EXPR' takes an inline expression
instead, whose free names become the inputs in order of first appearance.

Exit status: 0 done, 2 a wrong input or command line, 1 an internal error.";

/// Automatic differentiation on a hash-consed graph IR: print, optimize, evaluate and
/// differentiate functions written in .adg
#[derive(Parser, Debug)]
#[command(name = "adgraph", version, after_help = AFTER_HELP)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: commands::Command,
}

/// Parses the process's command line and runs it; the exit status.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return report_clap_error(&e),
    };
    match commands::run(&cli.command) {
        Ok(()) => 0,
        Err(e) => {
            let text = e.to_string();
            if !text.is_empty() {
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
            e.exit_status()
        }
    }
}

/// Prints a clap outcome: help and version as clap writes them (status 0), a bare
/// `adgraph` as the help on standard error (status 2), and every other command-line
/// error as one line (status 2).
fn report_clap_error(e: &clap::Error) -> i32 {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            0
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            2
        }
        _ => {
            let line = one_line(&e.render().to_string());
            let _ = writeln!(std::io::stderr().lock(), "{line}");
            2
        }
    }
}

/// A clap error message condensed to one line: its first paragraph (up to the first
/// blank line), lines joined with spaces, and a pointer to `--help`.
fn one_line(rendered: &str) -> String {
    let first: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect();
    let mut line = first.join(" ");
    if !line.starts_with("error:") {
        line = format!("error: {line}");
    }
    line.push_str(" (see --help)");
    line
}

/// Replaces Rust's panic message and backtrace with one line and status 1.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            std::io::stderr().lock(),
            "internal error: {message}{place} (this is a bug in adgraph)"
        );
        std::process::exit(1);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn clap_errors_become_one_line() {
        let text = "error: the following required arguments were not provided:\n  \
                    <FILE|--expr <EXPR>>\n\nUsage: adgraph dump <FILE|--expr <EXPR>>\n\n\
                    For more information, try '--help'.\n";
        assert_eq!(
            one_line(text),
            "error: the following required arguments were not provided: \
             <FILE|--expr <EXPR>> (see --help)"
        );
    }

    #[test]
    fn every_subcommand_help_has_an_example() {
        let mut cli = Cli::command();
        cli.build();
        for sub in cli.get_subcommands().filter(|s| s.get_name() != "help") {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.contains(&format!("adgraph {}", sub.get_name())),
                "`adgraph {} --help` shows no example",
                sub.get_name()
            );
        }
    }
}
