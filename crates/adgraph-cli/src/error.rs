//! The command line's errors and how each maps to an exit status.
//!
//! Every failure the binary reports is a [`CliError`]: user errors (a wrong command line,
//! an unreadable file, a parse error, a bad value) exit with status 2, internal errors
//! (a library call failing on input the CLI had already checked) exit with status 1, as
//! does a check the user asked to fail on (`adgraph check --tolerance`).
//! Each prints as one line, except a parse error, which prints the compiler-style
//! three lines the language reference prescribes (`file:line:col: message`, the line,
//! a caret). Standard output closed by its reader is not a failure: the run stops
//! quietly with status 0.

use std::fmt;
use std::io;
use std::path::Path;

/// A failure of one `adgraph` run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// The command line or a value on it is wrong (a bad `--at`, a bad flag value).
    Usage(String),
    /// A file could not be read or written.
    File {
        /// The file as the user named it.
        path: String,
        /// What went wrong, in words (`no such file or directory`, ...).
        reason: String,
    },
    /// `.adg` text that does not parse, already rendered with its line and caret.
    Parse(String),
    /// A CSV of points is malformed.
    Csv(String),
    /// A library call failed where the CLI had checked its input: a bug, status 1.
    Internal(String),
    /// A check the user asked for failed (`adgraph check --tolerance`), status 1:
    /// the run itself went through and printed its findings.
    Failed(String),
    /// Standard output was closed by its reader (`| head`): stop quietly, status 0.
    OutputClosed,
}

impl CliError {
    /// The process exit status for this error: 2 for user errors, 1 for internal ones.
    pub fn exit_status(&self) -> i32 {
        match self {
            CliError::Internal(_) | CliError::Failed(_) => 1,
            CliError::OutputClosed => 0,
            _ => 2,
        }
    }

    /// A file error for `path` from an I/O error, worded for a user.
    pub fn file(path: &Path, verb: &str, error: &io::Error) -> CliError {
        CliError::File {
            path: path.display().to_string(),
            reason: format!("cannot {verb} it: {}", describe_io_error(error)),
        }
    }

    /// A usage error with `message`.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::Usage(message.into())
    }

    /// An internal error with `message`.
    pub fn internal(message: impl fmt::Display) -> CliError {
        CliError::Internal(message.to_string())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Csv(m) => write!(f, "error: {m}"),
            CliError::File { path, reason } => write!(f, "error: `{path}`: {reason}"),
            CliError::Parse(rendered) => f.write_str(rendered),
            CliError::Internal(m) => write!(f, "internal error: {m} (this is a bug in adgraph)"),
            CliError::Failed(m) => write!(f, "check failed: {m}"),
            CliError::OutputClosed => Ok(()),
        }
    }
}

impl std::error::Error for CliError {}

/// An I/O error in plain words, without the `(os error N)` suffix.
pub fn describe_io_error(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        io::ErrorKind::IsADirectory => "it is a directory, not a file".to_string(),
        io::ErrorKind::InvalidData => "the data is not valid".to_string(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
            .to_lowercase()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_separate_user_and_internal_errors() {
        assert_eq!(CliError::usage("bad").exit_status(), 2);
        assert_eq!(CliError::Parse("p".into()).exit_status(), 2);
        assert_eq!(CliError::Csv("c".into()).exit_status(), 2);
        assert_eq!(CliError::internal("boom").exit_status(), 1);
        assert_eq!(CliError::Failed("off".into()).exit_status(), 1);
    }

    #[test]
    fn io_errors_read_as_words() {
        let e = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(describe_io_error(&e), "no such file or directory");
        let e = io::Error::from_raw_os_error(5);
        assert_eq!(describe_io_error(&e), "input/output error");
        let err = CliError::file(Path::new("a.adg"), "read", &e);
        assert_eq!(
            err.to_string(),
            "error: `a.adg`: cannot read it: input/output error"
        );
    }
}
