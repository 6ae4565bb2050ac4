//! One module per `kancha` subcommand.

pub mod convert;
pub mod inspect;
pub mod inspect_case;
pub mod serve;
pub mod token;
pub mod sample;
pub mod demo;
pub mod verify;
pub mod sla;
pub mod zone;
pub mod scan;
