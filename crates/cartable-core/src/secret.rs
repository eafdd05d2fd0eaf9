//! Secrets on the wire and over the IPC: passwords, verification codes, continuation,
//! access and refresh tokens.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret text. Serialized as the text itself (the wire and the IPC carry it), but its
/// `Debug` is `[redacted]`, so a request or answer printed to a log never shows it; the text is
/// zeroized when dropped (`secrecy`). Read it deliberately with [`Secret::expose`].
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self(SecretString::from(text.into()))
    }

    /// The text, for the one place that must send, hash or compare it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Equal texts (for tests and for comparing a request with the one expected; the portal
/// compares secrets through their hashes, never with this).
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_what_serde_carries() {
        let secret = Secret::new("Motdepasse-2026");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        let json = serde_json::to_string(&secret).expect("serializes");
        assert_eq!(json, "\"Motdepasse-2026\"");
        assert_eq!(serde_json::from_str::<Secret>(&json).expect("decodes"), secret);
    }
}
