//! `cargo xtask docs`: the browsable API documentation, one self-contained HTML page rendered
//! from `openapi/gitlab-jobs.yaml` and `openapi/errata/` into [`PAGE_FILE`], which the
//! reference server serves at `/`.
//!
//! Why our own renderer rather than Redocly's `build-docs` (installed by `cargo xtask lint`):
//! - the errata are not part of the OpenAPI document, and Redocly shows only the document;
//!   here every erratum sits next to the example it corrects, with the original verbatim;
//! - the page is plain HTML (no script): what it shows is in the file, a browser or `curl`
//!   sees the same, and a headless browser test reads the operation list from the DOM;
//!   Redocly's page is a ~1 MB script bundle that renders the document in the browser;
//! - it is a generated file like the Rust crates: deterministic, committed, proved current
//!   by `cargo xtask check` (and the xtask test) with no Node.js, while Redocly's output
//!   changes with its version and needs npm in every check.
//!
//! The price is this module (a page in Rust, Markdown through `pulldown-cmark`).

mod errata;
mod html;
mod markdown;
mod schema;

use std::path::{Path, PathBuf};

use crate::files::Output;
use crate::spec;

/// The page, relative to the workspace root.
pub const PAGE_FILE: &str = "crates/gitlab-jobs-reference/assets/api-docs.html";

/// Renders the page from the document and its errata.
pub fn generate(root: &Path) -> anyhow::Result<Output> {
    let document = spec::load(root)?;
    let errata = errata::load(root)?;
    Ok(Output {
        path: PathBuf::from(PAGE_FILE),
        contents: html::page(&document, &errata)?,
    })
}

/// `cargo xtask docs`: writes the page and says where it is.
pub fn run(root: &Path) -> anyhow::Result<()> {
    let output = generate(root)?;
    let changed = crate::files::write_all(root, std::slice::from_ref(&output))?;
    println!(
        "{} ({} KiB, {}); served at / by `gitlab-jobs-reference serve`",
        output.path.display(),
        output.contents.len() / 1024,
        if changed == 0 { "unchanged" } else { "written" }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_page_is_current() {
        let root = crate::workspace_root();
        let output = generate(&root).expect("render the page");
        let stale = crate::files::diff_all(&root, &[output]).expect("diff");
        assert!(
            stale.is_empty(),
            "run `cargo xtask docs` (or `cargo xtask generate`):\n{}",
            stale.join("\n")
        );
    }

    #[test]
    fn page_lists_every_operation_and_erratum() {
        let root = crate::workspace_root();
        let document = spec::load(&root).expect("document");
        let errata = errata::load(&root).expect("errata");
        let page = html::page(&document, &errata).expect("page");
        let mut operations = 0;
        for (_, item) in document.paths.iter() {
            let item = item.as_item().expect("paths are inline");
            for (_, operation) in item.iter() {
                let id = operation.operation_id.as_deref().expect("operationId");
                assert!(
                    page.contains(&format!("data-operation-id=\"{id}\"")),
                    "{id} is not in the operation list"
                );
                assert!(page.contains(&format!("id=\"operation-{id}\"")));
                operations += 1;
            }
        }
        assert!(operations >= 17, "{operations} operations");
        assert!(!errata.entries.is_empty());
        for erratum in &errata.entries {
            assert!(
                page.contains(&format!("id=\"erratum-{}\"", html::anchor(&erratum.file))),
                "{} is not on the page",
                erratum.file
            );
        }
        assert!(
            !page.contains("src=\"http") && !page.contains("href=\"http://"),
            "the page must load nothing from elsewhere"
        );
    }
}
