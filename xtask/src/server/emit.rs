//! Rust tokens for the server side of every operation.

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::model::{
    Api, Body, Content, HeaderModel, Location, OperationModel, Param, ResponseModel, SchemeKind, Ty,
};
use super::routes::{Handler, RoutePlan};

pub fn emit(api: &Api, routes: &[RoutePlan<'_>]) -> TokenStream {
    let requests = api.operations.iter().map(request_struct);
    let responses = api.operations.iter().map(response_types);
    let methods = api.operations.iter().map(trait_method);
    let handlers = api.operations.iter().map(handler);
    let router = router(routes);
    quote! {
        use std::future::Future;
        use std::sync::Arc;

        use axum::extract::{Request, State};
        use axum::response::{IntoResponse, Response};
        use gitlab_jobs_types as types;

        use crate::ErrorResponse;
        use crate::support::{self, Input};

        /// The request of each operation: its parameters and body, parsed and validated by
        /// the router, and the credentials it carried.
        pub mod requests {
            use gitlab_jobs_types as types;

            use crate::{Credentials, RequestContext, Scheme, Security};

            #(#requests)*
        }

        /// The answers of each operation: an enum with a variant per status the document
        /// lists, and the typed headers of the variants that send any.
        pub mod responses {
            use axum::response::{IntoResponse, Response};
            use gitlab_jobs_types as types;

            use crate::ErrorResponse;
            use crate::support;

            #(#responses)*
        }

        /// GitLab's Jobs API, one method per operation of the document.
        ///
        /// Implement it and serve it with [`router`]. Requests arrive parsed and validated:
        /// malformed ids, unknown `scope` values, missing credentials and the like are
        /// answered by the router in GitLab's own words before a method is called. A method
        /// left unimplemented answers `404 {"error":"404 Not Found"}`, as GitLab answers for
        /// a route it does not have ([`ErrorResponse::route_not_found`]).
        pub trait JobsApi: Send + Sync + 'static {
            #(#methods)*
        }

        #router

        #(#handlers)*
    }
}

fn pascal(operation: &OperationModel) -> String {
    operation.id.to_upper_camel_case()
}

fn request_ident(operation: &OperationModel) -> Ident {
    format_ident!("{}Request", pascal(operation))
}

fn response_ident(operation: &OperationModel) -> Ident {
    format_ident!("{}Response", pascal(operation))
}

