//! One module per `kancha` subcommand.

pub mod convert;
pub mod demo;
pub mod inspect;
pub mod sample;
pub mod sla;
pub mod zone;
