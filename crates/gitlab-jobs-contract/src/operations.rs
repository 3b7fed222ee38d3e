//! Iteration over the operations of the document, with their parameters and responses
//! resolved through `$ref`.

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

use crate::pointer;
use crate::spec::Spec;

/// HTTP methods that may key an operation in a path item (OpenAPI 3.0).
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation: a method under a path template.
#[derive(Debug, Clone)]
pub struct Operation<'s> {
    /// The path template, e.g. `/projects/{id}/jobs`.
    pub path: &'s str,
    /// Lower-case method, as written in the document.
    pub method: &'static str,
    /// `operationId`, if the document gives one.
    pub operation_id: Option<&'s str>,
    /// Pointer of the operation object.
    pub pointer: String,
    /// Pointer of the (resolved) path item.
    pub path_item_pointer: String,
    /// The operation object.
    pub value: &'s Value,
    /// The (resolved) path item that holds it.
    pub path_item: &'s Value,
}

/// One response of an operation, after `$ref` resolution.
#[derive(Debug, Clone)]
pub struct Response<'s> {
    /// Status code as written (`"200"`, `"4XX"`, `"default"`).
    pub status: &'s str,
    /// Pointer of the resolved response object.
    pub pointer: String,
    /// The response object.
    pub value: &'s Value,
}

/// One parameter of an operation (path-item parameters merged in), after `$ref` resolution.
#[derive(Debug, Clone)]
pub struct Parameter<'s> {
    /// Pointer of the resolved parameter object.
    pub pointer: String,
    /// The parameter object.
    pub value: &'s Value,
}

impl Parameter<'_> {
    /// `name` of the parameter (empty if missing).
    pub fn name(&self) -> &str {
        self.value
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `in` of the parameter (empty if missing).
    pub fn location(&self) -> &str {
        self.value
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

impl<'s> Operation<'s> {
    /// `operationId`, or `METHOD /path` for messages when it is missing.
    pub fn label(&self) -> String {
        match self.operation_id {
            Some(id) => id.to_owned(),
            None => format!("{} {}", self.method.to_uppercase(), self.path),
        }
    }

    /// Responses in document order, each resolved.
    pub fn responses(&self, spec: &'s Spec) -> Result<Vec<Response<'s>>> {
        let Some(responses) = self.value.get("responses").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        let base = pointer::join(&self.pointer, "responses");
        responses
            .keys()
            .map(|status| {
                let (at, value) = spec
                    .resolve(&pointer::join(&base, status))
                    .with_context(|| format!("{} response {status}", self.label()))?;
                Ok(Response {
                    status,
                    pointer: at,
                    value,
                })
            })
            .collect()
    }

    /// Parameters of the path item and of the operation, resolved; an operation-level
    /// parameter replaces a path-level one with the same `name` and `in`.
    pub fn parameters(&self, spec: &'s Spec) -> Result<Vec<Parameter<'s>>> {
        let mut merged: Vec<Parameter<'s>> = Vec::new();
        for (owner_pointer, owner) in [
            (&self.path_item_pointer, self.path_item),
            (&self.pointer, self.value),
        ] {
            let Some(list) = owner.get("parameters") else {
                continue;
            };
            let list = list
                .as_array()
                .ok_or_else(|| anyhow!("`parameters` of `{owner_pointer}` is not a list"))?;
            for index in 0..list.len() {
                let at = pointer::join_index(&pointer::join(owner_pointer, "parameters"), index);
                let (at, value) = spec.resolve(&at)?;
                let parameter = Parameter { pointer: at, value };
                merged.retain(|p| {
                    (p.name(), p.location()) != (parameter.name(), parameter.location())
                });
                merged.push(parameter);
            }
        }
        Ok(merged)
    }

    /// The request body, resolved, with its pointer.
    pub fn request_body(&self, spec: &'s Spec) -> Result<Option<(String, &'s Value)>> {
        if self.value.get("requestBody").is_none() {
            return Ok(None);
        }
        spec.resolve(&pointer::join(&self.pointer, "requestBody"))
            .map(Some)
    }
}

impl Spec {
    /// Every operation of every path, in document order.
    pub fn operations(&self) -> Result<Vec<Operation<'_>>> {
        let Some(paths) = self.doc().get("paths").and_then(Value::as_object) else {
            return Err(anyhow!("the document has no `paths` mapping"));
        };
        let mut operations = Vec::new();
        for path in paths.keys() {
            let (item_pointer, item) = self.resolve(&pointer::join("/paths", path))?;
            for method in METHODS {
                if let Some(value) = item.get(method) {
                    operations.push(Operation {
                        path,
                        method,
                        operation_id: value.get("operationId").and_then(Value::as_str),
                        pointer: pointer::join(&item_pointer, method),
                        path_item_pointer: item_pointer.clone(),
                        value,
                        path_item: item,
                    });
                }
            }
        }
        Ok(operations)
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Result<Operation<'_>> {
        self.operations()?
            .into_iter()
            .find(|op| op.operation_id == Some(operation_id))
            .ok_or_else(|| anyhow!("no operation has operationId `{operation_id}`"))
    }
}
