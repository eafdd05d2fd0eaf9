//! Why a request body does not fit its endpoint's type, kept typed.
//!
//! serde reports a mismatch through the hooks of its `de::Error` trait (`missing_field`,
//! `unknown_field`, `invalid_type`…); serde_urlencoded and serde_json turn those into message
//! text. [`ShapeError`] is a `de::Error` that keeps them as variants instead, so the identity
//! forms can name a missing parameter and the parent API can say what was wrong where, by
//! `match`ing a type rather than parsing a sentence that the next dependency upgrade may reword.
//!
//! - [`form`] decodes `application/x-www-form-urlencoded` bodies (the identity endpoints,
//!   `docs/contract.md §0`) exactly as axum's `Form` does, with [`ShapeError`] as its error.
//! - [`json`] decodes JSON bodies (the parent API, §6, and the registry import) with serde_json,
//!   and explains a failure with the JSON path, the position and a [`ShapeError`].
//!
//! No variant holds a value the caller sent: an unexpected value is described by its kind
//! ([`Found`]), and messages of `Deserialize` impls (which may quote the input) are dropped
//! ([`ShapeError::Other`]). Field names are kept, including an unknown one as sent.

use std::fmt;

use serde::de::{self, Expected, Unexpected};

pub mod form;
pub mod json;

/// The longest unknown field name [`ShapeError::UnknownField`] repeats, in characters.
pub const MAX_FIELD_NAME: usize = 64;

/// A body that does not fit the endpoint's type: one of serde's `de::Error` hooks, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShapeError {
    /// A required field is absent (`de::Error::missing_field`).
    MissingField(&'static str),
    /// A field the type does not have, with `deny_unknown_fields` (`de::Error::unknown_field`).
    UnknownField {
        /// The field name as sent, cut after [`MAX_FIELD_NAME`] characters (with `…`): a key
        /// is the caller's own text, and a body may be 16 KiB of it.
        field: String,
        /// The type's fields.
        expected: &'static [&'static str],
    },
    /// The same field twice (`de::Error::duplicate_field`).
    DuplicateField(&'static str),
    /// A value of the wrong type, e.g. a string where a number goes (`de::Error::invalid_type`).
    InvalidType {
        /// What was found, without its value.
        found: Found,
        /// What the type wanted, as its visitor describes it (`u32`, `a string`…).
        expected: String,
    },
    /// A value of the right type that the type refuses (`de::Error::invalid_value`).
    InvalidValue {
        /// What was found, without its value.
        found: Found,
        /// What the type wanted.
        expected: String,
    },
    /// A sequence or map of the wrong length (`de::Error::invalid_length`).
    InvalidLength {
        /// The length found.
        len: usize,
        /// What the type wanted.
        expected: String,
    },
    /// An enum variant the type does not have (`de::Error::unknown_variant`); the variant sent
    /// is a value and is not kept.
    UnknownVariant {
        /// The type's variants.
        expected: &'static [&'static str],
    },
    /// Anything a `Deserialize` impl reports with `de::Error::custom` (a date that does not
    /// parse, a newtype's own check…). Its message may quote the input, so it is not kept.
    Other,
}

/// serde's wording (`` missing field `email` ``, `invalid type: string, expected u32`…), without
/// the values serde_json would quote.
impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingField(field) => write!(f, "missing field `{field}`"),
            Self::UnknownField { field, expected } => {
                write!(f, "unknown field `{field}`, expected {}", OneOf(expected))
            }
            Self::DuplicateField(field) => write!(f, "duplicate field `{field}`"),
            Self::InvalidType { found, expected } => {
                write!(f, "invalid type: {found}, expected {expected}")
            }
            Self::InvalidValue { found, expected } => {
                write!(f, "invalid value: {found}, expected {expected}")
            }
            Self::InvalidLength { len, expected } => {
                write!(f, "invalid length {len}, expected {expected}")
            }
            Self::UnknownVariant { expected } => {
                write!(f, "unknown variant, expected {}", OneOf(expected))
            }
            Self::Other => f.write_str("invalid value"),
        }
    }
}

impl std::error::Error for ShapeError {}

