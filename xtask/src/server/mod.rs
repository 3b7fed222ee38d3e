//! Our server generator: the `JobsApi` trait, its request and response types, and the axum
//! router that parses requests into them. progenitor only generates clients, so this side
//! is ours; it follows the same document and uses the same types crate.

mod emit;
mod model;
mod routes;

use std::collections::BTreeSet;

pub fn generate(
    document: &openapiv3::OpenAPI,
    type_names: &BTreeSet<String>,
) -> anyhow::Result<proc_macro2::TokenStream> {
    let api = model::read(document, type_names)?;
    let routes = routes::plan(&api)?;
    Ok(emit::emit(&api, &routes))
}
