//! What the server generator needs to know about each operation, read from the document.
//!
//! `openapiv3` gives us the document as written, `$ref`s and all; this module resolves
//! references and reduces every operation to the facts the emitter turns into Rust.

use std::collections::BTreeSet;

use anyhow::{Context, bail};
use heck::{ToSnakeCase, ToUpperCamelCase};
use openapiv3::{
    APIKeyLocation, OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema,
    SchemaKind, SecurityScheme, StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};

pub struct Api {
    pub operations: Vec<OperationModel>,
}

pub struct OperationModel {
    pub id: String,
    pub method: String,
    /// The route in axum's syntax (`{name}` and `{*name}` for a path that may hold `/`).
    pub route: String,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub security: Security,
    pub responses: Vec<ResponseModel>,
}

pub struct Param {
    pub field: String,
    /// `x-catch-all: true`: the value may contain `/` and spans the rest of the path.
    pub catch_all: bool,
    /// The name as GitLab spells it (`scope[]` is read as `scope`).
    pub api_name: String,
    pub location: Location,
    pub required: bool,
    pub description: Option<String>,
    pub ty: Ty,
    /// The schema's `default`, as Ruby's `to_param` writes it: Grape puts it into `params`
    /// when the parameter is not sent, so pagination links repeat it.
    pub default: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    /// A request header (`Content-Range` of the runner's trace patches).
    Header,
}

pub struct Body {
    pub ty: Ty,
    /// A `text/plain` body (a runner's log patch): its bytes as sent, not parameters.
    pub raw: bool,
    /// The top-level properties of an object body: the parameters Grape also reads from the
    /// query string and from form-encoded bodies.
    pub params: Vec<String>,
    pub required: bool,
    pub description: Option<String>,
}

/// The Rust type of a parameter, body or header, and how to read it from text.
#[derive(Clone, PartialEq)]
pub enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    DateTime,
    /// A type of the types crate (a component schema, or an inline enum progenitor named).
    Named(String),
    Array(Box<Ty>),
    Json,
}

pub struct Security {
    pub schemes: Vec<SchemeKind>,
    pub anonymous: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchemeKind {
    PrivateToken,
    PrivateTokenQuery,
    JobToken,
    JobTokenQuery,
    Bearer,
}

pub struct ResponseModel {
    pub status: u16,
    pub variant: String,
    pub description: String,
    pub content: Content,
    pub headers: Vec<HeaderModel>,
}

pub enum Content {
    None,
    Json(Ty),
    Text,
    Binary,
}

pub struct HeaderModel {
    pub name: String,
    pub field: String,
    pub required: bool,
    pub description: Option<String>,
    pub ty: Ty,
}

pub fn read(document: &OpenAPI, type_names: &BTreeSet<String>) -> anyhow::Result<Api> {
    let reader = Reader {
        document,
        type_names,
    };
    let mut operations = Vec::new();
    for (path, item) in document.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            bail!("path {path}: a `$ref` path item is not supported");
        };
        for (method, operation) in item.iter() {
            let id = operation
                .operation_id
                .clone()
                .with_context(|| format!("{method} {path} has no operationId"))?;
            let model = reader
                .operation(path, method, operation, &item.parameters, &id)
                .with_context(|| format!("operation {id} ({method} {path})"))?;
            operations.push(model);
        }
    }
    Ok(Api { operations })
}

struct Reader<'a> {
    document: &'a OpenAPI,
    type_names: &'a BTreeSet<String>,
}

