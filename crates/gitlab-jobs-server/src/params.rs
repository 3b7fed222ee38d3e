//! Grape's `params` as GitLab's pagination links see them: the request's query parameters,
//! the path parameters of the route, the declared parameters after coercion and the defaults
//! of declared parameters that were not sent; rendered by Rails' `Hash#to_query`.
//!
//! `Gitlab::Pagination::OffsetHeaderBuilder#page_href` builds each link from
//! `params.merge(page:, per_page:).to_query` and `Keyset::HeaderBuilder#page_href` from
//! `params.merge(cursor:).to_query` (`lib/gitlab/pagination/offset_header_builder.rb`,
//! `lib/gitlab/pagination/keyset/header_builder.rb`), so a link repeats `id` and
//! `pipeline_id`, Grape's defaults (`include_retried=false`) and every array as `name[]=`.

use std::collections::BTreeMap;

/// One parameter's value: a scalar, or an array (`scope[]=a&scope[]=b`, or `scope=a` after
/// the endpoint's `coerce_with`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    One(String),
    Many(Vec<String>),
}

/// The parameters by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(BTreeMap<String, ParamValue>);

impl Params {
    /// What Rack makes of a query string: `name[]` keys collect into an array, any other key
    /// is a scalar of which the last one wins. Other bracketed keys (`a[b]=c`, a nested hash
    /// in Rack) are kept under their full name, which renders the same.
    pub fn from_query(pairs: &[(String, String)]) -> Params {
        let mut params = Params::default();
        for (key, value) in pairs {
            match key.strip_suffix("[]") {
                Some(name) if !name.is_empty() => match params.0.get_mut(name) {
                    Some(ParamValue::Many(values)) => values.push(value.clone()),
                    _ => params.set_many(name, vec![value.clone()]),
                },
                _ => params.set(key, value.clone()),
            }
        }
        params
    }

    pub fn set(&mut self, name: &str, value: String) {
        self.0.insert(name.to_string(), ParamValue::One(value));
    }

    /// An array parameter; also removes the raw `name[0]`-style keys it was read from.
    pub fn set_many(&mut self, name: &str, values: Vec<String>) {
        let bracketed = format!("{name}[");
        self.0.retain(|key, _| !key.starts_with(&bracketed));
        self.0.insert(name.to_string(), ParamValue::Many(values));
    }

    /// Grape applies a declared default only when the parameter was not sent.
    pub fn set_default(&mut self, name: &str, value: &str) {
        self.0
            .entry(name.to_string())
            .or_insert_with(|| ParamValue::One(value.to_string()));
    }

    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0.get(name)
    }

    /// `params.merge(overrides).to_query`.
    pub fn merged_query(&self, overrides: &[(&str, String)]) -> String {
        let mut merged = self.clone();
        for (name, value) in overrides {
            merged.set(name, value.clone());
        }
        merged.to_query()
    }

    /// Rails' `Hash#to_query`: `key=value` with both `CGI.escape`d, an array as `key[]=v`
    /// once per element (an empty array is left out), the pieces sorted as strings.
    pub fn to_query(&self) -> String {
        let mut pieces: Vec<String> = self
            .0
            .iter()
            .filter_map(|(name, value)| match value {
                ParamValue::One(value) => {
                    Some(format!("{}={}", cgi_escape(name), cgi_escape(value)))
                }
                ParamValue::Many(values) if values.is_empty() => None,
                ParamValue::Many(values) => {
                    let key = cgi_escape(&format!("{name}[]"));
                    Some(
                        values
                            .iter()
                            .map(|value| format!("{key}={}", cgi_escape(value)))
                            .collect::<Vec<_>>()
                            .join("&"),
                    )
                }
            })
            .collect();
        pieces.sort();
        pieces.join("&")
    }
}

/// Ruby's `CGI.escape`: every byte but `a-zA-Z0-9_.-~` percent-encoded, a space as `+`.
/// Own code because `form_urlencoded` keeps `*` and encodes `~`, which would change links.
fn cgi_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                escaped.push(byte as char)
            }
            b' ' => escaped.push('+'),
            _ => escaped.push_str(&format!("%{byte:02X}")),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn arrays_scalars_and_sorting_as_rails_to_query() {
        let mut params = Params::from_query(&pairs(&[
            ("scope[]", "failed"),
            ("scope[]", "success"),
            ("per_page", "1"),
            ("per_page", "2"),
            ("note", "a b*~/"),
        ]));
        params.set("id", "acme/backend".into());
        params.set_default("include_retried", "false");
        params.set_default("per_page", "20");
        assert_eq!(
            params.merged_query(&[("page", "2".into())]),
            "id=acme%2Fbackend&include_retried=false&note=a+b%2A~%2F&page=2&per_page=2\
             &scope%5B%5D=failed&scope%5B%5D=success"
        );
    }

    #[test]
    fn a_coerced_array_replaces_its_raw_keys() {
        let mut params =
            Params::from_query(&pairs(&[("scope[0]", "failed"), ("scope[1]", "manual")]));
        params.set_many("scope", vec!["failed".into(), "manual".into()]);
        assert_eq!(params.to_query(), "scope%5B%5D=failed&scope%5B%5D=manual");
        params.set_many("scope", Vec::new());
        assert_eq!(params.to_query(), "");
    }
}
