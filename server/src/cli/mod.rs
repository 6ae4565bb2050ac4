//! One module per `kancha` subcommand.

pub mod inspect;
pub mod serve;
pub mod token;
