use std::io::Write;

use crate::cli::CoverageArgs;
use crate::coverage::{markdown, matrix, splice, BEGIN, END};
use crate::error::{Error, EXIT_FAILED};

/// Prints the coverage matrix, or keeps the README's copy of it current. Exit 101 on a
/// gap or, with `--check`, on a stale copy.
pub fn coverage(args: CoverageArgs) -> Result<i32, Error> {
    let catalogue = super::catalogue::Cases::of(args.cases.as_deref()).load()?;
    let ops = matrix(&catalogue);
    let text = markdown(&ops);
    let gaps = ops.iter().any(|o| !o.gaps.is_empty());
    let Some(readme) = &args.readme else {
        std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| Error::Config(format!("cannot write the matrix: {e}")))?;
        return Ok(if gaps { EXIT_FAILED } else { 0 });
    };
    let current = std::fs::read_to_string(readme).map_err(|source| Error::Io {
        path: readme.clone(),
        source,
    })?;
    let updated = splice(&current, &text).ok_or_else(|| {
        Error::Config(format!(
            "{} has no coverage section: add the lines\n{BEGIN}\n{END}",
            readme.display()
        ))
    })?;
    if updated == current {
        println!("{}: the coverage matrix is current", readme.display());
    } else if args.check {
        eprintln!(
            "{}: the coverage matrix is stale; regenerate it with `stackconform coverage --readme {}`",
            readme.display(),
            readme.display()
        );
        return Ok(EXIT_FAILED);
    } else {
        std::fs::write(readme, updated).map_err(|source| Error::Io {
            path: readme.clone(),
            source,
        })?;
        println!("{}: coverage matrix updated", readme.display());
    }
    if gaps {
        eprintln!("the catalogue has coverage gaps; run `stackconform coverage` to see them");
        return Ok(EXIT_FAILED);
    }
    Ok(0)
}
