//! JSON bodies decoded by serde_json, their failures explained by type, not by message text.
//!
//! [`from_slice`] is `serde_json::from_slice` (the body is one JSON value, then only
//! whitespace) tracked by `serde_path_to_error`. A failure is a [`JsonError`] built from typed
//! parts only: serde_json's category, line and column, the JSON path of the failing value, and,
//! for JSON of the wrong shape, the [`ShapeError`] serde reported. serde_json keeps that last
//! one as text only, so the body is decoded a second time, on the failure path alone, through
//! a deserializer whose error is [`ShapeError`] (`Tree`): same order of keys, repeated keys
//! kept, the same values visited the same way, hence the same first failure.
//!
//! `JsonError`'s text names fields, types, lines and columns, never a value the caller sent
//! (`docs/contract.md §6`: "`detail` names the field and column, never a value"), so a name or
//! a NIP in the wrong place never reaches a log line or an error report.

use std::fmt;

use serde::{
    Deserialize,
    de::{
        self, DeserializeOwned, IntoDeserializer, MapAccess, SeqAccess, Visitor,
        value::{MapDeserializer, SeqDeserializer},
    },
    forward_to_deserialize_any,
};
use serde_json::error::Category;

use super::{Found, ShapeError};

/// Decodes the JSON `bytes` into `T`.
///
/// # Errors
/// [`JsonError`]: [`JsonError::Syntax`] when `bytes` is not one JSON value, [`JsonError::Shape`]
/// when it is JSON that `T` refuses.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let json = error.inner();
        match json.classify() {
            Category::Data => JsonError::Shape {
                error: shape_error::<T>(bytes),
                path: error.path().clone(),
                line: json.line(),
                column: json.column(),
            },
            Category::Syntax | Category::Eof | Category::Io => JsonError::syntax(json),
        }
    })?;
    deserializer.end().map_err(|error| JsonError::syntax(&error))?;
    Ok(value)
}

/// What serde reports when `T` is decoded from `bytes` with [`ShapeError`] as the error type;
/// [`ShapeError::Other`] if that decoding does not fail the way serde_json's did.
fn shape_error<T: DeserializeOwned>(bytes: &[u8]) -> ShapeError {
    // The first value only: serde_json failed inside it, whatever follows.
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match Tree::deserialize(&mut deserializer) {
        Ok(tree) => T::deserialize(tree).err().unwrap_or(ShapeError::Other),
        Err(_) => ShapeError::Other,
    }
}

/// Why a JSON body was refused. Its `Display` is the `detail` of a parent-API `invalid_body`
/// problem and of a registry import's `invalid_json` line.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum JsonError {
    /// Not JSON, or more than one value (serde_json's `Category::Syntax`, `Eof` or `Io`).
    Syntax {
        /// Whether the body ended in the middle of a value (`Category::Eof`).
        ends_early: bool,
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1.
        column: usize,
    },
    /// JSON that does not fit the type (`Category::Data`).
    Shape {
        /// What serde reported; [`ShapeError::Other`] if the second decoding could not tell.
        error: ShapeError,
        /// The JSON path of the value that failed (`.` for the whole body).
        path: serde_path_to_error::Path,
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1.
        column: usize,
    },
}

impl JsonError {
    fn syntax(error: &serde_json::Error) -> Self {
        Self::Syntax {
            ends_early: error.classify() == Category::Eof,
            line: error.line(),
            column: error.column(),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { ends_early: true, line, column } => {
                write!(f, "the JSON ends early at line {line} column {column}")
            }
            Self::Syntax { ends_early: false, line, column } => {
                write!(f, "not valid JSON at line {line} column {column}")
            }
            Self::Shape { error, path, line, column } => {
                write!(f, "{error} at `{path}`, line {line} column {column}")
            }
        }
    }
}

impl std::error::Error for JsonError {}

/// A JSON value as serde_json visits it, with an object's members in order and repeated keys
/// kept (unlike `serde_json::Value`), so that decoding from it meets what decoding from the
/// text met, in the same order.
#[derive(Debug, Clone, PartialEq)]
enum Tree {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    String(String),
    Array(Vec<Tree>),
    Object(Vec<(String, Tree)>),
}

