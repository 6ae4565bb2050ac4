//! One module per `kancha` subcommand.

pub mod inspect;
pub mod sample;
pub mod demo;
pub mod scan;
