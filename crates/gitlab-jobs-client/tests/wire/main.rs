//! Wire tests: the client against a scripted local server that records what it receives.

mod auth;
mod download;
mod encoding;
mod follow;
mod forward;
mod pagination;
mod server;
