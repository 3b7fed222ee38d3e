//! OpenAPI 3.0 schema objects → JSON Schema draft 4.
//!
//! OpenAPI 3.0's schema dialect is draft 4 (boolean `exclusiveMinimum`, no `const`) plus a few
//! keywords of its own. The conversion:
//! - rewrites `#/components/schemas/X` to `#/definitions/X` (the caller bundles converted
//!   components as `definitions`), keeping the references rather than inlining them, so that
//!   recursive schemas stay finite;
//! - turns `nullable: true` into `"null"` added to `type` (and to `enum`), or, for a schema
//!   built with `allOf`/`oneOf`/`anyOf`, into `anyOf: [{type: null}, <schema>]`, because a
//!   referenced object schema would otherwise reject `null` whatever the wrapper says;
//! - drops annotations that draft 4 does not know (`example`, `readOnly`, `x-...`, ...) and
//!   formats other than `date-time` (the others, e.g. `int64` or `binary`, are hints for code
//!   generators; unknown formats would either be ignored or rejected by the validator);
//! - rejects anything that is not an OpenAPI 3.0 schema keyword, so a 3.1-ism such as `const`
//!   or `type: [string, "null"]` fails loudly instead of being silently ignored;
//! - closes object schemas: every schema that lists `properties` and says nothing about
//!   `additionalProperties` gets `additionalProperties: false`, so that an example carrying a
//!   field the document does not describe is caught.
//!
//! Closing interacts with `allOf`: in draft 4, `additionalProperties` only sees the
//! `properties` next to it, so `allOf: [A, {properties: {b}}]` with both parts closed accepts
//! nothing. A composition (an `allOf` with several members, or with `properties` beside it) is
//! therefore closed once, at its own level, over the union of all its members' property names,
//! and its members are converted open (`#/definitions/A.open` for a referenced one). A
//! single-member `allOf` without properties (the `allOf: [{$ref}]` + `nullable` idiom) is a
//! plain wrapper: its member stays closed.

use std::collections::BTreeSet;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Map, Value, json};

use crate::pointer;
use crate::spec::{Spec, ref_target};

/// Where OpenAPI keeps reusable schemas.
pub const COMPONENT_SCHEMAS: &str = "/components/schemas";
/// Suffix of the definition that holds the open (unclosed) variant of a component.
pub const OPEN_SUFFIX: &str = ".open";
/// Formats kept for validation; all others are dropped.
pub const VALIDATED_FORMATS: [&str; 1] = ["date-time"];

/// Draft 4 keywords that OpenAPI 3.0 shares and that are copied as they are.
const COPIED: [&str; 17] = [
    "title",
    "description",
    "default",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
];
/// OpenAPI-only keywords with no validation meaning for a response or request body.
const DROPPED: [&str; 8] = [
    "example",
    "examples",
    "xml",
    "discriminator",
    "readOnly",
    "writeOnly",
    "deprecated",
    "externalDocs",
];
const TYPES: [&str; 7] = [
    "string", "number", "integer", "boolean", "array", "object", "null",
];

/// Converts schemas of one document; remembers which open component variants were asked for.
pub struct Converter<'s> {
    spec: &'s Spec,
    open: BTreeSet<String>,
}

