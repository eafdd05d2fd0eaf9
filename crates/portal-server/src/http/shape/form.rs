//! `application/x-www-form-urlencoded` bodies decoded with [`ShapeError`] as the error.
//!
//! This is serde_urlencoded 0.7 (what axum's `Form` uses) with one change: its error type is
//! serde's message-only `de::value::Error`, ours is [`ShapeError`], so a missing field arrives
//! as [`ShapeError::MissingField`] instead of the text "missing field `name`". Everything else
//! is the same, and `tests` checks it against axum's `Form`:
//!
//! - the body is split and percent-decoded by `form_urlencoded::parse` (lossy UTF-8, `+` is a
//!   space, malformed escapes are kept as text), and the pairs are visited as a map in order,
//!   so a repeated key is the type's `duplicate_field`;
//! - a value is a string; `bool`, integers and floats are parsed from it with `FromStr`; an
//!   `Option` field present in the body is `Some` (even when empty), absent is `None`; an enum
//!   field takes a unit variant named by the value; a newtype wraps the value.

use std::borrow::Cow;

use serde::{
    de::{self, IntoDeserializer, Unexpected, Visitor, value::MapDeserializer},
    forward_to_deserialize_any,
};
use url::form_urlencoded;

use super::ShapeError;

/// Decodes the form `input` into `T`.
///
/// # Errors
/// [`ShapeError`]: [`ShapeError::MissingField`] for a required field that is absent, another
/// variant for a body that does not fit `T` (a repeated field, a number that does not parse…).
pub fn from_bytes<'de, T: de::Deserialize<'de>>(input: &'de [u8]) -> Result<T, ShapeError> {
    T::deserialize(FormDeserializer {
        pairs: MapDeserializer::new(Pairs(form_urlencoded::parse(input))),
    })
}

/// The whole body: a map of its pairs (serde_urlencoded's `Deserializer`).
struct FormDeserializer<'de> {
    pairs: MapDeserializer<'de, Pairs<'de>, ShapeError>,
}

impl<'de> de::Deserializer<'de> for FormDeserializer<'de> {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_map(self.pairs)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_seq(self.pairs)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        self.pairs.end()?;
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 char str string option bytes byte_buf
        unit_struct newtype_struct tuple_struct struct identifier tuple enum ignored_any
    }
}

/// The body's `(key, value)` pairs, each side a [`Part`].
struct Pairs<'de>(form_urlencoded::Parse<'de>);

impl<'de> Iterator for Pairs<'de> {
    type Item = (Part<'de>, Part<'de>);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(key, value)| (Part(key), Part(value)))
    }
}

/// One decoded key or value.
struct Part<'de>(Cow<'de, str>);

