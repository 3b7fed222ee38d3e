//! The errata of the documentation examples (`openapi/errata/errata.yaml` and the verbatim
//! originals next to it), as the page shows them.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

pub const ERRATA_DIR: &str = "openapi/errata";

/// `errata.yaml` with the original text of each erratum's file.
pub struct Errata {
    pub entries: Vec<Erratum>,
    pub notes: Vec<Note>,
}

#[derive(Deserialize)]
pub struct Erratum {
    pub file: String,
    pub operation_id: String,
    pub status: String,
    pub edition: String,
    pub example: String,
    pub pointer: String,
    pub keyword: String,
    pub reason: String,
    /// The documentation's text, verbatim (read from `file`).
    #[serde(skip)]
    pub original: String,
}

#[derive(Deserialize)]
pub struct Note {
    pub operation_id: String,
    pub example: String,
    pub note: String,
}

#[derive(Deserialize)]
struct File {
    errata: Vec<Erratum>,
    #[serde(default)]
    notes: Vec<Note>,
}

pub fn load(root: &Path) -> anyhow::Result<Errata> {
    let dir = root.join(ERRATA_DIR);
    let index = dir.join("errata.yaml");
    let text =
        std::fs::read_to_string(&index).with_context(|| format!("reading {}", index.display()))?;
    let file: File =
        serde_yaml::from_str(&text).with_context(|| format!("parsing {ERRATA_DIR}/errata.yaml"))?;
    let mut entries = file.errata;
    for erratum in &mut entries {
        let path = dir.join(&erratum.file);
        erratum.original = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "reading {} (named by {ERRATA_DIR}/errata.yaml)",
                path.display()
            )
        })?;
    }
    Ok(Errata {
        entries,
        notes: file.notes,
    })
}

impl Errata {
    /// The errata of one example of one operation's response.
    pub fn of_example<'a>(
        &'a self,
        operation_id: &'a str,
        status: &'a str,
        example: &'a str,
    ) -> impl Iterator<Item = &'a Erratum> + 'a {
        self.entries.iter().filter(move |erratum| {
            erratum.operation_id == operation_id
                && erratum.status == status
                && erratum.example == example
        })
    }

    /// The notes (defects that break no schema rule) of one example.
    pub fn notes_of<'a>(
        &'a self,
        operation_id: &'a str,
        example: &'a str,
    ) -> impl Iterator<Item = &'a Note> + 'a {
        self.notes
            .iter()
            .filter(move |note| note.operation_id == operation_id && note.example == example)
    }
}
