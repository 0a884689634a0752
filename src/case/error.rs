//! Load errors that point at the file, line, column and field, with a hint.
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct LoadError {
    pub file: PathBuf,
    pub line: u64,
    pub column: u64,
    /// Dotted path of the offending field, e.g. `request.path` or `fixtures[1].use`.
    pub field: String,
    pub message: String,
    pub hint: Option<String>,
    /// The source text, for the snippet under the message.
    pub source_line: Option<String>,
    /// A parser message rendered with its own snippet (used as is).
    pub rendered: Option<String>,
}

impl LoadError {
    pub fn new(
        file: impl Into<PathBuf>,
        (line, column): (u64, u64),
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            file: file.into(),
            line,
            column,
            field: field.into(),
            message: message.into(),
            hint: None,
            source_line: None,
            rendered: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn set_hint(&mut self, hint: impl Into<String>) {
        self.hint = Some(hint.into());
    }

    pub fn with_source(mut self, source: &str) -> Self {
        if self.line > 0 {
            self.source_line = source
                .lines()
                .nth(self.line as usize - 1)
                .map(str::to_string);
        }
        self
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(rendered) = &self.rendered {
            return write!(f, "{}", rendered.trim_end());
        }
        let field = if self.field.is_empty() {
            String::new()
        } else {
            format!("{}: ", self.field)
        };
        writeln!(f, "error: {field}{}", self.message)?;
        write!(
            f,
            " --> {}:{}:{}",
            self.file.display(),
            self.line,
            self.column
        )?;
        if let Some(src) = &self.source_line {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let caret = " ".repeat(self.column.saturating_sub(1) as usize);
            write!(f, "\n{pad} |\n{num} | {src}\n{pad} | {caret}^")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  = hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Every problem found in the catalogue, so that one run shows them all.
#[derive(Debug, Clone)]
pub struct LoadErrors(pub Vec<LoadError>);

impl fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.0.len() > 1 {
            write!(f, "\n\n{} errors in case files", self.0.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadErrors {}
