//! Why a case failed, as types: a step's error carries the step's title and the file and
//! line it is written at, and a case's failure adds what a person needs to act on it.
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::case::Source;
use crate::check::Problem;
use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::target::EndpointError;
use crate::template::TemplateError;

/// A request that could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("the body is not JSON: {0}")]
    Body(#[from] serde_json::Error),
}

/// A value a step was to capture and could not.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("capture {key}: no header {header}")]
    NoHeader { key: String, header: String },
    #[error("capture {key}: nothing at {path} in the body")]
    Nothing { key: String, path: String },
    #[error(transparent)]
    NotJson(#[from] crate::http::NotJson),
}

/// What went wrong in one step.
#[derive(Debug, thiserror::Error)]
pub enum StepErrorKind {
    #[error("{0}")]
    Render(#[from] RenderError),
    /// No answer: the request is shown, as the target never saw it whole.
    #[error("{error}\n{request}")]
    Transport {
        error: TransportError,
        request: Arc<HttpRequest>,
    },
    #[error("{}", list(problems))]
    Unexpected {
        problems: Vec<Problem>,
        request: Arc<HttpRequest>,
        response: Box<HttpResponse>,
    },
    #[error("{}", list(problems))]
    NotReady {
        attempts: u32,
        waited: Duration,
        timeout: Duration,
        problems: Vec<Problem>,
        request: Arc<HttpRequest>,
        response: Box<HttpResponse>,
    },
    #[error("{error}")]
    Capture {
        error: CaptureError,
        request: Arc<HttpRequest>,
        response: Box<HttpResponse>,
    },
    #[error("no answer within {0:?}")]
    Deadline(Duration),
    /// A shared fixture another case set up, or failed to.
    #[error("{0}")]
    Shared(String),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}\n"))
        .collect::<String>()
}

/// One step's failure: which step, where it is written, what went wrong.
#[derive(Debug)]
pub struct StepError {
    pub step: String,
    pub at: Option<Source>,
    /// The poll attempt, for a transport error in the middle of a poll.
    pub attempt: Option<u32>,
    pub kind: Box<StepErrorKind>,
}

impl StepError {
    pub fn new(step: &str, at: &Source, kind: impl Into<StepErrorKind>) -> Self {
        Self {
            step: step.to_string(),
            at: Some(at.clone()),
            attempt: None,
            kind: Box::new(kind.into()),
        }
    }
}

impl std::error::Error for StepError {}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = &self.step;
        let at = |f: &mut fmt::Formatter<'_>| match &self.at {
            Some(at) => writeln!(f, "  (written at {at})"),
            None => Ok(()),
        };
        match self.kind.as_ref() {
            StepErrorKind::Unexpected {
                problems,
                request,
                response,
            }
            | StepErrorKind::NotReady {
                problems,
                request,
                response,
                ..
            } => {
                if let StepErrorKind::NotReady {
                    attempts,
                    waited,
                    timeout,
                    ..
                } = self.kind.as_ref()
                {
                    writeln!(f, "{step}: still not as expected after {attempts} polls over {waited:?} (poll timeout {timeout:?}):")?;
                } else {
                    writeln!(f, "{step}:")?;
                }
                write!(f, "{}", list(problems))?;
                at(f)?;
                write!(f, "{request}{response}")
            }
            StepErrorKind::Capture {
                error,
                request,
                response,
            } => {
                writeln!(f, "{step}:\n  - {error}")?;
                at(f)?;
                write!(f, "{request}{response}")
            }
            StepErrorKind::Transport { error, request } => {
                match self.attempt {
                    Some(n) => writeln!(f, "{step} (poll attempt {n}): {error}")?,
                    None => writeln!(f, "{step}: {error}")?,
                }
                at(f)?;
                write!(f, "{request}")
            }
            other => {
                writeln!(f, "{step}: {other}")?;
                at(f)
            }
        }
    }
}

/// Why a case failed, before the context of the whole case is added.
#[derive(Debug)]
pub enum CaseError {
    Step(StepError),
    Deadline(Duration),
    Panicked(String),
}

impl fmt::Display for CaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Step(e) => write!(f, "{e}"),
            Self::Deadline(d) => write!(f, "the case did not finish within its deadline of {d:?}"),
            Self::Panicked(m) => write!(f, "the case panicked: {m}"),
        }
    }
}

impl From<StepError> for CaseError {
    fn from(e: StepError) -> Self {
        Self::Step(e)
    }
}

/// A failed case, as its trial reports it: what failed first, what teardown could not
/// remove, and the context (case file, steps that ran, a curl command).
#[derive(Debug)]
pub struct CaseFailure {
    pub error: Option<CaseError>,
    pub teardown: Vec<StepError>,
    pub context: String,
}

impl std::error::Error for CaseFailure {}

impl fmt::Display for CaseFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let teardown = || {
            self.teardown
                .iter()
                .map(|e| e.to_string().trim_end().to_string())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut text = match (&self.error, self.teardown.is_empty()) {
            (Some(e), true) => e.to_string(),
            (Some(e), false) => format!(
                "{}\n\nteardown also failed:\n{}",
                e.to_string().trim_end(),
                teardown()
            ),
            (None, _) => format!("teardown failed:\n{}", teardown()),
        };
        if !text.ends_with('\n') {
            text.push('\n');
        }
        write!(f, "{text}{}", self.context)
    }
}
