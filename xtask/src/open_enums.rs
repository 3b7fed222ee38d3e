//! String enums of response data accept values the document does not list.
//!
//! GitLab keeps adding job statuses and failure reasons (`canceling`, `waiting_for_callback`,
//! new `failure_reason`s), and a closed enum fails a whole page on the first value it does
//! not know. typify has no setting for an open enum (its `TypeSpacePatch` renames and adds
//! derives and attributes; a replacement would mean writing each enum by hand, typing the
//! document's values twice), so we rewrite its output: every string enum reachable from a
//! response body gets an `Unknown(String)` variant, hand-written-style `Serialize` and
//! `Deserialize` impls that keep an unknown value as sent and write it back unchanged, and an
//! `as_str()`. `FromStr` and `TryFrom` stay typify's, strict: they are what a server uses to
//! read request parameters, where GitLab rejects a value it does not know.
//!
//! Enums only requests use (`pagination`, a variable's `variable_type`) stay closed. An enum
//! that appears both in a response and in a request body is refused, since the body's
//! deserialiser could then no longer reject an unknown value.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, bail};
use heck::ToUpperCamelCase;
use openapiv3::OpenAPI;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{Fields, Item, ItemEnum, Token};

/// The name of the variant that keeps an unknown value.
const UNKNOWN: &str = "Unknown";

pub fn open_response_enums(document: &OpenAPI, types: &mut syn::File) -> anyhow::Result<()> {
    let graph = TypeGraph::new(types);
    let in_responses = graph.reachable(schema_roots(document, Side::Response)?);
    let in_request_bodies = graph.reachable(schema_roots(document, Side::RequestBody)?);
    let open: BTreeSet<String> = in_responses
        .into_iter()
        .filter(|name| graph.string_enums.contains(name))
        .collect();
    if let Some(both) = open.intersection(&in_request_bodies).next() {
        bail!(
            "enum `{both}` appears in a response and in a request body; a response enum \
             accepts unknown values, so the body could no longer reject them. Give the \
             request body its own schema for it in the document."
        );
    }

    let mut items = Vec::with_capacity(types.items.len() + open.len() * 3);
    for item in types.items.drain(..) {
        match item {
            Item::Enum(item) if open.contains(&item.ident.to_string()) => {
                items.extend(open_enum(item)?);
            }
            Item::Impl(item) if is_display_of(&item, &open) => {}
            other => items.push(other),
        }
    }
    types.items = items;
    Ok(())
}

#[derive(Clone, Copy)]
enum Side {
    Response,
    RequestBody,
}

/// The component schemas a response body (or a request body) names, as typify names them.
fn schema_roots(document: &OpenAPI, side: Side) -> anyhow::Result<BTreeSet<String>> {
    let components = document
        .components
        .as_ref()
        .context("the document has no components")?;
    let mut values = Vec::new();
    for (_, _, operation) in document.operations() {
        match side {
            Side::Response => {
                for response in operation.responses.responses.values() {
                    values.push(serde_json::to_value(response)?);
                }
                if let Some(response) = &operation.responses.default {
                    values.push(serde_json::to_value(response)?);
                }
            }
            Side::RequestBody => {
                if let Some(body) = &operation.request_body {
                    values.push(serde_json::to_value(body)?);
                }
            }
        }
    }
    // `$ref`s to shared responses and bodies lead to their schemas.
    let mut names = BTreeSet::new();
    while let Some(value) = values.pop() {
        let mut references = Vec::new();
        collect_references(&value, &mut references);
        for reference in references {
            if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                names.insert(name.to_upper_camel_case());
            } else if let Some(name) = reference.strip_prefix("#/components/responses/") {
                let response = components
                    .responses
                    .get(name)
                    .with_context(|| format!("unresolved response {reference}"))?;
                values.push(serde_json::to_value(response)?);
            } else if let Some(name) = reference.strip_prefix("#/components/requestBodies/") {
                let body = components
                    .request_bodies
                    .get(name)
                    .with_context(|| format!("unresolved request body {reference}"))?;
                values.push(serde_json::to_value(body)?);
            }
        }
    }
    Ok(names)
}