impl Tree {
    fn found(&self) -> Found {
        match self {
            Self::Null => Found::Null,
            Self::Bool(_) => Found::Bool,
            Self::Unsigned(_) | Self::Signed(_) => Found::Integer,
            Self::Float(_) => Found::Float,
            Self::String(_) => Found::String,
            Self::Array(_) => Found::Sequence,
            Self::Object(_) => Found::Map,
        }
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor)
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Tree, E> {
        Ok(Tree::Unsigned(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Tree, E> {
        Ok(Tree::Signed(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Tree, E> {
        Ok(Tree::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Tree, E> {
        Ok(Tree::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Tree, E> {
        Ok(Tree::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Tree::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry()? {
            members.push(member);
        }
        Ok(Tree::Object(members))
    }
}

impl<'de> IntoDeserializer<'de, ShapeError> for Tree {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// Visits the tree as `serde_json::Value` is visited (serde_json's `value/de.rs`), with
/// [`ShapeError`] as the error.
impl<'de> de::Deserializer<'de> for Tree {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self {
            Self::Null => visitor.visit_unit(),
            Self::Bool(value) => visitor.visit_bool(value),
            Self::Unsigned(value) => visitor.visit_u64(value),
            Self::Signed(value) => visitor.visit_i64(value),
            Self::Float(value) => visitor.visit_f64(value),
            Self::String(value) => visitor.visit_string(value),
            Self::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter());
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Self::Object(members) => {
                let mut map = MapDeserializer::new(members.into_iter());
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        match self {
            Self::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        match self {
            // A unit variant by name.
            Self::String(variant) => {
                visitor.visit_enum(IntoDeserializer::<ShapeError>::into_deserializer(variant))
            }
            // `{"variant": content}`.
            Self::Object(mut members) if members.len() == 1 => {
                let (variant, content) = members.remove(0);
                visitor.visit_enum(Variant { variant, content })
            }
            Self::Object(_) => {
                Err(de::Error::invalid_value(de::Unexpected::Map, &"map with a single key"))
            }
            other => Err(ShapeError::InvalidType {
                found: other.found(),
                expected: "string or map".to_owned(),
            }),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// An externally tagged variant, `{"variant": content}`.
struct Variant {
    variant: String,
    content: Tree,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = ShapeError;
    type Variant = Tree;

    fn variant_seed<V: de::DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Tree), ShapeError> {
        let variant =
            seed.deserialize(IntoDeserializer::<ShapeError>::into_deserializer(self.variant))?;
        Ok((variant, self.content))
    }
}

impl<'de> de::VariantAccess<'de> for Tree {
    type Error = ShapeError;

    fn unit_variant(self) -> Result<(), ShapeError> {
        match self {
            Self::Null => Ok(()),
            other => Err(ShapeError::InvalidType {
                found: other.found(),
                expected: "unit variant".to_owned(),
            }),
        }
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ShapeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        match self {
            Self::Array(_) => de::Deserializer::deserialize_any(self, visitor),
            other => Err(ShapeError::InvalidType {
                found: other.found(),
                expected: "tuple variant".to_owned(),
            }),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        match self {
            Self::Array(_) | Self::Object(_) => de::Deserializer::deserialize_any(self, visitor),
            other => Err(ShapeError::InvalidType {
                found: other.found(),
                expected: "struct variant".to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        count: u32,
        kind: Option<Kind>,
        children: Option<Vec<Child>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Student,
    }

    #[derive(Debug, Deserialize)]
    #[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
    #[allow(dead_code)]
    enum Child {
        Identity { last_name: String },
    }

    fn refusal(json: &str) -> JsonError {
        from_slice::<Sample>(json.as_bytes()).expect_err("refused")
    }

    fn shape_at(json: &str) -> (ShapeError, String) {
        match refusal(json) {
            JsonError::Shape { error, path, .. } => (error, path.to_string()),
            other => panic!("{json}: {other:?}"),
        }
    }

    #[test]
    fn a_wrong_type_names_the_field_and_the_types_not_the_value() {
        let error = refusal(r#"{"count": "Lé \"Lily\" O'Neil"}"#);
        let text = error.to_string();
        assert_eq!(text, "invalid type: string, expected u32 at `count`, line 1 column 31");
        let (shape, path) = shape_at(r#"{"count": -1}"#);
        let expected = "u32".to_owned();
        assert_eq!(shape, ShapeError::InvalidValue { found: Found::Integer, expected });
        assert_eq!(path, "count");
    }

    #[test]
    fn an_unknown_variant_is_not_quoted() {
        let error = refusal(r#"{"count": 1, "kind": "K7QM4RTX"}"#);
        assert!(!error.to_string().contains("K7QM4RTX"), "{error}");
        let (shape, path) = shape_at(r#"{"count": 1, "kind": "K7QM4RTX"}"#);
        assert_eq!(shape, ShapeError::UnknownVariant { expected: &["student"] });
        assert_eq!(path, "kind");
    }

    #[test]
    fn unknown_missing_and_repeated_fields_are_named() {
        let (shape, _) = shape_at(r#"{"count": 1, "nickname": 2}"#);
        assert!(
            matches!(&shape, ShapeError::UnknownField { field, .. } if field == "nickname"),
            "{shape:?}"
        );
        assert!(refusal(r#"{"count": 1, "nickname": 2}"#).to_string().contains("`nickname`"));
        assert_eq!(shape_at(r#"{"kind": null}"#).0, ShapeError::MissingField("count"));
        assert_eq!(shape_at(r#"{"count": 1, "count": 2}"#).0, ShapeError::DuplicateField("count"));
        // Inside an internally tagged enum, which serde buffers before decoding the variant:
        // the path stops at the array item, the error still names the field.
        let (shape, path) = shape_at(
            r#"{"count": 1, "children": [{"method": "identity", "last_name": "Roy", "nip": 1}]}"#,
        );
        assert!(
            matches!(&shape, ShapeError::UnknownField { field, .. } if field == "nip"),
            "{shape:?}"
        );
        assert_eq!(path, "children[0]");
        let (shape, _) = shape_at(r#"{"count": 1, "children": [{"method": "identity"}]}"#);
        assert_eq!(shape, ShapeError::MissingField("last_name"));
    }

    #[test]
    fn syntax_errors_give_the_position_only() {
        let error = refusal(r#"{"count": 1, "kind": "Lily"#);
        assert!(matches!(error, JsonError::Syntax { ends_early: true, .. }), "{error:?}");
        assert!(!error.to_string().contains("Lily"), "{error}");
        let error = refusal(r#"{"count": 1} {"Lily": 2}"#);
        assert!(matches!(error, JsonError::Syntax { ends_early: false, line: 1, .. }), "{error:?}");
        let error = refusal("{\n\"count\": Lily}");
        assert_eq!(error.to_string(), "not valid JSON at line 2 column 10");
    }

    #[test]
    fn decodes_what_serde_json_decodes() {
        let sample: Sample =
            from_slice(br#" {"count": 3, "kind": "student", "children": []} "#).expect("decoded");
        assert_eq!(sample.count, 3);
    }
}
