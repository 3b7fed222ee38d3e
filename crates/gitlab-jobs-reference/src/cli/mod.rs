//! The binary's commands that live in the library: `serve` (the reference server as a
//! program), with what it loads at start (`data`) and the banner it prints (`banner`).

mod banner;
mod data;
mod serve;

pub use self::data::{Loaded, load};
pub use self::serve::{ServeOptions, serve, serve_until};