fn collect_references(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", serde_json::Value::String(reference)) => out.push(reference.clone()),
                    _ => collect_references(value, out),
                }
            }
        }
        serde_json::Value::Array(values) => {
            for value in values {
                collect_references(value, out);
            }
        }
        _ => {}
    }
}

/// Which generated types each generated type mentions in its fields.
struct TypeGraph {
    edges: BTreeMap<String, BTreeSet<String>>,
    string_enums: BTreeSet<String>,
}

impl TypeGraph {
    fn new(types: &syn::File) -> Self {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut string_enums = BTreeSet::new();
        for item in &types.items {
            let (name, fields): (String, Vec<&Fields>) = match item {
                Item::Struct(item) => (item.ident.to_string(), vec![&item.fields]),
                Item::Enum(item) => {
                    if is_string_enum(item) {
                        string_enums.insert(item.ident.to_string());
                    }
                    let fields = item.variants.iter().map(|variant| &variant.fields);
                    (item.ident.to_string(), fields.collect())
                }
                _ => continue,
            };
            let mut mentioned = BTreeSet::new();
            for field in fields.into_iter().flatten() {
                collect_idents(&field.ty, &mut mentioned);
            }
            edges.entry(name).or_default().extend(mentioned);
        }
        TypeGraph {
            edges,
            string_enums,
        }
    }

    fn reachable(&self, roots: BTreeSet<String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo: Vec<String> = roots.into_iter().collect();
        while let Some(name) = todo.pop() {
            let Some(next) = self.edges.get(&name) else {
                continue;
            };
            if !seen.insert(name) {
                continue;
            }
            todo.extend(next.iter().cloned());
        }
        seen
    }
}

