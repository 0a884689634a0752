//! `stackconform review`: accept or reject the snapshot changes a run proposed
//! (`<name>.snap.new` beside `<name>.snap`), without cargo-insta. Accepting renames the
//! proposal over the snapshot, as `cargo insta review` does; rejecting deletes it.
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use similar::{ChangeTag, TextDiff};

use crate::cli::ReviewArgs;
use crate::error::Error;
use crate::schema::snapshot_contents as contents;

/// The proposals in `dir`, by name.
fn proposals(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".snap.new"))
        .collect();
    found.sort();
    Ok(found)
}

/// What a proposal changes: the whole proposal when nothing is stored, else a line diff.
fn describe(stored: Option<&str>, proposed: &str) -> String {
    let Some(stored) = stored else {
        let mut out = String::from("new snapshot:\n");
        for line in contents(proposed).lines() {
            out.push_str(&format!("  + {line}\n"));
        }
        return out;
    };
    let diff = TextDiff::from_lines(contents(stored), contents(proposed));
    let mut out = String::new();
    for group in diff.grouped_ops(3) {
        out.push_str("  @@\n");
        for op in group {
            for change in diff.iter_changes(&op) {
                let sign = match change.tag() {
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                    ChangeTag::Equal => ' ',
                };
                out.push_str(&format!("  {sign} {}", change.value()));
                if !change.value().ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }
    if out.is_empty() {
        out.push_str("  (the contents are the same; only the header differs)\n");
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Accept,
    Reject,
    Skip,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub fn review(args: ReviewArgs) -> Result<i32, Error> {
    let found = proposals(&args.snapshots)?;
    if found.is_empty() {
        println!(
            "no proposed snapshot changes in {}",
            args.snapshots.display()
        );
        return Ok(0);
    }
    let stdin = std::io::stdin();
    let mut answers = stdin.lock().lines();
    let mut out = std::io::stdout();
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    for (i, proposal) in found.iter().enumerate() {
        let snap = PathBuf::from(proposal.to_string_lossy().trim_end_matches(".new"));
        let proposed = std::fs::read_to_string(proposal).map_err(io(proposal))?;
        let stored = std::fs::read_to_string(&snap).ok();
        let _ = writeln!(
            out,
            "[{}/{}] {}\n{}",
            i + 1,
            found.len(),
            snap.display(),
            describe(stored.as_deref(), &proposed)
        );
        let choice = if args.list {
            Choice::Skip
        } else if args.accept {
            Choice::Accept
        } else if args.reject {
            Choice::Reject
        } else {
            ask(&mut out, &mut answers)
        };
        match choice {
            Choice::Accept => {
                std::fs::rename(proposal, &snap).map_err(io(proposal))?;
                accepted += 1;
            }
            Choice::Reject => {
                std::fs::remove_file(proposal).map_err(io(proposal))?;
                rejected += 1;
            }
            Choice::Skip => skipped += 1,
        }
    }
    println!("accepted {accepted}, rejected {rejected}, kept for later {skipped}");
    Ok(0)
}

/// Asks until the answer is one of a, r, s; the end of input keeps the rest for later.
fn ask(
    out: &mut impl Write,
    answers: &mut impl Iterator<Item = std::io::Result<String>>,
) -> Choice {
    loop {
        let _ = write!(out, "accept, reject or skip? [a/r/s] ");
        let _ = out.flush();
        let Some(Ok(line)) = answers.next() else {
            let _ = writeln!(out);
            return Choice::Skip;
        };
        match line.trim().to_ascii_lowercase().as_str() {
            "a" | "accept" => return Choice::Accept,
            "r" | "reject" => return Choice::Reject,
            "s" | "skip" | "" => return Choice::Skip,
            other => {
                let _ = writeln!(out, "`{other}` is none of a (accept), r (reject), s (skip)");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_field_shows_as_one_removed_and_one_added_line() {
        let stored = "---\nsource: x\n---\n{\n  \"a\": 1,\n  \"b\": 2\n}\n";
        let proposed = "---\nsource: x\n---\n{\n  \"a\": 1,\n  \"b\": 3\n}\n";
        let text = describe(Some(stored), proposed);
        assert!(text.contains("  -   \"b\": 2\n"), "{text}");
        assert!(text.contains("  +   \"b\": 3\n"), "{text}");
        assert!(!text.contains("source"), "{text}");
    }

    #[test]
    fn unknown_answers_are_asked_again_and_the_end_of_input_skips() {
        let mut out = Vec::new();
        let mut answers = vec![Ok("x".to_string()), Ok("R".to_string())].into_iter();
        assert_eq!(ask(&mut out, &mut answers), Choice::Reject);
        assert!(String::from_utf8_lossy(&out).contains("`x` is none of"));
        assert_eq!(ask(&mut out, &mut answers), Choice::Skip);
    }
}