fn headers_ident(operation: &OperationModel, response: &ResponseModel) -> Ident {
    format_ident!("{}{}Headers", pascal(operation), response.variant)
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

fn doc(text: &str) -> TokenStream {
    let lines = text.trim().lines().map(|line| {
        let line = format!(" {}", line.trim_end());
        quote! { #[doc = #line] }
    });
    quote! { #(#lines)* }
}

fn rust_type(ty: &Ty) -> TokenStream {
    match ty {
        Ty::String => quote! { String },
        Ty::Integer => quote! { i64 },
        Ty::Number => quote! { f64 },
        Ty::Boolean => quote! { bool },
        Ty::DateTime => quote! { chrono::DateTime<chrono::Utc> },
        Ty::Named(name) => {
            let name = ident(name);
            quote! { types::#name }
        }
        Ty::Array(item) => {
            let item = rust_type(item);
            quote! { Vec<#item> }
        }
        Ty::Json => quote! { serde_json::Value },
    }
}

/// The response enum of an operation and its headers structs.
fn response_types(operation: &OperationModel) -> TokenStream {
    let response = response_enum(operation);
    let headers = operation
        .responses
        .iter()
        .filter(|response| !response.headers.is_empty())
        .map(|response| headers_struct(operation, response));
    quote! {
        #response
        #(#headers)*
    }
}

fn request_struct(operation: &OperationModel) -> TokenStream {
    let name = request_ident(operation);
    let schemes = operation.security.schemes.iter().map(|kind| scheme(*kind));
    let anonymous = operation.security.anonymous;
    let security = quote! {
        Security {
            schemes: &[#(#schemes),*],
            anonymous: #anonymous,
        }
    };
    let title = doc(&format!(
        "The request of [`JobsApi::{0}`](crate::JobsApi::{0}): `{1} {2}`.",
        operation.id,
        operation.method.to_uppercase(),
        operation.path
    ));
    let params = operation.params.iter().map(|param| {
        let field = ident(&param.field);
        let ty = param_type(param);
        let text = param.description.as_deref().unwrap_or(&param.api_name);
        let docs = doc(text);
        quote! { #docs pub #field: #ty, }
    });
    let body = operation.body.as_ref().map(|body| {
        let ty = body_type(body);
        let docs = doc(body.description.as_deref().unwrap_or("The request body."));
        quote! { #docs pub body: #ty, }
    });
    quote! {
        #title
        #[derive(Debug, Clone)]
        pub struct #name {
            #(#params)*
            #body
            /// The credentials the request carried, in the forms this operation accepts.
            pub credentials: Credentials,
            /// The request line and headers, for building pagination links.
            pub context: RequestContext,
        }

        impl #name {
            /// The credentials this operation accepts: the document's security requirements.
            pub const SECURITY: Security = #security;
        }
    }
}

fn param_type(param: &Param) -> TokenStream {
    let ty = rust_type(&param.ty);
    match (
        &param.ty,
        param.required || param.location == Location::Path,
    ) {
        (Ty::Array(_), _) | (_, true) => ty,
        (_, false) => quote! { Option<#ty> },
    }
}

fn body_type(body: &Body) -> TokenStream {
    let ty = if body.raw {
        quote! { bytes::Bytes }
    } else {
        rust_type(&body.ty)
    };
    if body.required {
        ty
    } else {
        quote! { Option<#ty> }
    }
}

fn response_enum(operation: &OperationModel) -> TokenStream {
    let name = response_ident(operation);
    let title = doc(&format!(
        "The answer of [`JobsApi::{0}`](crate::JobsApi::{0}), one variant per status the document lists.",
        operation.id
    ));
    let variants = operation.responses.iter().map(|response| {
        let variant = ident(&response.variant);
        let docs = doc(&format!("{}: {}", response.status, response.description));
        let body = body_of(response);
        let fields = match (body, response.headers.is_empty()) {
            (None, true) => quote! {},
            (Some(body), true) => quote! { (#body) },
            (body, false) => {
                let headers = headers_ident(operation, response);
                let body = body.map(|body| quote! { body: #body, });
                quote! { { #body headers: #headers } }
            }
        };
        quote! { #docs #variant #fields, }
    });
    let arms = operation.responses.iter().map(response_arm);
    let error_response = error_response_impl(operation);
    // A job is large and an error small; boxing the job would make every implementation
    // write `Box::new`, for a value that lives only until it is serialised.
    quote! {
        #title
        #[derive(Debug, Clone)]
        #[allow(clippy::large_enum_variant)]
        pub enum #name {
            #(#variants)*
            /// A status the document does not list for this operation (or a body that does not
            /// fit its variant), sent as it is.
            Undocumented {
                status: http::StatusCode,
                body: serde_json::Value,
            },
        }

        impl IntoResponse for #name {
            fn into_response(self) -> Response {
                match self {
                    #(#arms)*
                    Self::Undocumented { status, body } => support::json(status.as_u16(), &body),
                }
            }
        }

        #error_response
    }
}

/// A success variant's JSON body may be sent as kept bytes (`JsonBody`); an error's is a
/// plain value, which `ErrorResponse::from_error` builds from a status and a GitLab body.
fn body_of(response: &ResponseModel) -> Option<TokenStream> {
    match &response.content {
        Content::None => None,
        Content::Json(ty) if is_success(response) => {
            let ty = rust_type(ty);
            Some(quote! { crate::JsonBody<#ty> })
        }
        Content::Json(ty) => Some(rust_type(ty)),
        Content::Text => Some(quote! { String }),
        Content::Binary => Some(quote! { bytes::Bytes }),
    }
}

fn response_arm(response: &ResponseModel) -> TokenStream {
    let variant = ident(&response.variant);
    let status = response.status;
    let build = match &response.content {
        Content::None => quote! { support::empty(#status) },
        Content::Json(_) if is_success(response) => quote! { support::json_body(#status, body) },
        Content::Json(_) => quote! { support::json(#status, &body) },
        Content::Text => quote! { support::text(#status, body) },
        Content::Binary => quote! { support::binary(#status, body) },
    };
    let has_body = !matches!(response.content, Content::None);
    match (has_body, response.headers.is_empty()) {
        (false, true) => quote! { Self::#variant => #build, },
        (true, true) => quote! { Self::#variant(body) => #build, },
        (has_body, false) => {
            let pattern = if has_body {
                quote! { { body, headers } }
            } else {
                quote! { { headers } }
            };
            quote! {
                Self::#variant #pattern => {
                    let mut response = #build;
                    headers.write_to(response.headers_mut());
                    response
                }
            }
        }
    }
}

fn is_success(response: &ResponseModel) -> bool {
    (200..300).contains(&response.status)
}

/// `ErrorResponse` for one response enum: each documented error status to its variant.
fn error_response_impl(operation: &OperationModel) -> TokenStream {
    let name = response_ident(operation);
    let errors: Vec<&ResponseModel> = operation
        .responses
        .iter()
        .filter(|response| response.status >= 400)
        .collect();
    let statuses = errors
        .iter()
        .map(|response| proc_macro2::Literal::u16_unsuffixed(response.status));
    let arms = errors.iter().filter_map(|response| {
        let variant = ident(&response.variant);
        let status = proc_macro2::Literal::u16_unsuffixed(response.status);
        let has_headers = !response.headers.is_empty();
        let headers_type = headers_ident(operation, response);
        let build = match (&response.content, has_headers) {
            (Content::Json(_), false) => quote! {
                if let Some(body) = support::fit(&body) {
                    return Self::#variant(body);
                }
            },
            (Content::Json(_), true) => quote! {
                if let (Some(body), Some(headers)) =
                    (support::fit(&body), #headers_type::read_from(headers))
                {
                    return Self::#variant { body, headers };
                }
            },
            (Content::None, false) => quote! { return Self::#variant; },
            (Content::None, true) => quote! {
                if let Some(headers) = #headers_type::read_from(headers) {
                    return Self::#variant { headers };
                }
            },
            // A text or binary error body cannot come from a JSON one.
            (Content::Text | Content::Binary, _) => return None,
        };
        Some(quote! { #status => { #build } })
    });
    quote! {
        impl ErrorResponse for #name {
            const ERROR_STATUSES: &'static [u16] = &[#(#statuses),*];

            #[allow(unused_variables)]
            fn from_error(
                status: http::StatusCode,
                body: serde_json::Value,
                headers: &http::HeaderMap,
            ) -> Self {
                match status.as_u16() {
                    #(#arms)*
                    _ => {}
                }
                Self::Undocumented { status, body }
            }
        }
    }
}

fn headers_struct(operation: &OperationModel, response: &ResponseModel) -> TokenStream {
    let name = headers_ident(operation, response);
    let title = doc(&format!(
        "The headers of [`{}::{}`].",
        response_ident(operation),
        response.variant
    ));
    let fields = response.headers.iter().map(|header| {
        let field = ident(&header.field);
        let ty = header_type(header);
        let docs = doc(&format!(
            "`{}`: {}",
            header.name,
            header.description.as_deref().unwrap_or("")
        ));
        quote! { #docs pub #field: #ty, }
    });
    let read_from = (response.status >= 400).then(|| {
        let reads = response.headers.iter().map(|header| {
            let field = ident(&header.field);
            let name = &header.name;
            if header.required {
                quote! { #field: support::header_value(headers, #name)?, }
            } else {
                quote! { #field: support::header_value(headers, #name), }
            }
        });
        quote! {
            fn read_from(headers: &http::HeaderMap) -> Option<Self> {
                Some(Self { #(#reads)* })
            }
        }
    });
    let writes = response.headers.iter().map(|header| {
        let field = ident(&header.field);
        let name = &header.name;
        quote! { support::put_header(headers, #name, &self.#field); }
    });
    let page_headers = page_headers_conversions(&name, response);
    quote! {
        #title
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct #name {
            #(#fields)*
        }

        impl #name {
            fn write_to(&self, headers: &mut http::HeaderMap) {
                #(#writes)*
            }

            #read_from
        }

        #page_headers
    }
}

/// The fields of the server crate's `pagination::PageHeaders`, with their types.
const PAGE_HEADERS: [(&str, Ty); 7] = [
    ("x_page", Ty::Integer),
    ("x_per_page", Ty::Integer),
    ("x_next_page", Ty::String),
    ("x_prev_page", Ty::String),
    ("x_total", Ty::Integer),
    ("x_total_pages", Ty::Integer),
    ("link", Ty::String),
];

/// `From` both ways between a success's headers struct and `pagination::PageHeaders`, when
/// the struct holds nothing but optional pagination headers (the lists' `Ok`): one
/// implementation of GitLab's pagination then serves every list.
fn page_headers_conversions(name: &Ident, response: &ResponseModel) -> Option<TokenStream> {
    let paginated = (200..300).contains(&response.status)
        && response.headers.iter().all(|header| {
            !header.required
                && PAGE_HEADERS
                    .iter()
                    .any(|(field, ty)| header.field == *field && header.ty == *ty)
        });
    if !paginated {
        return None;
    }
    let fields: Vec<Ident> = response
        .headers
        .iter()
        .map(|header| ident(&header.field))
        .collect();
    // Every field given: `..Default::default()` would be clippy's `needless_update`.
    let rest = (fields.len() < PAGE_HEADERS.len())
        .then(|| quote! { ..crate::pagination::PageHeaders::default() });
    Some(quote! {
        impl From<crate::pagination::PageHeaders> for #name {
            fn from(headers: crate::pagination::PageHeaders) -> Self {
                #name { #(#fields: headers.#fields,)* }
            }
        }

        impl From<#name> for crate::pagination::PageHeaders {
            fn from(headers: #name) -> Self {
                crate::pagination::PageHeaders { #(#fields: headers.#fields,)* #rest }
            }
        }
    })
}

fn header_type(header: &HeaderModel) -> TokenStream {
    let ty = rust_type(&header.ty);
    if header.required {
        ty
    } else {
        quote! { Option<#ty> }
    }
}

fn trait_method(operation: &OperationModel) -> TokenStream {
    let name = ident(&operation.id);
    let request = request_ident(operation);
    let response = response_ident(operation);
    let mut text = format!("`{} {}`", operation.method.to_uppercase(), operation.path);
    if let Some(summary) = &operation.summary {
        text = format!("{summary}\n\n{text}");
    }
    if let Some(description) = &operation.description {
        text = format!("{text}\n\n{description}");
    }
    let docs = doc(&text);
    quote! {
        #docs
        fn #name(
            &self,
            request: requests::#request,
        ) -> impl Future<Output = responses::#response> + Send {
            let _ = request;
            std::future::ready(responses::#response::route_not_found())
        }
    }
}

fn scheme(kind: SchemeKind) -> TokenStream {
    match kind {
        SchemeKind::PrivateToken => quote! { Scheme::PrivateTokenHeader },
        SchemeKind::PrivateTokenQuery => quote! { Scheme::PrivateTokenQuery },
        SchemeKind::JobToken => quote! { Scheme::JobTokenHeader },
        SchemeKind::JobTokenQuery => quote! { Scheme::JobTokenQuery },
        SchemeKind::Bearer => quote! { Scheme::Bearer },
    }
}

fn handler(operation: &OperationModel) -> TokenStream {
    let name = ident(&operation.id);
    let request = request_ident(operation);
    let reads = operation.params.iter().map(read_param);
    let fields: Vec<Ident> = operation
        .params
        .iter()
        .map(|param| ident(&param.field))
        .collect();
    let body_read = operation.body.as_ref().map(|body| {
        if body.raw {
            // Sent as is (a log patch may be empty): never missing, never parsed.
            let read = quote! { input.raw_body() };
            return if body.required {
                quote! { let body = Some(#read); }
            } else {
                quote! { let body = Some(#read).filter(|bytes: &bytes::Bytes| !bytes.is_empty()); }
            };
        }
        let ty = rust_type(&body.ty);
        let params = &body.params;
        if body.required {
            quote! { let body = input.required_body::<#ty>(&[#(#params),*]); }
        } else {
            quote! { let body = input.body::<#ty>(&[#(#params),*]); }
        }
    });
    let mut required: Vec<Ident> = operation
        .params
        .iter()
        .filter(|param| {
            (param.required || param.location == Location::Path)
                && !matches!(param.ty, Ty::Array(_))
        })
        .map(|param| ident(&param.field))
        .collect();
    if operation.body.as_ref().is_some_and(|body| body.required) {
        required.push(ident("body"));
    }
    let unwrap_required = if required.is_empty() {
        quote! {}
    } else {
        quote! {
            let (#(Some(#required),)*) = (#(#required,)*) else {
                return input.reject();
            };
        }
    };
    let body_field = operation.body.as_ref().map(|_| quote! { body, });
    let binding = if operation.params.is_empty() && operation.body.is_none() {
        quote! { input }
    } else {
        quote! { mut input }
    };
    quote! {
        async fn #name<A: JobsApi>(State(api): State<Arc<A>>, request: Request) -> Response {
            let #binding = match Input::read(request, &requests::#request::SECURITY).await {
                Ok(input) => input,
                Err(response) => return response,
            };
            #(#reads)*
            #body_read
            if input.has_errors() {
                return input.reject();
            }
            #unwrap_required
            let (credentials, context) = input.into_parts();
            let request = requests::#request {
                #(#fields,)*
                #body_field
                credentials,
                context,
            };
            api.#name(request).await.into_response()
        }
    }
}

fn read_param(param: &Param) -> TokenStream {
    let field = ident(&param.field);
    let name = &param.api_name;
    let read = match (&param.ty, param.location) {
        (Ty::Array(item), _) => {
            let item = rust_type(item);
            quote! { input.query_array::<#item>(#name) }
        }
        (Ty::Named(_), Location::Query) => {
            let ty = rust_type(&param.ty);
            quote! { input.query_enum::<#ty>(#name) }
        }
        (ty, Location::Path) => {
            let ty = rust_type(ty);
            quote! { input.path::<#ty>(#name) }
        }
        (ty, Location::Query) => {
            let ty = rust_type(ty);
            quote! { input.query::<#ty>(#name) }
        }
        (ty, Location::Header) => {
            let ty = rust_type(ty);
            quote! { input.header::<#ty>(#name) }
        }
    };
    let default = match (&param.default, param.location) {
        (Some(value), Location::Query) => quote! { input.default_param(#name, #value); },
        _ => quote! {},
    };
    if param.required && param.location == Location::Query {
        quote! {
            let #field = #read;
            let #field = input.require(#name, #field);
            #default
        }
    } else {
        quote! {
            let #field = #read;
            #default
        }
    }
}

fn router(routes: &[RoutePlan<'_>]) -> TokenStream {
    let routes = routes.iter().map(|plan| {
        let route = plan.route;
        let methods = plan.handlers.iter().map(route_method);
        quote! { .route(#route, axum::routing::MethodRouter::new()#(.#methods)*) }
    });
    quote! {
        /// An axum router serving `api` under `/api/v4`, as GitLab does.
        ///
        /// Unknown paths answer 404 `{"error":"404 Not Found"}` and known paths with another
        /// method 405, in GitLab's shape.
        pub fn router<A: JobsApi>(api: Arc<A>) -> axum::Router {
            let routes = axum::Router::new()
                #(#routes)*
                .with_state(api);
            support::mount(routes)
        }
    }
}

/// `get(handler::<A>)`, or for a method borrowed from a wider route, a handler that passes
/// the values this route's path fixes as that operation's path parameters.
fn route_method(handler: &Handler<'_>) -> TokenStream {
    let method = ident(&handler.operation.method);
    let name = ident(&handler.operation.id);
    if handler.fixed.is_empty() {
        return quote! { #method(#name::<A>) };
    }
    let fixed = handler
        .fixed
        .iter()
        .map(|(param, value)| quote! { (#param, #value) });
    quote! {
        #method(|state: State<Arc<A>>, request: Request| {
            #name::<A>(state, support::with_path_params(request, &[#(#fixed),*]))
        })
    }
}
