//! The binary's commands that live in the library: `serve` (the reference server as a
//! program), with what it loads at start (`data`) and the banner it prints (`banner`), and
//! `demo` (`demo_timings`).

mod banner;
mod data;
mod demo_timings;
mod serve;

pub use self::data::{Loaded, load};
pub use self::demo_timings::demo_timings;
pub use self::serve::{FaultOptions, ServeOptions, serve, serve_until};
