//! One module per `kancha` subcommand.

pub mod inspect;
pub mod scan;
