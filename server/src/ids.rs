//! Identifiers that arrive in URLs and end up in file names: validated once, here.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    /// Empty or longer than 64 characters.
    #[error("identifier must be 1 to 64 characters long")]
    Length,
    /// A character outside `A-Z a-z 0-9 _ -` (this excludes `/`, `\` and `..`).
    #[error("identifier may only contain letters, digits, '_' and '-'")]
    Character,
}

/// Checks that `s` is safe as a URL segment and a file name: `[A-Za-z0-9_-]{1,64}`.
pub fn validate(s: &str) -> Result<(), IdError> {
    if s.is_empty() || s.len() > 64 {
        return Err(IdError::Length);
    }
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(IdError::Character);
    }
    Ok(())
}

macro_rules! safe_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(try_from = "String", into = "String")]
        #[schema(value_type = String, pattern = "^[A-Za-z0-9_-]{1,64}$")]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps an identifier.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                validate(s)?;
                Ok(Self(s.to_owned()))
            }
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                validate(&s)?;
                Ok(Self(s))
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

safe_id!(
    /// The id of a tus upload (server-generated).
    UploadId
);
safe_id!(
    /// The id of a survey case (the insurer's claim or dispatch number).
    CaseId
);
safe_id!(
    /// The id of a person: a surveyor, dispatcher or administrator.
    PersonId
);

impl UploadId {
    /// A new random upload id (128 bits, hex).
    pub fn random() -> Self {
        Self(crate::tokens::random_hex(16))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_path_separators_and_dot_dot() {
        assert_eq!(validate("a/b"), Err(IdError::Character));
        assert_eq!(validate(".."), Err(IdError::Character));
        assert_eq!(validate("..\\x"), Err(IdError::Character));
        assert_eq!(validate(""), Err(IdError::Length));
        assert!(validate("case-2026_0001").is_ok());
    }
}
