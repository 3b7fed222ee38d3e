//! Rack's nested parameters: how GitLab reads `a[][key]=K&a[][value]=V` from a query string or
//! an `application/x-www-form-urlencoded` body (`Rack::QueryParser#parse_nested_query`, rack
//! 3.x `lib/rack/query_parser.rb`), as JSON values so that they deserialise into the same
//! types, with the same errors, as a JSON body.
//!
//! Values are strings, or `null` for a name without `=`; `[]` appends to an array, `[name]`
//! nests a hash, and `a[][k]` starts a new hash in the array when the last one already has
//! `k`. Conflicting shapes (`a[]=1&a[b]=2`) are Rack's `ParameterTypeError`.
//!
//! Ours on purpose: the maintained query-string crates (`serde_urlencoded`, `serde_qs`) follow
//! their own nesting rules, not Rack's, and GitLab's answers depend on Rack's exact ones.

use serde_json::{Map, Value};

/// `Rack::Utils.default_query_parser = QueryParser.make_default(32)`.
const DEPTH_LIMIT: usize = 32;
/// `RACK_QUERY_PARSER_BYTESIZE_LIMIT`'s default.
const BYTESIZE_LIMIT: usize = 4_194_304;
/// `RACK_QUERY_PARSER_PARAMS_LIMIT`'s default.
const PARAMS_LIMIT: usize = 4096;

/// A Rack `BadRequest` error (type conflict, bad escape, a limit), with Rack's message. The
/// Grape 2.x of GitLab lets these escape (a 500); newer Grape answers 400 with Rack's message
/// (`Grape::Exceptions::RequestError`), which is what we do: a malformed request is never a 5xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RackError(pub String);

/// Parses `text` keeping only the parameters whose top-level name satisfies `keep` (Rack
/// parses them all; we only read the ones an operation declares, see `Input::body`).
pub fn parse_nested(
    text: &str,
    keep: impl Fn(&str) -> bool,
) -> Result<Map<String, Value>, RackError> {
    let mut params = Map::new();
    if text.is_empty() {
        return Ok(params);
    }
    if text.len() > BYTESIZE_LIMIT {
        return Err(RackError(format!(
            "total query size exceeds limit ({BYTESIZE_LIMIT})"
        )));
    }
    // Rack splits on `&` and the spaces after it (`DEFAULT_SEP = /& */n`).
    let pairs: Vec<&str> = text
        .split('&')
        .map(|pair| pair.trim_start_matches(' '))
        .collect();
    if pairs.len() > PARAMS_LIMIT {
        return Err(RackError(format!(
            "total number of query parameters ({}) exceeds limit ({PARAMS_LIMIT})",
            pairs.len()
        )));
    }
    for pair in pairs.into_iter().filter(|pair| !pair.is_empty()) {
        let (raw_name, raw_value) = match pair.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (pair, None),
        };
        // Parameters nobody declared are skipped before Rack could object to them, as the
        // generated handlers skip every other undeclared query parameter.
        if !keep(split_name(&lenient(raw_name), 0).0) {
            continue;
        }
        let name = unescape(raw_name)?;
        let value = match raw_value {
            Some(value) => Value::String(unescape(value)?),
            None => Value::Null,
        };
        normalize(&mut params, &name, value, 0)?;
    }
    Ok(params)
}