impl de::Error for ShapeError {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        Self::Other
    }

    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::InvalidType { found: Found::from(unexpected), expected: expected.to_string() }
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn Expected) -> Self {
        Self::InvalidValue { found: Found::from(unexpected), expected: expected.to_string() }
    }

    fn invalid_length(len: usize, expected: &dyn Expected) -> Self {
        Self::InvalidLength { len, expected: expected.to_string() }
    }

    fn unknown_variant(_variant: &str, expected: &'static [&'static str]) -> Self {
        Self::UnknownVariant { expected }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let mut name: String = field.chars().take(MAX_FIELD_NAME).collect();
        if name.len() < field.len() {
            name.push('…');
        }
        Self::UnknownField { field: name, expected }
    }

    fn missing_field(field: &'static str) -> Self {
        Self::MissingField(field)
    }

    fn duplicate_field(field: &'static str) -> Self {
        Self::DuplicateField(field)
    }
}

/// The kind of an unexpected value, without the value (serde's [`Unexpected`] minus its data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Found {
    /// `true` or `false`.
    Bool,
    /// An integer, signed or not.
    Integer,
    /// A floating-point number.
    Float,
    /// A character.
    Char,
    /// A string.
    String,
    /// Bytes.
    Bytes,
    /// JSON `null` (serde's unit).
    Null,
    /// An optional value.
    Option,
    /// A newtype struct.
    NewtypeStruct,
    /// A sequence (a JSON array).
    Sequence,
    /// A map (a JSON object).
    Map,
    /// An enum.
    Enum,
    /// A unit variant.
    UnitVariant,
    /// A newtype variant.
    NewtypeVariant,
    /// A tuple variant.
    TupleVariant,
    /// A struct variant.
    StructVariant,
    /// Anything else serde names (`Unexpected::Other`).
    Other,
}

impl From<Unexpected<'_>> for Found {
    fn from(unexpected: Unexpected<'_>) -> Self {
        match unexpected {
            Unexpected::Bool(_) => Self::Bool,
            Unexpected::Unsigned(_) | Unexpected::Signed(_) => Self::Integer,
            Unexpected::Float(_) => Self::Float,
            Unexpected::Char(_) => Self::Char,
            Unexpected::Str(_) => Self::String,
            Unexpected::Bytes(_) => Self::Bytes,
            Unexpected::Unit => Self::Null,
            Unexpected::Option => Self::Option,
            Unexpected::NewtypeStruct => Self::NewtypeStruct,
            Unexpected::Seq => Self::Sequence,
            Unexpected::Map => Self::Map,
            Unexpected::Enum => Self::Enum,
            Unexpected::UnitVariant => Self::UnitVariant,
            Unexpected::NewtypeVariant => Self::NewtypeVariant,
            Unexpected::TupleVariant => Self::TupleVariant,
            Unexpected::StructVariant => Self::StructVariant,
            Unexpected::Other(_) => Self::Other,
        }
    }
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Bool => "boolean",
            Self::Integer => "integer",
            Self::Float => "floating point",
            Self::Char => "character",
            Self::String => "string",
            Self::Bytes => "bytes",
            Self::Null => "null",
            Self::Option => "option",
            Self::NewtypeStruct => "newtype struct",
            Self::Sequence => "sequence",
            Self::Map => "map",
            Self::Enum => "enum",
            Self::UnitVariant => "unit variant",
            Self::NewtypeVariant => "newtype variant",
            Self::TupleVariant => "tuple variant",
            Self::StructVariant => "struct variant",
            Self::Other => "other value",
        })
    }
}

/// `` one of `a`, `b` `` (or `` `a` ``, or `nothing`), as serde words its lists.
struct OneOf(&'static [&'static str]);

impl fmt::Display for OneOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [] => f.write_str("nothing"),
            [only] => write!(f, "`{only}`"),
            names => {
                f.write_str("one of ")?;
                for (i, name) in names.iter().enumerate() {
                    let separator = if i == 0 { "" } else { ", " };
                    write!(f, "{separator}`{name}`")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::de::Error as _;

    use super::*;

    #[test]
    fn an_unknown_field_name_is_cut_to_its_limit() {
        let long = "x".repeat(10_000);
        let ShapeError::UnknownField { field, .. } = ShapeError::unknown_field(&long, &["a"])
        else {
            panic!("an unknown field")
        };
        assert_eq!(field, format!("{}…", "x".repeat(MAX_FIELD_NAME)));
        let short = ShapeError::unknown_field("nickname", &["a"]);
        assert_eq!(short.to_string(), "unknown field `nickname`, expected `a`");
    }
}
