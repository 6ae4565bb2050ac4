//! One module per `kancha` subcommand.

pub mod inspect;