fn lenient(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// `URI.decode_www_form_component`: `+` is a space, and a `%` not followed by two hex digits
/// is an error. Bytes that are not UTF-8 are replaced (Ruby would keep them, mis-encoded).
fn unescape(text: &str) -> Result<String, RackError> {
    let bytes = text.as_bytes();
    let valid = bytes.iter().enumerate().all(|(index, byte)| {
        *byte != b'%'
            || bytes
                .get(index + 1..index + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !valid {
        return Err(RackError(format!("invalid %-encoding ({text})")));
    }
    Ok(lenient(text))
}

/// Rack's `_normalize_params`. It returns a value only where Rack's result replaces the
/// caller's (`[v]` for a trailing `[]` below the top); otherwise `params` was updated in place.
fn normalize(
    params: &mut Map<String, Value>,
    name: &str,
    value: Value,
    depth: usize,
) -> Result<Option<Value>, RackError> {
    if depth >= DEPTH_LIMIT {
        // Rack raises ParamsTooDeepError without a message: Ruby then uses the class name.
        return Err(RackError("Rack::QueryParser::QueryLimitError".into()));
    }
    let (key, after) = split_name(name, depth);
    if key.is_empty() {
        return Ok(None);
    }
    match after {
        "" if key == "[]" && depth != 0 => return Ok(Some(Value::Array(vec![value]))),
        "" => {
            params.insert(key.to_string(), value);
        }
        "[" => {
            params.insert(name.to_string(), value);
        }
        "[]" => array_at(params, key)?.push(value),
        _ if after.starts_with("[]") => {
            // `x[][y]`: a hash inside an array; anything else after `[]` nests further.
            let child = after[2..]
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .filter(|child| !child.is_empty() && !child.contains(['[', ']']))
                .unwrap_or(&after[2..]);
            let array = array_at(params, key)?;
            match array.last_mut() {
                Some(Value::Object(last)) if !has_key(last, child) => {
                    normalize(last, child, value, depth + 1)?;
                }
                _ => {
                    let mut fresh = Map::new();
                    let item = normalize(&mut fresh, child, value, depth + 1)?
                        .unwrap_or(Value::Object(fresh));
                    array.push(item);
                }
            }
        }
        _ => {
            let slot = params.entry(key.to_string()).or_insert(Value::Null);
            // Ruby's `params[k] ||= make_params` also replaces a nil (`a` without `=`).
            if slot.is_null() {
                *slot = Value::Object(Map::new());
            }
            let Value::Object(hash) = slot else {
                return Err(conflict("Hash", slot, key));
            };
            if let Some(replaced) = normalize(hash, after, value, depth + 1)? {
                *slot = replaced;
            }
        }
    }
    Ok(None)
}

/// The key this level sets and the rest of the name.
fn split_name(name: &str, depth: usize) -> (&str, &str) {
    if depth == 0 {
        // At the start, `[` in the first position is part of the name.
        return match name.char_indices().skip(1).find(|(_, c)| *c == '[') {
            Some((start, _)) => name.split_at(start),
            None => (name, ""),
        };
    }
    if let Some(after) = name.strip_prefix("[]") {
        return ("[]", after);
    }
    if let Some(close) = name
        .strip_prefix('[')
        .and_then(|rest| rest.find(']'))
        .filter(|close| *close > 0)
    {
        return (&name[1..close + 1], &name[close + 2..]);
    }
    // "Probably malformed input, nested but not starting with [": the whole name is the key.
    (name, "")
}

fn array_at<'p>(
    params: &'p mut Map<String, Value>,
    key: &str,
) -> Result<&'p mut Vec<Value>, RackError> {
    let slot = params.entry(key.to_string()).or_insert(Value::Null);
    // `params[k] ||= []` also replaces a nil.
    if slot.is_null() {
        *slot = Value::Array(Vec::new());
    }
    match slot {
        Value::Array(array) => Ok(array),
        other => Err(conflict("Array", other, key)),
    }
}

/// `ParameterTypeError`, worded as Rack words it (with Ruby's class names).
fn conflict(expected: &str, got: &Value, key: &str) -> RackError {
    let got = match got {
        Value::Null => "NilClass",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Rack::QueryParser::Params",
        Value::Bool(_) | Value::Number(_) => "Object",
    };
    RackError(format!("expected {expected} (got {got}) for param `{key}'"))
}

/// `params_hash_has_key?`: whether the path of `key` (`a[b]` is `a`, then `b`) exists.
fn has_key(hash: &Map<String, Value>, key: &str) -> bool {
    if key.contains("[]") {
        return false;
    }
    let mut current = hash;
    let mut parts = key
        .split(['[', ']'])
        .filter(|part| !part.is_empty())
        .peekable();
    while let Some(part) = parts.next() {
        match current.get(part) {
            None => return false,
            Some(_) if parts.peek().is_none() => return true,
            Some(Value::Object(next)) => current = next,
            Some(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(text: &str) -> Result<Value, RackError> {
        parse_nested(text, |_| true).map(Value::Object)
    }

    #[test]
    fn arrays_of_hashes_start_a_new_hash_when_a_key_repeats() {
        assert_eq!(
            parse("v[][key]=A&v[][value]=1&v[][key]=B&v[][value]=2"),
            Ok(json!({"v": [{"key": "A", "value": "1"}, {"key": "B", "value": "2"}]}))
        );
    }

    #[test]
    fn plain_arrays_hashes_and_escapes() {
        assert_eq!(
            parse("a[]=1&a[]=2&h[x][y]=z+z&e=%41%2B&flag"),
            Ok(json!({"a": ["1", "2"], "h": {"x": {"y": "z z"}}, "e": "A+", "flag": null}))
        );
        // Indices are hash keys to Rack, not array positions.
        assert_eq!(parse("a[0][k]=v"), Ok(json!({"a": {"0": {"k": "v"}}})));
        // The last plain value wins.
        assert_eq!(parse("a=1&a=2"), Ok(json!({"a": "2"})));
    }

    #[test]
    fn conflicting_shapes_are_rack_errors() {
        assert_eq!(
            parse("a=1&a[]=2"),
            Err(RackError(
                "expected Array (got String) for param `a'".into()
            ))
        );
        assert_eq!(
            parse("a[]=1&a[b]=2"),
            Err(RackError("expected Hash (got Array) for param `a'".into()))
        );
        assert_eq!(
            parse("a=%zz"),
            Err(RackError("invalid %-encoding (%zz)".into()))
        );
    }

    #[test]
    fn nesting_is_limited() {
        let deep = format!("a{}=1", "[b]".repeat(40));
        assert!(parse(&deep).is_err());
        let shallow = format!("a{}=1", "[b]".repeat(30));
        assert!(parse(&shallow).is_ok());
    }

    #[test]
    fn only_kept_names_are_read() {
        let kept = parse_nested("a[]=1&private_token=x&b=%zz&c=1&c[]=2", |name| name == "a");
        assert_eq!(kept.map(Value::Object), Ok(json!({"a": ["1"]})));
        // The check sees the decoded name.
        let kept = parse_nested("%61[]=1", |name| name == "a");
        assert_eq!(kept.map(Value::Object), Ok(json!({"a": ["1"]})));
    }

    #[test]
    fn a_name_without_value_is_replaced_by_nesting() {
        assert_eq!(parse("a&a[]=1"), Ok(json!({"a": ["1"]})));
        assert_eq!(parse("h&h[k]=v"), Ok(json!({"h": {"k": "v"}})));
    }
}
