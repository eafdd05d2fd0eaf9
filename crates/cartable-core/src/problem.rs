//! The one error shape that crosses the Tauri IPC boundary: a stable code plus parameters.
//!
//! Core and the shell emit codes; the UI turns `code` into a translated sentence (its Fluent
//! key is `err-` followed by the code with `_` replaced by `-`) and fills the parameters in.
//! Nothing on the other side ever parses a human sentence.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An error as the UI receives it: `{"code": "password_too_short", "params": {"min": 8}}`.
///
/// `code` is snake_case and stable; `params` holds the values a message needs (numbers,
/// strings, the offending character and its position…). `field` names the form field the error
/// belongs to, when it belongs to one (`"email"`, `"password"`, `"birth_date"`…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// Stable snake_case code, e.g. `no_matching_record`.
    pub code: String,
    /// The form field this error belongs to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Values the translated message interpolates.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, serde_json::Value>,
}

impl Problem {
    /// A problem with a code and no parameters.
    pub fn new(code: impl Into<String>) -> Self {
        Self { code: code.into(), field: None, params: BTreeMap::new() }
    }

    /// Adds a parameter (builder style).
    #[must_use]
    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(name.to_owned(), value.into());
        self
    }

    /// Attaches the problem to a form field (builder style).
    #[must_use]
    pub fn on_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// Builds a problem from any error enum serialized as `#[serde(tag = "code")]`: the tag
    /// becomes `code`, every other field becomes a parameter.
    ///
    /// Domain errors in this crate all serialize that way, so `Problem::from_tagged(&err)` is the
    /// one conversion they need. A value that does not serialize to an object with a string
    /// `code` gives the code `internal`.
    pub fn from_tagged<T: Serialize>(error: &T) -> Self {
        match serde_json::to_value(error) {
            Ok(serde_json::Value::Object(mut map)) => match map.remove("code") {
                Some(serde_json::Value::String(code)) => {
                    Self { code, field: None, params: map.into_iter().collect() }
                }
                _ => Self::new("internal"),
            },
            _ => Self::new("internal"),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.code)?;
        if let Some(field) = &self.field {
            write!(f, " ({field})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(tag = "code", rename_all = "snake_case")]
    enum Sample {
        TooShort { min: usize },
        Empty,
    }

    #[test]
    fn tagged_enums_become_code_and_params() {
        let p = Problem::from_tagged(&Sample::TooShort { min: 8 });
        assert_eq!(p.code, "too_short");
        assert_eq!(p.params.get("min"), Some(&serde_json::json!(8)));
        assert_eq!(Problem::from_tagged(&Sample::Empty), Problem::new("empty"));
    }
}