impl<'s> Converter<'s> {
    /// A converter for the schemas of `spec`.
    pub fn new(spec: &'s Spec) -> Converter<'s> {
        Converter {
            spec,
            open: BTreeSet::new(),
        }
    }

    /// Names of components whose open variant (`X.open`) was referenced so far.
    pub fn open_variants(&self) -> &BTreeSet<String> {
        &self.open
    }

    /// Converts the schema object at `at` (a pointer into the document). `close` says whether
    /// an object schema with `properties` at this level gets `additionalProperties: false`.
    pub fn schema(&mut self, at: &str, close: bool) -> Result<Value> {
        let node = self.spec.get(at)?;
        let map = node
            .as_object()
            .ok_or_else(|| anyhow!("the schema at `{at}` is not a mapping"))?;
        if let Some(reference) = map.get("$ref") {
            return self
                .reference(reference, close)
                .with_context(|| format!("`$ref` at `{at}`"));
        }
        let composite = is_composite(map);
        let mut out = Map::new();
        for (key, value) in map {
            let child = pointer::join(at, key);
            let converted = match key.as_str() {
                k if k.starts_with("x-") || DROPPED.contains(&k) => None,
                k if COPIED.contains(&k) => Some(value.clone()),
                "nullable" => {
                    if !value.is_boolean() {
                        bail!("`nullable` at `{at}` is not a boolean");
                    }
                    None
                }
                "format" => value
                    .as_str()
                    .filter(|format| VALIDATED_FORMATS.contains(format))
                    .map(|_| value.clone()),
                "type" => match value.as_str() {
                    Some(name) if TYPES[..6].contains(&name) => Some(value.clone()),
                    _ => bail!(
                        "`type: {value}` at `{at}` is not an OpenAPI 3.0 type (a single name, no \"null\")"
                    ),
                },
                "enum" => {
                    if value.as_array().is_none_or(|values| values.is_empty()) {
                        bail!("`enum` at `{at}` is not a non-empty list");
                    }
                    Some(value.clone())
                }
                "properties" => {
                    let properties = value
                        .as_object()
                        .ok_or_else(|| anyhow!("`properties` at `{at}` is not a mapping"))?;
                    let mut converted = Map::new();
                    for name in properties.keys() {
                        converted.insert(
                            name.clone(),
                            self.schema(&pointer::join(&child, name), true)?,
                        );
                    }
                    Some(Value::Object(converted))
                }
                "items" | "not" => Some(self.schema(&child, true)?),
                "additionalProperties" => match value {
                    Value::Bool(_) => Some(value.clone()),
                    _ => Some(self.schema(&child, true)?),
                },
                "allOf" | "oneOf" | "anyOf" => {
                    let members = value
                        .as_array()
                        .filter(|members| !members.is_empty())
                        .ok_or_else(|| anyhow!("`{key}` at `{at}` is not a non-empty list"))?;
                    // Members of a composition are closed at the composition's level instead;
                    // a single-member wrapper passes `close` through; each oneOf/anyOf branch is
                    // a complete description of the instance and is closed on its own.
                    let close_member = match key.as_str() {
                        "allOf" if composite => false,
                        "allOf" => close,
                        _ => true,
                    };
                    let mut converted = Vec::with_capacity(members.len());
                    for index in 0..members.len() {
                        converted
                            .push(self.schema(&pointer::join_index(&child, index), close_member)?);
                    }
                    Some(Value::Array(converted))
                }
                other => bail!("`{other}` at `{at}` is not an OpenAPI 3.0 schema keyword"),
            };
            if let Some(converted) = converted {
                out.insert(key.clone(), converted);
            }
        }
        if close {
            self.close(at, map, composite, &mut out)?;
        }
        if map.get("nullable") == Some(&Value::Bool(true)) {
            out = make_nullable(out);
        }
        Ok(Value::Object(out))
    }

    fn reference(&mut self, reference: &Value, close: bool) -> Result<Value> {
        let target = ref_target(reference)?;
        let name = target
            .strip_prefix(COMPONENT_SCHEMAS)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|name| !name.contains('/'))
            .ok_or_else(|| {
                anyhow!("{reference} does not name a component schema (`#/components/schemas/X`)")
            })?;
        let name = pointer::unescape(name);
        self.spec.get(target)?;
        let definition = if close {
            name
        } else {
            self.open.insert(name.clone());
            format!("{name}{OPEN_SUFFIX}")
        };
        Ok(json!({ "$ref": format!("#/definitions/{}", pointer::escape(&definition)) }))
    }

    fn close(
        &self,
        at: &str,
        map: &Map<String, Value>,
        composite: bool,
        out: &mut Map<String, Value>,
    ) -> Result<()> {
        if map.contains_key("additionalProperties") {
            return Ok(());
        }
        let has_branches = map.contains_key("oneOf") || map.contains_key("anyOf");
        if !composite {
            if map.contains_key("properties") {
                if has_branches {
                    bail!(
                        "`properties` beside `oneOf`/`anyOf` at `{at}`: closing it is not supported"
                    );
                }
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            return Ok(());
        }
        if has_branches {
            bail!(
                "`allOf` composition beside `oneOf`/`anyOf` at `{at}`: closing it is not supported"
            );
        }
        let Some(names) = property_names(self.spec, at)? else {
            return Ok(()); // some member is open: so is the whole
        };
        if names.is_empty() {
            return Ok(());
        }
        let properties = out
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| anyhow!("`properties` at `{at}` is not a mapping"))?;
        for name in names {
            // `{}`: the member that declares the property validates it.
            properties.entry(name).or_insert_with(|| json!({}));
        }
        out.insert("additionalProperties".into(), Value::Bool(false));
        Ok(())
    }
}

/// Converts every component schema, closed, plus the open variants that any of them (or the
/// schemas converted by `extra`) refers to. The result is meant as `definitions`.
pub fn definitions(spec: &Spec, requested_open: &BTreeSet<String>) -> Result<Map<String, Value>> {
    let mut converter = Converter::new(spec);
    let mut definitions = Map::new();
    let names: Vec<String> = spec
        .get(COMPONENT_SCHEMAS)
        .ok()
        .and_then(Value::as_object)
        .map(|schemas| schemas.keys().cloned().collect())
        .unwrap_or_default();
    for name in &names {
        let at = pointer::join(COMPONENT_SCHEMAS, name);
        definitions.insert(name.clone(), converter.schema(&at, true)?);
    }
    let mut pending: BTreeSet<String> = requested_open.clone();
    let mut done = BTreeSet::new();
    loop {
        pending.extend(converter.open_variants().iter().cloned());
        let Some(name) = pending.iter().find(|name| !done.contains(*name)).cloned() else {
            break;
        };
        let at = pointer::join(COMPONENT_SCHEMAS, &name);
        definitions.insert(
            format!("{name}{OPEN_SUFFIX}"),
            converter.schema(&at, false)?,
        );
        done.insert(name);
    }
    Ok(definitions)
}