/// Every identifier in a type (`Option<Vec<JobStatus>>` mentions `JobStatus`).
fn collect_idents(ty: &syn::Type, out: &mut BTreeSet<String>) {
    let text = quote!(#ty).to_string();
    out.extend(
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
            .map(str::to_string),
    );
}

/// typify's rendering of a `type: string` schema with an `enum`: unit variants only.
fn is_string_enum(item: &ItemEnum) -> bool {
    !item.variants.is_empty()
        && item
            .variants
            .iter()
            .all(|variant| matches!(variant.fields, Fields::Unit))
}

/// typify's `impl Display for` one of the enums being opened (replaced by ours).
fn is_display_of(item: &syn::ItemImpl, open: &BTreeSet<String>) -> bool {
    let is_display = item
        .trait_
        .as_ref()
        .and_then(|(path, _)| path.segments.last())
        .is_some_and(|segment| segment.ident == "Display");
    let self_name = match item.self_ty.as_ref() {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    is_display && self_name.is_some_and(|name| open.contains(&name))
}

/// The enum with its `Unknown` variant, and its `as_str`, `Display` and serde impls.
fn open_enum(mut item: ItemEnum) -> anyhow::Result<Vec<Item>> {
    let name = item.ident.clone();
    if item.variants.iter().any(|variant| variant.ident == UNKNOWN) {
        bail!("enum `{name}` already has a variant `{UNKNOWN}`; the generator needs that name");
    }
    let mut arms = Vec::new();
    for variant in &item.variants {
        let ident = &variant.ident;
        let value = crate::presence::serde_rename(&variant.attrs)
            .with_context(|| format!("variant {name}::{ident} has no `serde(rename)`"))?;
        arms.push(quote! { Self::#ident => #value, });
    }
    drop_serde_and_copy_derives(&mut item.attrs)?;
    let doc_lines = [
        "",
        "Values a newer GitLab adds deserialise into `Unknown` and serialise back unchanged;",
        "`parse()` and `TryFrom` accept only the values listed here, as a request parameter must.",
    ];
    let docs = doc_lines.iter().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote! { #[doc = #line] }
    });
    let position = item
        .attrs
        .iter()
        .rposition(|attr| attr.path().is_ident("doc"))
        .map_or(0, |index| index + 1);
    let docs: Vec<syn::Attribute> = syn::parse_quote! { #(#docs)* };
    item.attrs.splice(position..position, docs);
    let unknown = format_ident!("{UNKNOWN}");
    item.variants.push(syn::parse_quote! {
        /// A value the document does not list (a newer GitLab's), kept as sent.
        #[schemars(skip)]
        #unknown(::std::string::String)
    });

    let impls: TokenStream = quote! {
        impl #name {
            /// The value as GitLab spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#arms)*
                    Self::#unknown(value) => value,
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::support::deserialize_open_enum(deserializer, Self::#unknown)
            }
        }
    };
    let impls: syn::File = syn::parse2(impls).context("the open enum impls")?;
    let mut items = vec![Item::Enum(item)];
    items.extend(impls.items);
    Ok(items)
}

/// `Copy` cannot hold a `String`, and the serde derives are replaced by our impls.
fn drop_serde_and_copy_derives(attrs: &mut [syn::Attribute]) -> anyhow::Result<()> {
    for attr in attrs
        .iter_mut()
        .filter(|attr| attr.path().is_ident("derive"))
    {
        let paths = attr
            .parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
            .context("typify wrote a derive we cannot read")?;
        let kept = paths.into_iter().filter(|path| {
            let last = path
                .segments
                .last()
                .map(|segment| segment.ident.to_string());
            !matches!(last.as_deref(), Some("Copy" | "Serialize" | "Deserialize"))
        });
        *attr = syn::parse_quote! { #[derive(#(#kept),*)] };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use openapiv3::ReferenceOr;

    use super::*;

    fn generated_enum(types: &str, name: &str) -> Option<ItemEnum> {
        let file = syn::parse_file(types).expect("the types file parses");
        file.items.into_iter().find_map(|item| match item {
            Item::Enum(item) if item.ident == name => Some(item),
            _ => None,
        })
    }

    fn has_unknown(item: &ItemEnum) -> bool {
        item.variants.iter().any(|variant| variant.ident == UNKNOWN)
    }

    #[test]
    fn response_enums_are_open_and_request_enums_closed() {
        let root = crate::workspace_root();
        let outputs = crate::codegen::generate_all(&root).expect("generate");
        let types = &outputs
            .iter()
            .find(|output| output.path.ends_with("gitlab-jobs-types/src/generated.rs"))
            .expect("the types file")
            .contents;
        for open in [
            "JobStatus",
            "FailureReason",
            "RunnerRunnerType",
            "ArtifactFileFileFormat",
        ] {
            let item = generated_enum(types, open).expect(open);
            assert!(has_unknown(&item), "{open} keeps unknown values");
        }
        for closed in [
            "ListProjectJobsPagination",
            "JobVariableAttributeVariableType",
        ] {
            let item = generated_enum(types, closed).expect(closed);
            assert!(!has_unknown(&item), "{closed} is request-only and strict");
        }
    }

    #[test]
    fn an_enum_in_a_response_and_a_request_body_is_refused() {
        let mut document = crate::spec::load(&crate::workspace_root()).expect("document");
        let components = document.components.as_mut().expect("components");
        let body: openapiv3::RequestBody = serde_json::from_value(serde_json::json!({
            "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"status": {"$ref": "#/components/schemas/JobStatus"}}
            }}}
        }))
        .expect("a request body");
        components
            .request_bodies
            .insert("StatusBody".into(), ReferenceOr::Item(body));
        let play = document
            .paths
            .paths
            .values_mut()
            .filter_map(|item| match item {
                ReferenceOr::Item(item) => Some(item),
                ReferenceOr::Reference { .. } => None,
            })
            .find_map(|item| {
                item.post
                    .as_mut()
                    .filter(|op| op.operation_id.as_deref() == Some("play_job"))
            })
            .expect("play_job");
        play.request_body = Some(ReferenceOr::Reference {
            reference: "#/components/requestBodies/StatusBody".into(),
        });
        let graph_types: syn::File = syn::parse_quote! {
            pub struct Job { pub status: JobStatus }
            pub enum JobStatus { Running }
            pub struct PlayJobBody { pub status: JobStatus }
        };
        let mut types = graph_types;
        let error = open_response_enums(&document, &mut types)
            .expect_err("JobStatus is in a response and a body");
        assert!(error.to_string().contains("`JobStatus`"), "{error}");
    }
}
