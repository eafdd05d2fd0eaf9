//! `application/x-www-form-urlencoded` bodies decoded with [`ShapeError`] as the error.
//!
//! axum's `Form` decodes with serde_urlencoded, whose error is serde's message-only
//! `de::value::Error`: a missing field arrives as the text "missing field `name`". Decoded
//! here, it arrives as [`ShapeError::MissingField`]. Only what the identity forms hold is
//! supported (`docs/contract.md §0`: every parameter is a string), the same way as `Form`
//! (`tests` checks it against `Form`):
//!
//! - the body is split and percent-decoded by `form_urlencoded::parse` (lossy UTF-8, `+` is a
//!   space, malformed escapes are kept as text), and the pairs are visited as a map in order,
//!   so a repeated key is the type's `duplicate_field`;
//! - a value is a string (a `cartable_core::Secret` reads as one); an `Option` field present in the body is `Some` (even when empty),
//!   absent is `None`. Any other field type is refused as [`ShapeError::InvalidType`].

use std::borrow::Cow;

use serde::{
    de::{self, IntoDeserializer, Visitor, value::MapDeserializer},
    forward_to_deserialize_any,
};
use url::form_urlencoded;

use super::ShapeError;

/// Decodes the form `input` into `T`, a struct of `String` and `Option<String>` fields.
///
/// # Errors
/// [`ShapeError`]: [`ShapeError::MissingField`] for a required field that is absent, another
/// variant for a body that does not fit `T` (a repeated field, an unknown one under
/// `deny_unknown_fields`).
pub fn from_bytes<'de, T: de::Deserialize<'de>>(input: &'de [u8]) -> Result<T, ShapeError> {
    let pairs = form_urlencoded::parse(input).map(|(key, value)| (Part(key), Part(value)));
    T::deserialize(MapDeserializer::<_, ShapeError>::new(pairs))
}

/// One decoded key or value: a string, or the `Some` of an optional one.
struct Part<'de>(Cow<'de, str>);

impl<'de> IntoDeserializer<'de, ShapeError> for Part<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
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

    forward_to_deserialize_any! {
        bool u8 u16 u32 u64 i8 i16 i32 i64 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
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
    struct Sample {
        client_id: String,
        username: String,
        scope: Option<String>,
        #[serde(default)]
        challenge_type: Option<String>,
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
            "client_id=cartable&username=a%40b.ca",
            "client_id=a+b%20c&username=x&scope=openid+offline_access&challenge_type=oob",
            "username=x&client_id=%C3%A9l%C3%A8ve&scope=",
            "client_id=&username=&scope=&challenge_type=",
            "client_id=x&username=y&unknown=ignored&&=&a",
            "client_id=%ZZ&username=y",
            "client_id=x&client_id=y&username=z",
            "username=x",
            "client_id=x",
            "",
            "\u{0}\u{ff}=%%%&&==",
        ] {
            agree::<Sample>(body).await;
        }
        for body in ["client_id=x", "client_id=x&other=1", "other=1"] {
            agree::<Strict>(body).await;
        }
    }

    #[test]
    fn a_missing_field_is_named_and_typed() {
        let missing = from_bytes::<Sample>(b"username=x").expect_err("missing");
        assert_eq!(missing, ShapeError::MissingField("client_id"));
        // Absent optional fields are not missing.
        let optional = from_bytes::<Sample>(b"client_id=x&username=y");
        assert_eq!(optional.expect("decoded").scope, None);
        // Other refusals are other variants.
        let repeated = from_bytes::<Strict>(b"client_id=x&client_id=y").expect_err("twice");
        assert_eq!(repeated, ShapeError::DuplicateField("client_id"));
        let unknown = from_bytes::<Strict>(b"client_id=x&other=1").expect_err("unknown");
        assert!(matches!(unknown, ShapeError::UnknownField { .. }), "{unknown:?}");
        // A field type the identity forms do not use is refused, not guessed.
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Number {
            attempts: u32,
        }
        let typed = from_bytes::<Number>(b"attempts=3").expect_err("not a string field");
        assert!(matches!(typed, ShapeError::InvalidType { .. }), "{typed:?}");
    }
}
