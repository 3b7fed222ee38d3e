//! Schemas on the page: a one-line type label (with links to named schemas) and, for each
//! named schema, its properties.

use std::borrow::Borrow;
use std::fmt::Write as _;

use indexmap::IndexMap;
use openapiv3::{ReferenceOr, Schema, SchemaKind, Type};

use super::markdown::{escape, to_html};

/// The schema name of a `#/components/schemas/NAME` reference.
pub fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// A type label in HTML: `array of <a>Job</a>`, `string (date-time), nullable`, ….
pub fn label<T: Borrow<Schema>>(schema: &ReferenceOr<T>) -> String {
    match schema {
        ReferenceOr::Reference { reference } => {
            let name = escape(ref_name(reference));
            format!("<a class=\"schema-ref\" href=\"#schema-{name}\">{name}</a>")
        }
        ReferenceOr::Item(schema) => inline_label(schema.borrow()),
    }
}

fn inline_label(schema: &Schema) -> String {
    let mut out = match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => {
            let mut text = with_format("string", &string.format);
            let values: Vec<String> = string
                .enumeration
                .iter()
                .flatten()
                .map(|value| format!("<code>{}</code>", escape(value)))
                .collect();
            if !values.is_empty() {
                let _ = write!(text, ", one of {}", values.join(" "));
            }
            text
        }
        SchemaKind::Type(Type::Integer(integer)) => with_format("integer", &integer.format),
        SchemaKind::Type(Type::Number(number)) => with_format("number", &number.format),
        SchemaKind::Type(Type::Boolean(_)) => "boolean".to_string(),
        SchemaKind::Type(Type::Array(array)) => match &array.items {
            Some(items) => format!("array of {}", label(items)),
            None => "array".to_string(),
        },
        SchemaKind::Type(Type::Object(_)) => "object".to_string(),
        SchemaKind::OneOf { one_of } => alternatives("one of", one_of),
        SchemaKind::AnyOf { any_of } => alternatives("any of", any_of),
        SchemaKind::AllOf { all_of } => alternatives("all of", all_of),
        SchemaKind::Not { not } => format!("not {}", label(not)),
        SchemaKind::Any(any) => any
            .typ
            .as_deref()
            .map(escape)
            .unwrap_or_else(|| "any".to_string()),
    };
    if schema.schema_data.nullable {
        out.push_str(", nullable");
    }
    out
}

fn with_format<F: serde::Serialize>(name: &str, format: &F) -> String {
    match serde_json::to_value(format) {
        Ok(serde_json::Value::String(format)) => format!("{name} ({})", escape(&format)),
        _ => name.to_string(),
    }
}

fn alternatives(word: &str, schemas: &[ReferenceOr<Schema>]) -> String {
    let labels: Vec<String> = schemas.iter().map(label).collect();
    format!("{word} {}", labels.join(" | "))
}

/// One named schema: its description and, for an object, a table of its properties.
pub fn section(name: &str, schema: &ReferenceOr<Schema>) -> String {
    let id = escape(name);
    let mut out = format!("<section class=\"schema\" id=\"schema-{id}\">\n<h3>{id}</h3>\n");
    let schema = match schema {
        ReferenceOr::Item(schema) => schema,
        reference @ ReferenceOr::Reference { .. } => {
            let _ = writeln!(out, "<p>Same as {}.</p>\n</section>", label(reference));
            return out;
        }
    };
    if let Some(description) = &schema.schema_data.description {
        out.push_str(&to_html(description));
    }
    let _ = writeln!(out, "<p class=\"type\">Type: {}</p>", inline_label(schema));
    let (properties, required) = match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => (&object.properties, &object.required),
        SchemaKind::Any(any) => (&any.properties, &any.required),
        _ => {
            out.push_str("</section>\n");
            return out;
        }
    };
    out.push_str(&properties_table(properties, required));
    out.push_str("</section>\n");
    out
}

fn properties_table(
    properties: &IndexMap<String, ReferenceOr<Box<Schema>>>,
    required: &[String],
) -> String {
    if properties.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "<table class=\"properties\">\n<thead><tr><th>property</th><th>type</th><th>always sent</th><th>description</th></tr></thead>\n<tbody>\n",
    );
    for (name, property) in properties {
        let description = match property {
            ReferenceOr::Item(schema) => schema
                .schema_data
                .description
                .as_deref()
                .map(to_html)
                .unwrap_or_default(),
            ReferenceOr::Reference { .. } => String::new(),
        };
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{description}</td></tr>",
            escape(name),
            label(property),
            if required.contains(name) { "yes" } else { "no" },
        );
    }
    out.push_str("</tbody>\n</table>\n");
    out
}
