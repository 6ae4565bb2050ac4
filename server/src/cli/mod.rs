//! One module per `kancha` subcommand.

pub mod convert;
pub mod inspect;
pub mod sla;
pub mod zone;
