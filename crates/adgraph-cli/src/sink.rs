//! Where results go: standard output, or the file named by `-o`.
//!
//! Writes are buffered and every write error is a value: a file that cannot be
//! created is a user error (status 2); standard output closed by its reader
//! (`adgraph dump big.adg | head`) ends the run quietly instead of panicking the way
//! `println!` would.

use crate::error::{describe_io_error, CliError};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A buffered destination for results.
pub struct Sink {
    writer: BufWriter<Box<dyn Write>>,
    /// The file written, or `None` for standard output.
    path: Option<PathBuf>,
}

impl Sink {
    /// Standard output.
    pub fn stdout() -> Sink {
        Sink {
            writer: BufWriter::new(Box::new(io::stdout())),
            path: None,
        }
    }

    /// The file `path` (created or truncated), or standard output for `None`.
    pub fn create(path: Option<&Path>) -> Result<Sink, CliError> {
        let Some(path) = path else {
            return Ok(Sink::stdout());
        };
        let file = File::create(path).map_err(|e| CliError::file(path, "write", &e))?;
        Ok(Sink {
            writer: BufWriter::new(Box::new(file)),
            path: Some(path.to_path_buf()),
        })
    }

    /// Writes `text`.
    pub fn write(&mut self, text: &str) -> Result<(), CliError> {
        self.writer
            .write_all(text.as_bytes())
            .map_err(|e| self.error(&e))
    }

    /// Flushes everything written.
    pub fn finish(mut self) -> Result<(), CliError> {
        self.writer.flush().map_err(|e| self.error(&e))
    }

    fn error(&self, e: &io::Error) -> CliError {
        match &self.path {
            Some(path) => CliError::file(path, "write", e),
            None if e.kind() == io::ErrorKind::BrokenPipe => CliError::OutputClosed,
            None => CliError::internal(format!(
                "cannot write to standard output: {}",
                describe_io_error(e)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_sink_writes_and_a_bad_path_is_a_user_error() {
        let dir = std::env::temp_dir().join(format!("adgraph-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.csv");
        let mut sink = Sink::create(Some(&path)).unwrap();
        sink.write("a,b\n").unwrap();
        sink.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n");
        let err = Sink::create(Some(&dir.join("missing/out.csv")))
            .err()
            .unwrap();
        assert_eq!(err.exit_status(), 2);
        assert!(err.to_string().contains("cannot write it: no such file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