impl Reader<'_> {
    fn operation(
        &self,
        path: &str,
        method: &str,
        operation: &Operation,
        shared: &[ReferenceOr<Parameter>],
        id: &str,
    ) -> anyhow::Result<OperationModel> {
        let mut params = Vec::new();
        for parameter in shared.iter().chain(&operation.parameters) {
            let parameter = self.resolve_parameter(parameter)?;
            params.push(self.param(parameter, id)?);
        }
        let route = axum_route(path, &params);
        Ok(OperationModel {
            id: id.to_string(),
            method: method.to_string(),
            route,
            path: path.to_string(),
            summary: operation.summary.clone(),
            description: operation.description.clone(),
            params,
            body: self.body(operation)?,
            security: self.security(operation)?,
            responses: self.responses(operation)?,
        })
    }

    fn resolve_parameter<'p>(
        &'p self,
        parameter: &'p ReferenceOr<Parameter>,
    ) -> anyhow::Result<&'p Parameter> {
        match parameter {
            ReferenceOr::Item(item) => Ok(item),
            ReferenceOr::Reference { reference } => {
                let name = component_name(reference, "parameters")?;
                match self.components()?.parameters.get(name) {
                    Some(ReferenceOr::Item(item)) => Ok(item),
                    _ => bail!("unresolved parameter {reference}"),
                }
            }
        }
    }

    fn param(&self, parameter: &Parameter, operation_id: &str) -> anyhow::Result<Param> {
        let (data, location) = match parameter {
            Parameter::Path { parameter_data, .. } => (parameter_data, Location::Path),
            Parameter::Query { parameter_data, .. } => (parameter_data, Location::Query),
            Parameter::Header { parameter_data, .. } => (parameter_data, Location::Header),
            Parameter::Cookie { parameter_data, .. } => {
                bail!(
                    "parameter {}: cookie parameters are not supported (GitLab's API reads none)",
                    parameter_data.name
                )
            }
        };
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            bail!("parameter {} has no schema", data.name);
        };
        let api_name = data.name.trim_end_matches("[]").to_string();
        let progenitor_name = format!("{operation_id}-{}", data.name).to_upper_camel_case();
        let catch_all = data
            .extensions
            .get("x-catch-all")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        let default = match schema {
            ReferenceOr::Item(schema) => {
                schema
                    .schema_data
                    .default
                    .as_ref()
                    .map(|value| match value {
                        serde_json::Value::String(text) => text.clone(),
                        other => other.to_string(),
                    })
            }
            ReferenceOr::Reference { .. } => None,
        };
        let ty = self.ty(schema, &progenitor_name)?;
        if location == Location::Header
            && (data.required || !matches!(ty, Ty::String | Ty::Integer))
        {
            bail!(
                "header parameter {}: only optional string or integer headers are supported \
                 (the endpoint itself answers a missing one, after authentication)",
                data.name
            );
        }
        Ok(Param {
            catch_all,
            default,
            field: rust_field(&api_name),
            api_name,
            location,
            required: data.required,
            description: data.description.clone(),
            ty,
        })
    }

    fn body(&self, operation: &Operation) -> anyhow::Result<Option<Body>> {
        let Some(body) = &operation.request_body else {
            return Ok(None);
        };
        let body = match body {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                let name = component_name(reference, "requestBodies")?;
                match self.components()?.request_bodies.get(name) {
                    Some(ReferenceOr::Item(item)) => item,
                    _ => bail!("unresolved request body {reference}"),
                }
            }
        };
        if let Some(text) = body.content.get("text/plain") {
            if body.content.len() > 1 {
                bail!("a text/plain request body may not have other media types");
            }
            let is_string = matches!(
                &text.schema,
                Some(ReferenceOr::Item(Schema {
                    schema_kind: SchemaKind::Type(Type::String(_)),
                    ..
                }))
            );
            if !is_string {
                bail!("a text/plain request body needs an inline `type: string` schema");
            }
            return Ok(Some(Body {
                ty: Ty::String,
                raw: true,
                params: Vec::new(),
                required: body.required,
                description: body.description.clone(),
            }));
        }
        let schema = body
            .content
            .get("application/json")
            .and_then(|media| media.schema.as_ref())
            .context(
                "the request body needs an application/json schema (or a text/plain string)",
            )?;
        let name = format!(
            "{}-body",
            operation.operation_id.as_deref().unwrap_or_default()
        )
        .to_upper_camel_case();
        Ok(Some(Body {
            ty: self.ty(schema, &name)?,
            raw: false,
            params: self.properties(schema)?,
            required: body.required,
            description: body.description.clone(),
        }))
    }

    /// The property names of an object schema (none for other schemas).
    fn properties(&self, schema: &ReferenceOr<Schema>) -> anyhow::Result<Vec<String>> {
        let schema = match schema {
            ReferenceOr::Item(schema) => schema,
            ReferenceOr::Reference { reference } => {
                let name = component_name(reference, "schemas")?;
                match self.components()?.schemas.get(name) {
                    Some(ReferenceOr::Item(schema)) => schema,
                    _ => bail!("unresolved schema {reference}"),
                }
            }
        };
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::Object(object)) => object.properties.keys().cloned().collect(),
            _ => Vec::new(),
        })
    }

    fn security(&self, operation: &Operation) -> anyhow::Result<Security> {
        let requirements = operation
            .security
            .as_ref()
            .or(self.document.security.as_ref());
        let mut schemes = BTreeSet::new();
        let mut anonymous = requirements.is_none();
        for requirement in requirements.into_iter().flatten() {
            if requirement.is_empty() {
                anonymous = true;
            }
            for name in requirement.keys() {
                let scheme = match self.components()?.security_schemes.get(name) {
                    Some(ReferenceOr::Item(scheme)) => scheme,
                    _ => bail!("unknown security scheme {name}"),
                };
                schemes.insert(scheme_kind(name, scheme)?);
            }
        }
        Ok(Security {
            schemes: schemes.into_iter().collect(),
            anonymous,
        })
    }

    fn responses(&self, operation: &Operation) -> anyhow::Result<Vec<ResponseModel>> {
        let mut out = Vec::new();
        for (status, response) in &operation.responses.responses {
            let StatusCode::Code(status) = status else {
                bail!("status ranges such as {status} are not supported");
            };
            let response = match response {
                ReferenceOr::Item(item) => item,
                ReferenceOr::Reference { reference } => {
                    let name = component_name(reference, "responses")?;
                    match self.components()?.responses.get(name) {
                        Some(ReferenceOr::Item(item)) => item,
                        _ => bail!("unresolved response {reference}"),
                    }
                }
            };
            let mut headers = Vec::new();
            for (name, header) in &response.headers {
                let header = match header {
                    ReferenceOr::Item(item) => item,
                    ReferenceOr::Reference { reference } => {
                        let component = component_name(reference, "headers")?;
                        match self.components()?.headers.get(component) {
                            Some(ReferenceOr::Item(item)) => item,
                            _ => bail!("unresolved header {reference}"),
                        }
                    }
                };
                let ParameterSchemaOrContent::Schema(schema) = &header.format else {
                    bail!("header {name} has no schema");
                };
                headers.push(HeaderModel {
                    name: name.clone(),
                    field: rust_field(name),
                    required: header.required,
                    description: header.description.clone(),
                    ty: self.ty(schema, name)?,
                });
            }
            out.push(ResponseModel {
                status: *status,
                variant: variant_name(*status),
                description: response.description.clone(),
                content: self.content(response)?,
                headers,
            });
        }
        out.sort_by_key(|response| response.status);
        Ok(out)
    }

    fn content(&self, response: &openapiv3::Response) -> anyhow::Result<Content> {
        let Some((media_type, media)) = response.content.first() else {
            return Ok(Content::None);
        };
        if response.content.len() > 1 {
            bail!(
                "a response may declare one media type, not {}",
                response.content.len()
            );
        }
        Ok(match media_type.as_str() {
            "application/json" => {
                let schema = media
                    .schema
                    .as_ref()
                    .context("a JSON response needs a schema")?;
                Content::Json(self.ty(schema, "")?)
            }
            text if text.starts_with("text/") => Content::Text,
            _ => Content::Binary,
        })
    }

    /// The Rust type of a schema. `inline_name` is what progenitor calls an inline enum.
    fn ty(&self, schema: &ReferenceOr<Schema>, inline_name: &str) -> anyhow::Result<Ty> {
        let schema = match schema {
            ReferenceOr::Reference { reference } => {
                return Ok(Ty::Named(
                    self.named(component_name(reference, "schemas")?)?,
                ));
            }
            ReferenceOr::Item(schema) => schema,
        };
        Ok(match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) if !string.enumeration.is_empty() => {
                Ty::Named(self.named(inline_name)?)
            }
            SchemaKind::Type(Type::String(string)) => match string.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Ty::DateTime,
                _ => Ty::String,
            },
            SchemaKind::Type(Type::Integer(_)) => Ty::Integer,
            SchemaKind::Type(Type::Number(_)) => Ty::Number,
            SchemaKind::Type(Type::Boolean(_)) => Ty::Boolean,
            SchemaKind::Type(Type::Array(array)) => {
                let items = array
                    .items
                    .as_ref()
                    .context("an array schema needs `items`")?
                    .clone()
                    .unbox();
                Ty::Array(Box::new(self.ty(&items, inline_name)?))
            }
            _ => Ty::Json,
        })
    }

    fn named(&self, name: &str) -> anyhow::Result<String> {
        let rust = name.to_upper_camel_case();
        if !self.type_names.contains(&rust) {
            bail!("the types crate has no type `{rust}` (for schema `{name}`)");
        }
        Ok(rust)
    }

    fn components(&self) -> anyhow::Result<&openapiv3::Components> {
        self.document
            .components
            .as_ref()
            .context("the document has no components")
    }
}

