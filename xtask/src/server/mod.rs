//! Our server generator: the `JobsApi` trait, its request and response types, and the axum
//! router that parses requests into them. progenitor only generates clients, so this side
//! is ours; it follows the same document and uses the same types crate.

mod emit;
mod model;
mod routes;

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;
use quote::{format_ident, quote};

pub fn generate(
    document: &openapiv3::OpenAPI,
    type_names: &BTreeSet<String>,
) -> anyhow::Result<proc_macro2::TokenStream> {
    let api = model::read(document, type_names)?;
    let routes = routes::plan(&api)?;
    Ok(emit::emit(&api, &routes))
}

/// For the client: each operation's error statuses (4xx and 5xx, those progenitor's `send()`
/// answers with `Error::ErrorResponse`) as `builder::Op::ERROR_STATUSES`, so that a page
/// fetched from a `Link` URL classifies its answer as `send()` would.
pub fn client_error_statuses(
    document: &openapiv3::OpenAPI,
    type_names: &BTreeSet<String>,
) -> anyhow::Result<Vec<syn::Item>> {
    let api = model::read(document, type_names)?;
    api.operations
        .iter()
        .map(|operation| {
            let builder = format_ident!("{}", operation.id.to_upper_camel_case());
            let statuses = operation
                .responses
                .iter()
                .map(|response| response.status)
                .filter(|status| *status >= 400)
                .map(proc_macro2::Literal::u16_unsuffixed);
            let tokens = quote! {
                impl builder::#builder<'_> {
                    /// The statuses the document lists as errors of this operation.
                    #[doc(hidden)]
                    pub const ERROR_STATUSES: &'static [u16] = &[#(#statuses),*];
                }
            };
            Ok(syn::parse2(tokens)?)
        })
        .collect()
}