/// A self-contained draft 4 document for the schema at `at`: the converted schema with every
/// component schema under `definitions`.
pub fn json_schema(spec: &Spec, at: &str) -> Result<Value> {
    let mut converter = Converter::new(spec);
    let root = converter.schema(at, true)?;
    let definitions = definitions(spec, converter.open_variants())?;
    // A draft 4 `$ref` hides its siblings, `definitions` included: nest it.
    let mut root = match root {
        Value::Object(map) if !map.contains_key("$ref") => map,
        other => {
            let mut map = Map::new();
            map.insert("allOf".into(), Value::Array(vec![other]));
            map
        }
    };
    root.insert("definitions".into(), Value::Object(definitions));
    Ok(Value::Object(root))
}

/// An `allOf` that combines several parts, as opposed to a single-member wrapper.
fn is_composite(map: &Map<String, Value>) -> bool {
    match map.get("allOf").and_then(Value::as_array) {
        Some(members) => members.len() > 1 || map.contains_key("properties"),
        None => false,
    }
}

/// Every property name that the schema at `at` and its `allOf` members declare, or `None`
/// if any of them allows additional properties or branches with `oneOf`/`anyOf` (then the
/// set of allowed names is not fixed).
pub fn property_names(spec: &Spec, at: &str) -> Result<Option<BTreeSet<String>>> {
    let (at, node) = spec.resolve(at)?;
    if node
        .get("additionalProperties")
        .is_some_and(|v| v != &Value::Bool(false))
        || node.get("oneOf").is_some()
        || node.get("anyOf").is_some()
    {
        return Ok(None);
    }
    let mut names: BTreeSet<String> = node
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default();
    let members = node
        .get("allOf")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    for index in 0..members {
        match property_names(
            spec,
            &pointer::join_index(&pointer::join(&at, "allOf"), index),
        )? {
            Some(more) => names.extend(more),
            None => return Ok(None),
        }
    }
    Ok(Some(names))
}

fn make_nullable(mut out: Map<String, Value>) -> Map<String, Value> {
    if ["allOf", "oneOf", "anyOf"]
        .iter()
        .any(|k| out.contains_key(*k))
    {
        let mut wrapper = Map::new();
        wrapper.insert(
            "anyOf".into(),
            json!([{ "type": "null" }, Value::Object(out)]),
        );
        return wrapper;
    }
    if let Some(Value::String(name)) = out.get("type").cloned() {
        out.insert("type".into(), json!([name, "null"]));
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Spec {
        Spec::from_value(json!({
            "components": {"schemas": {
                "Base": {"type": "object", "required": ["id"],
                          "properties": {"id": {"type": "integer", "format": "int64"}}},
                "Extended": {"allOf": [{"$ref": "#/components/schemas/Base"},
                                       {"type": "object", "properties": {"name": {"type": "string"}}}]},
                "Holder": {"type": "object", "properties": {
                    "base": {"allOf": [{"$ref": "#/components/schemas/Base"}], "nullable": true},
                    "status": {"type": "string", "enum": ["a", "b"], "nullable": true, "example": "a"}
                }}
            }}
        }))
    }

    #[test]
    fn converts_nullable_forms() {
        let spec = fixture();
        let holder = Converter::new(&spec)
            .schema("/components/schemas/Holder", true)
            .expect("converts");
        assert_eq!(
            holder["properties"]["base"],
            json!({"anyOf": [{"type": "null"}, {"allOf": [{"$ref": "#/definitions/Base"}]}]})
        );
        assert_eq!(
            holder["properties"]["status"],
            json!({"type": ["string", "null"], "enum": ["a", "b", null]})
        );
        assert_eq!(holder["additionalProperties"], json!(false));
    }

    #[test]
    fn closes_compositions_once_with_open_members() {
        let spec = fixture();
        let doc = json_schema(&spec, "/components/schemas/Extended").expect("converts");
        assert_eq!(doc["allOf"][0], json!({"$ref": "#/definitions/Base.open"}));
        assert_eq!(doc["additionalProperties"], json!(false));
        assert_eq!(doc["properties"], json!({"id": {}, "name": {}}));
        assert!(
            doc["definitions"]["Base.open"]
                .get("additionalProperties")
                .is_none()
        );
        assert_eq!(
            doc["definitions"]["Base"]["additionalProperties"],
            json!(false)
        );
    }

    #[test]
    fn rejects_keywords_outside_openapi_3_0() {
        let spec = Spec::from_value(json!({"components": {"schemas": {
            "Bad": {"type": "string", "const": "x"}
        }}}));
        let error = Converter::new(&spec)
            .schema("/components/schemas/Bad", true)
            .unwrap_err();
        assert!(error.to_string().contains("`const`"), "{error}");
    }
}
