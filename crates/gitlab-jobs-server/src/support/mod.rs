//! What only the generated code calls: reading a request into an operation's typed request
//! (with Grape's validation errors) and writing a typed response. Public because the
//! generated handlers are compiled from the document and use what it needs, hidden because
//! it is not part of the API: it changes with the generator, without notice.

mod input;
mod rack;
mod respond;

pub use input::{FromText, Input, with_path_params};
pub use respond::{
    HeaderText, binary, empty, error_body, fit, header_value, json, json_body, message_body, mount,
    put_header, text,
};
