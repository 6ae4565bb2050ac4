//! The survey case: what evidence belongs to.
