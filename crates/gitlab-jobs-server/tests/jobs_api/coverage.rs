//! Which response variants exist (read from the generated code and the OpenAPI document)
//! and which ones a test has reached over the wire.

use std::collections::{BTreeMap, BTreeSet};

use crate::Server;

const GENERATED: &str = include_str!("../../src/generated.rs");
const DOCUMENT: &str = include_str!("../../../../openapi/gitlab-jobs.yaml");

/// Operation → variant → status, as `src/generated.rs` declares them: every
/// `pub enum …Response` that the generator documents as "The answer of [`JobsApi::op`]",
/// each variant with the status of its `/// NNN: …` doc line. Indentation-blind but for the
/// variants' own (one level deeper than their enum's), so the module the enums live in does
/// not matter.
pub fn generated_variants() -> BTreeMap<String, BTreeMap<String, u16>> {
    let mut operations = BTreeMap::new();
    let mut operation: Option<String> = None;
    // The enum being read: its indentation and its variants so far.
    let mut inside: Option<(usize, BTreeMap<String, u16>)> = None;
    let mut status: Option<u16> = None;
    for line in GENERATED.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(rest) = trimmed.strip_prefix("/// The answer of [`JobsApi::") {
            operation = rest.split('`').next().map(str::to_string);
        } else if trimmed.starts_with("pub enum ") && trimmed.ends_with("Response {") {
            inside = Some((indent, BTreeMap::new()));
        } else if let Some((enum_indent, variants)) = inside.as_mut() {
            if trimmed == "}" && indent == *enum_indent {
                let name = operation
                    .take()
                    .expect("an answer enum documents its operation");
                operations.insert(name, std::mem::take(variants));
                inside = None;
            } else if let Some(doc) = trimmed.strip_prefix("/// ") {
                status = doc.get(..3).and_then(|code| code.parse().ok());
            } else if indent == *enum_indent + 4
                && trimmed.starts_with(|c: char| c.is_ascii_uppercase())
                // The generator's variant for statuses the document does not list.
                && !trimmed.starts_with("Undocumented")
            {
                let name: String = trimmed
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                let code = status.take().expect("every variant documents its status");
                variants.insert(name, code);
            }
        }
    }
    operations
}

/// Operation → statuses, as openapi/gitlab-jobs.yaml lists them.
pub fn documented_statuses() -> BTreeMap<String, BTreeSet<u16>> {
    let document: serde_yaml::Value = serde_yaml::from_str(DOCUMENT).expect("the document parses");
    let mut operations = BTreeMap::new();
    let paths = document["paths"].as_mapping().expect("paths");
    for item in paths.values() {
        for method in ["get", "put", "post", "delete", "patch", "head", "options"] {
            let operation = &item[method];
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            let statuses = operation["responses"]
                .as_mapping()
                .expect("responses")
                .keys()
                .map(|key| {
                    key.as_str()
                        .expect("status keys are strings")
                        .parse::<u16>()
                        .expect("numeric status")
                })
                .collect();
            operations.insert(id.to_string(), statuses);
        }
    }
    operations
}

/// The coverage table of one test: operation → variants reached over the wire.
pub struct Coverage {
    variants: BTreeMap<String, BTreeMap<String, u16>>,
    reached: BTreeMap<String, BTreeSet<String>>,
}

impl Coverage {
    pub fn new() -> Coverage {
        Coverage {
            variants: generated_variants(),
            reached: BTreeMap::new(),
        }
    }

    /// Records that `op` answered `variant` over the wire. Checks that the fake's latest
    /// call of `op` did answer `variant`, and that the client saw that variant's status.
    #[track_caller]
    pub fn reached(&mut self, server: &Server, op: &str, variant: &str, status: u16) {
        let expected = self
            .variants
            .get(op)
            .and_then(|variants| variants.get(variant))
            .unwrap_or_else(|| panic!("{op} has no variant {variant}"));
        assert_eq!(
            status, *expected,
            "{op}::{variant} went over the wire as {status}"
        );
        let last = server
            .fake
            .last(op)
            .unwrap_or_else(|| panic!("the fake never answered {op}"));
        assert_eq!(last.variant, variant, "the fake's latest answer to {op}");
        self.reached
            .entry(op.to_string())
            .or_default()
            .insert(variant.to_string());
    }

    /// Every variant of every operation has been reached.
    #[track_caller]
    pub fn assert_complete(&self) {
        let all: BTreeMap<String, BTreeSet<String>> = self
            .variants
            .iter()
            .map(|(op, variants)| (op.clone(), variants.keys().cloned().collect()))
            .collect();
        let missing: Vec<String> = all
            .iter()
            .flat_map(|(op, variants)| {
                let reached = self.reached.get(op);
                variants
                    .iter()
                    .filter(move |variant| !reached.is_some_and(|r| r.contains(*variant)))
                    .map(move |variant| format!("{op}::{variant}"))
            })
            .collect();
        assert!(
            missing.is_empty(),
            "variants never reached over the wire: {missing:?}"
        );
        assert_eq!(self.reached, all);
    }

    pub fn count(&self) -> (usize, usize) {
        (
            self.reached.len(),
            self.reached.values().map(BTreeSet::len).sum(),
        )
    }
}

#[test]
fn the_generated_answers_are_the_documented_ones() {
    let generated = generated_variants();
    let documented = documented_statuses();
    assert_eq!(documented.len(), 18, "operations in the document");
    let generated_statuses: BTreeMap<String, BTreeSet<u16>> = generated
        .iter()
        .map(|(op, variants)| (op.clone(), variants.values().copied().collect()))
        .collect();
    assert_eq!(generated_statuses, documented);
    // One variant per status: no two variants of an operation share one.
    for (op, variants) in &generated {
        let statuses: BTreeSet<u16> = variants.values().copied().collect();
        assert_eq!(statuses.len(), variants.len(), "{op}: {variants:?}");
    }
    assert_eq!(generated.values().map(BTreeMap::len).sum::<usize>(), 114);
}
