//! The companion server driven over real HTTP on 127.0.0.1, with a real SQLite file and blob
//! directory in a temporary data directory. One test binary keeps link time low.

mod auth;
mod bundles;
mod cases;
mod common;
mod lifecycle;
mod outbox;
mod reports;
mod tus;