fn component_name<'r>(reference: &'r str, kind: &str) -> anyhow::Result<&'r str> {
    reference
        .strip_prefix(&format!("#/components/{kind}/"))
        .with_context(|| format!("`{reference}` is not a reference to components/{kind}"))
}

fn scheme_kind(name: &str, scheme: &SecurityScheme) -> anyhow::Result<SchemeKind> {
    Ok(match scheme {
        SecurityScheme::APIKey {
            location: APIKeyLocation::Header,
            name: header,
            ..
        } if header.eq_ignore_ascii_case("PRIVATE-TOKEN") => SchemeKind::PrivateToken,
        SecurityScheme::APIKey {
            location: APIKeyLocation::Header,
            name: header,
            ..
        } if header.eq_ignore_ascii_case("JOB-TOKEN") => SchemeKind::JobToken,
        SecurityScheme::APIKey {
            location: APIKeyLocation::Query,
            name: query,
            ..
        } if query == "private_token" => SchemeKind::PrivateTokenQuery,
        SecurityScheme::APIKey {
            location: APIKeyLocation::Query,
            name: query,
            ..
        } if query == "job_token" => SchemeKind::JobTokenQuery,
        SecurityScheme::HTTP { scheme, .. } if scheme.eq_ignore_ascii_case("bearer") => {
            SchemeKind::Bearer
        }
        _ => bail!("security scheme {name} is none that GitLab uses"),
    })
}

