//! RFC 6901 JSON pointers: escaping single reference tokens and joining them.
//!
//! Every location this crate reports (in the document, in a schema, in an example) is a
//! pointer built here, so failure messages can be pasted into `jq` or `Value::pointer`.

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Reverses [`escape`].
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Appends one (unescaped) token to a pointer.
pub fn join(base: &str, token: &str) -> String {
    format!("{base}/{}", escape(token))
}

/// Appends an array index to a pointer.
pub fn join_index(base: &str, index: usize) -> String {
    format!("{base}/{index}")
}

/// Shows the empty (whole-document) pointer as `/` so that it is visible in a message.
pub fn display(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_path_templates() {
        assert_eq!(
            join("/paths", "/projects/{id}/jobs"),
            "/paths/~1projects~1{id}~1jobs"
        );
        assert_eq!(unescape("~1a~0b"), "/a~b");
        assert_eq!(join_index("/x", 3), "/x/3");
    }
}
