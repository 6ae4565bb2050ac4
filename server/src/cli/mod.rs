//! One module per `kancha` subcommand.

pub mod inspect;
pub mod inspect_case;
pub mod sample;
pub mod demo;