/// axum's route syntax; a path parameter that may hold `/` becomes a catch-all.
fn axum_route(path: &str, params: &[Param]) -> String {
    let mut route = path.to_string();
    for param in params.iter().filter(|p| p.location == Location::Path) {
        if param.catch_all {
            let placeholder = format!("{{{}}}", param.api_name);
            route = route.replace(&placeholder, &format!("{{*{}}}", param.api_name));
        }
    }
    route
}

fn rust_field(name: &str) -> String {
    let snake = name.to_snake_case();
    match snake.as_str() {
        "type" | "ref" | "match" | "mod" | "self" => format!("{snake}_"),
        _ => snake,
    }
}

fn variant_name(status: u16) -> String {
    match status {
        200 => "Ok".into(),
        201 => "Created".into(),
        202 => "Accepted".into(),
        204 => "NoContent".into(),
        302 => "Found".into(),
        304 => "NotModified".into(),
        400 => "BadRequest".into(),
        401 => "Unauthorized".into(),
        403 => "Forbidden".into(),
        404 => "NotFound".into(),
        405 => "MethodNotAllowed".into(),
        409 => "Conflict".into(),
        412 => "PreconditionFailed".into(),
        413 => "PayloadTooLarge".into(),
        416 => "RangeNotSatisfiable".into(),
        422 => "UnprocessableEntity".into(),
        429 => "TooManyRequests".into(),
        500 => "InternalServerError".into(),
        503 => "ServiceUnavailable".into(),
        other => format!("Status{other}"),
    }
}
