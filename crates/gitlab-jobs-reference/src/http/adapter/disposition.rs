//! `Content-Disposition` values of the trace and the downloads.

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
        percent_escape(&ascii, |b| b == b' ' || is_token_char(b)),
        percent_escape(filename, |b| b == b'&' || is_token_char(b)),
    )
}

/// The characters both of Rails' patterns leave alone: `A-Za-z0-9!#$+.^_\`|~-`
/// (`TRADITIONAL_ESCAPED_CHAR` adds the space, `RFC_5987_ESCAPED_CHAR` adds `&`).
fn is_token_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$+.^_`|~-".contains(&byte)
}

fn percent_escape(text: &str, keep: impl Fn(u8) -> bool) -> String {
    text.bytes()
        .map(|byte| {
            if keep(byte) {
                char::from(byte).to_string()
            } else {
                format!("%{byte:02X}")
            }
        })
        .collect()
}

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
