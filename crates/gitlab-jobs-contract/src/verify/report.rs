//! A [`Report`] for people (the terminal) and for CI (JUnit XML; JSON is
//! [`Report::to_json`]).
//!
//! JUnit is written by hand: it is one fixed shape of a few elements, and the crates that
//! write it bring an XML writer, UUIDs and time zones along.

use std::fmt::Write as _;

use super::{Case, Report};
use crate::conformance::Severity;

/// The terminal report: one line per operation, the findings under the request that showed
/// them, the operations not exercised, and the verdict.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let project = report.project.as_deref().unwrap_or("(none)");
    let _ = writeln!(
        out,
        "Contract check of {} (project {project}, {} credential)\nagainst {}\n",
        report.api_url, report.credential, report.document
    );
    for (operation, cases) in by_operation(&report.cases) {
        let errors: usize = cases.iter().map(|c| c.count(Severity::Error)).sum();
        let warnings: usize = cases.iter().map(|c| c.count(Severity::Warning)).sum();
        let failed = cases.iter().filter(|c| c.error.is_some()).count();
        let verdict = match (errors, warnings, failed) {
            (0, 0, 0) => "ok".to_owned(),
            _ => [
                plural(errors, "error"),
                plural(warnings, "warning"),
                plural(failed, "request without answer"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        };
        let _ = writeln!(
            out,
            "  {operation:<32} {:>3} request{}  {verdict}",
            cases.len(),
            if cases.len() == 1 { " " } else { "s" }
        );
        for case in cases {
            if case.findings.is_empty() && case.error.is_none() {
                continue;
            }
            let status = case
                .status
                .map_or("no answer".to_owned(), |s| s.to_string());
            let _ = writeln!(out, "      {} -> {status}", case.request);
            if let Some(error) = &case.error {
                let _ = writeln!(out, "        {error}");
            }
            for finding in &case.findings {
                let _ = writeln!(out, "        {finding}");
            }
        }
    }
    if !report.not_exercised.is_empty() {
        let _ = writeln!(out, "\nnot exercised:");
        for skipped in &report.not_exercised {
            let _ = writeln!(out, "  {:<32} {}", skipped.operation_id, skipped.reason);
        }
    }
    let summary = report.summary();
    let _ = writeln!(out);
    if let Some(reason) = &report.aborted {
        let _ = writeln!(out, "could not run: {reason}");
    }
    let verdict = match summary.exit_code {
        0 => "clean",
        1 => "DRIFT",
        _ => "INCOMPLETE",
    };
    let _ = writeln!(
        out,
        "{verdict}: {} error(s), {} warning(s) in {} request(s) over {} operation(s) (exit {})",
        summary.errors, summary.warnings, summary.requests, summary.operations, summary.exit_code
    );
    out
}

/// JUnit XML: a test suite per operation, a test case per request (failed by each error
/// finding, warnings in `system-out`), skipped cases for the operations not exercised, and an
/// `error` case when the check could not run.
pub fn junit(report: &Report) -> String {
    let summary = report.summary();
    let skipped = report.not_exercised.len();
    let aborted = usize::from(report.aborted.is_some());
    let failures = report
        .cases
        .iter()
        .filter(|c| c.count(Severity::Error) > 0)
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"gitlab-jobs verify\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{skipped}\">",
        summary.requests + skipped + aborted,
        summary.failed_requests + aborted
    );
    for (operation, cases) in by_operation(&report.cases) {
        let failures = cases
            .iter()
            .filter(|c| c.count(Severity::Error) > 0)
            .count();
        let errors = cases.iter().filter(|c| c.error.is_some()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">",
            escape(operation),
            cases.len()
        );
        for case in cases {
            write_case(&mut out, case);
        }
        out.push_str("  </testsuite>\n");
    }
    if skipped > 0 || aborted > 0 {
        let _ = writeln!(
            out,
            "  <testsuite name=\"not exercised\" tests=\"{}\" failures=\"0\" errors=\"{aborted}\" skipped=\"{skipped}\">",
            skipped + aborted
        );
        if let Some(reason) = &report.aborted {
            let _ = writeln!(
                out,
                "    <testcase classname=\"verify\" name=\"the check could run\">\n      <error message=\"{}\"/>\n    </testcase>",
                escape(reason)
            );
        }
        for item in &report.not_exercised {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{0}\" name=\"{0}\">\n      <skipped message=\"{1}\"/>\n    </testcase>",
                escape(&item.operation_id),
                escape(&item.reason)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn write_case(out: &mut String, case: &Case) {
    let status = case
        .status
        .map_or("no answer".to_owned(), |s| s.to_string());
    let _ = writeln!(
        out,
        "    <testcase classname=\"{}\" name=\"{} -> {status}\">",
        escape(&case.operation_id),
        escape(&case.request)
    );
    if let Some(error) = &case.error {
        let _ = writeln!(out, "      <error message=\"{}\"/>", escape(error));
    }
    for finding in case
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        let _ = writeln!(
            out,
            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
            finding.kind.name(),
            escape(&format!("{}: {}", finding.pointer, finding.message)),
            escape(&finding.to_string())
        );
    }
    let warnings: Vec<String> = case
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(ToString::to_string)
        .collect();
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "      <system-out>{}</system-out>",
            escape(&warnings.join("\n"))
        );
    }
    out.push_str("    </testcase>\n");
}

/// Cases grouped by operation, in the order the walk first reached each operation.
fn by_operation(cases: &[Case]) -> Vec<(&str, Vec<&Case>)> {
    let mut groups: Vec<(&str, Vec<&Case>)> = Vec::new();
    for case in cases {
        match groups.iter_mut().find(|(op, _)| *op == case.operation_id) {
            Some((_, list)) => list.push(case),
            None => groups.push((&case.operation_id, vec![case])),
        }
    }
    groups
}

fn plural(count: usize, noun: &str) -> Option<String> {
    match count {
        0 => None,
        1 => Some(format!("1 {noun}")),
        n => Some(format!("{n} {noun}s")),
    }
}

/// XML text and attribute escaping; characters XML 1.0 cannot hold become U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\"\n\u{1b}[0m"),
            "a&lt;b &amp; &quot;c&quot;&#10;\u{FFFD}[0m"
        );
    }
}
