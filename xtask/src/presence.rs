//! Keys GitLab always sends must be serialised even when null or empty.
//!
//! typify gives every optional property `skip_serializing_if`, so an optional *nullable*
//! property set to `None` disappears instead of being `null`, and an optional array or map
//! that is empty disappears instead of being `[]`/`{}`. Properties are optional in the
//! document because older GitLab versions did not send them (the client must accept their
//! absence), yet current GitLab sends them on every response: `"duration": null`,
//! `"erased_at": null`, `"artifacts": []`. So that a server encoding through these types sends
//! what GitLab sends, we drop `skip_serializing_if` from exactly those fields. Optional
//! properties that are not nullable (`failure_reason`, `artifacts_file`) keep it: GitLab leaves
//! those keys out, and `null` would break their schema. So do properties the document marks
//! `x-sent-when: <condition>` (`custom_attributes`, `bio_html` of `User`): GitLab sends them
//! only under that condition, so an empty or `None` value means the key is absent.

use anyhow::Context;
use heck::ToUpperCamelCase;
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use syn::punctuated::Punctuated;
use syn::{Fields, Item, Meta, Token};

pub fn keep_always_sent_keys(document: &OpenAPI, types: &mut syn::File) -> anyhow::Result<()> {
    let schemas = &document
        .components
        .as_ref()
        .context("the document has no components")?
        .schemas;
    for item in &mut types.items {
        let Item::Struct(item) = item else { continue };
        let Some(properties) = schemas
            .iter()
            .find(|(name, _)| item.ident == name.to_upper_camel_case())
            .and_then(|(_, schema)| object_properties(schema))
        else {
            continue;
        };
        let Fields::Named(fields) = &mut item.fields else {
            continue;
        };
        for field in &mut fields.named {
            let Some(ident) = &field.ident else { continue };
            let key = serde_rename(&field.attrs).unwrap_or_else(|| ident.to_string());
            let Some(property) = properties.get(&key) else {
                continue;
            };
            if always_sent(property) {
                strip_skip_serializing_if(&mut field.attrs)?;
            }
        }
    }
    Ok(())
}

type Properties = indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>;

fn object_properties(schema: &ReferenceOr<Schema>) -> Option<&Properties> {
    let ReferenceOr::Item(schema) = schema else {
        return None;
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => Some(&object.properties),
        _ => None,
    }
}

/// Nullable (GitLab sends `null`), or an array or map (GitLab sends it empty), unless sent
/// only under a condition (`x-sent-when`).
fn always_sent(property: &ReferenceOr<Box<Schema>>) -> bool {
    let ReferenceOr::Item(schema) = property else {
        return false;
    };
    if schema.schema_data.extensions.contains_key("x-sent-when") {
        return false;
    }
    schema.schema_data.nullable
        || matches!(
            schema.schema_kind,
            SchemaKind::Type(Type::Array(_)) | SchemaKind::Type(Type::Object(_))
        )
}

pub(crate) fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .find_map(|meta| match meta {
            Meta::NameValue(pair) if pair.path.is_ident("rename") => match pair.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
}

fn strip_skip_serializing_if(attrs: &mut Vec<syn::Attribute>) -> anyhow::Result<()> {
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("serde") {
            kept.push(attr);
            continue;
        }
        let metas = attr
            .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .context("typify wrote a serde attribute we cannot read")?;
        let remaining: Vec<Meta> = metas
            .into_iter()
            .filter(|meta| !meta.path().is_ident("skip_serializing_if"))
            .collect();
        if !remaining.is_empty() {
            kept.push(syn::parse_quote! { #[serde(#(#remaining),*)] });
        }
    }
    *attrs = kept;
    Ok(())
}
