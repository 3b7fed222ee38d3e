//! `Content-Disposition` values of the trace and the downloads, and the archives' `ETag`.

use md5::{Digest, Md5};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::service::Trace;

/// The `ETag` of an artifacts archive: GitLab itself sets none (`present_artifacts_file!` in
/// `lib/api/helpers.rb`); from object storage, which Workhorse proxies (`send_url` keeps the
/// store's `ETag`) or GitLab redirects to, the client gets the store's: the quoted hex MD5 of
/// a single-part object in S3-compatible stores. The reference server keeps archives as an
/// object store would, so it sends that one.
pub fn archive_etag(content: &[u8]) -> String {
    let digest = Md5::digest(content);
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("\"{hex}\"")
}

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
    fn archive_etag_is_the_quoted_md5_of_the_bytes() {
        // RFC 1321's test vectors.
        assert_eq!(archive_etag(b""), "\"d41d8cd98f00b204e9800998ecf8427e\"");
        assert_eq!(
            archive_etag(b"The quick brown fox jumps over the lazy dog"),
            "\"9e107d9d372bb6826bd81d3542a419d6\""
        );
    }

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
