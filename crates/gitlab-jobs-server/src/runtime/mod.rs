//! The hand-written half of the server: what the generated handlers call to read requests
//! and write responses in GitLab's shapes. Implementations of [`crate::JobsApi`] use
//! [`Credentials`], [`RequestContext`], [`Security`], [`ErrorResponse`] and [`pagination`]; the rest serves the router.

mod credentials;
mod error_response;
mod input;
pub mod pagination;
pub mod params;
mod rack;
mod respond;

pub use credentials::{Credentials, Scheme, Security};
pub use error_response::{ErrorResponse, fit, header_value};
pub use input::{FromText, Input, RequestContext, with_path_params};
pub use respond::{
    HeaderText, binary, empty, error_body, json, message_body, mount, put_header, text,
};