impl<'de> IntoDeserializer<'de, ShapeError> for Part<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// `deserialize_{ty}` parses the text as `ty`; a text that does not parse is an invalid value.
macro_rules! parsed {
    ($($ty:ident => $method:ident,)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
                match self.0.parse::<$ty>() {
                    Ok(value) => {
                        IntoDeserializer::<ShapeError>::into_deserializer(value).$method(visitor)
                    }
                    Err(_) => Err(de::Error::invalid_value(
                        Unexpected::Str(&self.0),
                        &stringify!($ty),
                    )),
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Part<'de> {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self.0 {
            Cow::Borrowed(text) => visitor.visit_borrowed_str(text),
            Cow::Owned(text) => visitor.visit_string(text),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        // A unit variant named by the text: serde's string deserializer is exactly that enum
        // access (any other kind of variant is an invalid type).
        visitor.visit_enum(IntoDeserializer::<ShapeError>::into_deserializer(self.0))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        char str string unit bytes byte_buf unit_struct tuple_struct struct identifier tuple
        ignored_any seq map
    }

    parsed! {
        bool => deserialize_bool,
        u8 => deserialize_u8,
        u16 => deserialize_u16,
        u32 => deserialize_u32,
        u64 => deserialize_u64,
        i8 => deserialize_i8,
        i16 => deserialize_i16,
        i32 => deserialize_i32,
        i64 => deserialize_i64,
        f32 => deserialize_f32,
        f64 => deserialize_f64,
    }
}

#[cfg(test)]
mod tests {
    use axum::{
        body::Body,
        extract::{Form, FromRequest},
        http::{Request, header},
    };
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Grant {
        Password,
        RefreshToken,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Code(String);

    #[derive(Debug, PartialEq, Deserialize)]
    struct Sample {
        client_id: String,
        attempts: u32,
        remember: bool,
        ratio: Option<f64>,
        grant: Option<Grant>,
        code: Option<Code>,
        #[serde(default)]
        scope: Option<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        client_id: String,
    }

    /// What axum's `Form` (serde_urlencoded) decodes from `body`.
    async fn axum_form<T: de::DeserializeOwned>(body: &'static str) -> Option<T> {
        let request = Request::post("/")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        Form::<T>::from_request(request, &()).await.ok().map(|Form(value)| value)
    }

    /// Our decoder and axum's `Form` agree on `body`: the same value, or both refuse.
    async fn agree<T: de::DeserializeOwned + PartialEq + std::fmt::Debug>(body: &'static str) {
        let ours = from_bytes::<T>(body.as_bytes());
        let theirs = axum_form::<T>(body).await;
        assert_eq!(ours.as_ref().ok(), theirs.as_ref(), "{body}: ours {ours:?}");
    }

    #[tokio::test]
    async fn decodes_every_body_as_axum_form_does() {
        for body in [
            "client_id=cartable&attempts=3&remember=true",
            "client_id=a+b%20c&attempts=0&remember=false&ratio=0.5&grant=refresh_token&code=X",
            "attempts=3&remember=true&client_id=%C3%A9l%C3%A8ve&scope=",
            "client_id=&attempts=3&remember=true&ratio=&code=",
            "client_id=x&attempts=3&remember=true&unknown=ignored&&=&a",
            "client_id=%ZZ&attempts=3&remember=true",
            "client_id=x&attempts=-1&remember=true",
            "client_id=x&attempts=3&remember=yes",
            "client_id=x&attempts=3&remember=true&ratio=abc",
            "client_id=x&attempts=3&remember=true&grant=device_code",
            "client_id=x&attempts=3&remember=true&grant=",
            "client_id=x&client_id=y&attempts=3&remember=true",
            "attempts=3&remember=true",
            "client_id=x&remember=true",
            "",
            "\u{0}\u{ff}=%%%&&==",
        ] {
            agree::<Sample>(body).await;
        }
        for body in ["client_id=x", "client_id=x&other=1", "other=1"] {
            agree::<Strict>(body).await;
        }
        for body in ["a=1&b=2&a=3", "", "x"] {
            agree::<Vec<(String, String)>>(body).await;
            agree::<std::collections::BTreeMap<String, String>>(body).await;
        }
    }

    #[test]
    fn a_missing_field_is_named_and_typed() {
        let missing = from_bytes::<Sample>(b"attempts=3&remember=true").expect_err("missing");
        assert_eq!(missing, ShapeError::MissingField("client_id"));
        // Absent optional fields are not missing.
        let optional = from_bytes::<Sample>(b"client_id=x&attempts=3&remember=true");
        assert_eq!(optional.expect("decoded").ratio, None);
        // Other refusals are other variants, which say nothing of the value.
        let typed = from_bytes::<Sample>(b"client_id=x&attempts=trois&remember=true");
        let typed = typed.expect_err("not a number");
        assert_eq!(
            typed,
            ShapeError::InvalidValue { found: super::super::Found::String, expected: "u32".into() }
        );
        assert!(!typed.to_string().contains("trois"), "{typed}");
        let repeated = from_bytes::<Strict>(b"client_id=x&client_id=y").expect_err("twice");
        assert_eq!(repeated, ShapeError::DuplicateField("client_id"));
    }
}
