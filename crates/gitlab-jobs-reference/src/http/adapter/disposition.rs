//! `Content-Disposition` values of the trace and the downloads.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::service::Trace;

/// The trace: `infile; filename="<id>.log"` (`lib/api/ci/jobs.rb`, GET …/trace).
pub fn trace(trace: &Trace) -> String {
    format!("infile; filename=\"{}\"", trace.filename())
}

/// A download: `present_disk_file!` (`lib/api/helpers.rb`) formats it with Rails'
/// `ActionDispatch::Http::ContentDisposition` (ported as `lib/gitlab/content_disposition.rb`):
/// `attachment; filename="<ascii>"; filename*=UTF-8''<utf-8>`, each part percent-escaping
/// the characters outside its allowed set. `I18n.transliterate` turns non-ASCII characters
/// into ASCII look-alikes in the plain part; here they all become `?` (escaped `%3F`), its
/// replacement for characters it cannot transliterate.
pub fn attachment(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| if c.is_ascii() { c } else { '?' })
        .collect();
    format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        utf8_percent_encode(&ascii, TRADITIONAL_ESCAPED),
        utf8_percent_encode(filename, RFC_5987_ESCAPED),
    )
}

/// What both of Rails' patterns escape: all but `A-Za-z0-9!#$+.^_\`|~-`.
const TOKEN_ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'+')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~')
    .remove(b'-');
/// `TRADITIONAL_ESCAPED_CHAR` leaves the space alone too.
const TRADITIONAL_ESCAPED: &AsciiSet = &TOKEN_ESCAPED.remove(b' ');
/// `RFC_5987_ESCAPED_CHAR` leaves `&` alone too.
const RFC_5987_ESCAPED: &AsciiSet = &TOKEN_ESCAPED.remove(b'&');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_is_an_infile_log() {
        let trace = Trace {
            job_id: 42,
            content: String::new(),
        };
        assert_eq!(super::trace(&trace), "infile; filename=\"42.log\"");
    }

    #[test]
    fn plain_names_appear_twice() {
        assert_eq!(
            attachment("artifacts.zip"),
            "attachment; filename=\"artifacts.zip\"; filename*=UTF-8''artifacts.zip"
        );
    }

    #[test]
    fn special_characters_are_escaped_as_rails_does() {
        assert_eq!(
            attachment("my \"report\" & co.txt"),
            "attachment; filename=\"my %22report%22 %26 co.txt\"; filename*=UTF-8''my%20%22report%22%20&%20co.txt"
        );
        assert_eq!(
            attachment("résumé.pdf"),
            "attachment; filename=\"r%3Fsum%3F.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
        );
    }
}
