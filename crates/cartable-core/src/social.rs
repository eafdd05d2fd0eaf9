//! The social providers of the browser sign-in (`docs/contract.md §5`).

use serde::{Deserialize, Serialize};

/// A social provider the portal can send the parent to, by its id (JSON: `google`,
/// `microsoft`, `facebook`, `linkedin`, `apple`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Google (`domain_hint` `google.com`).
    Google,
    /// Microsoft: Hotmail, Outlook (`live.com`).
    Microsoft,
    /// Facebook (`facebook.com`).
    Facebook,
    /// LinkedIn (`linkedin.com`).
    LinkedIn,
    /// Apple (`apple.com`), only where the portal offers it.
    Apple,
}

impl Provider {
    /// Every provider, in the portal's order.
    pub const ALL: [Provider; 5] =
        [Self::Google, Self::Microsoft, Self::Facebook, Self::LinkedIn, Self::Apple];

    /// The providers a portal offers by default: all but Apple, which a portal offers only where
    /// it is configured.
    pub const DEFAULT: [Provider; 4] =
        [Self::Google, Self::Microsoft, Self::Facebook, Self::LinkedIn];

    /// The id, as in JSON and in `CARTABLE_SOCIAL_PROVIDERS`, e.g. `linkedin`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Microsoft => "microsoft",
            Self::Facebook => "facebook",
            Self::LinkedIn => "linkedin",
            Self::Apple => "apple",
        }
    }

    /// The provider's name as its button shows it, e.g. `LinkedIn`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Microsoft => "Microsoft",
            Self::Facebook => "Facebook",
            Self::LinkedIn => "LinkedIn",
            Self::Apple => "Apple",
        }
    }

    /// The provider of an id, ignoring case; `None` for any other text.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id().eq_ignore_ascii_case(id))
    }

    /// The `domain_hint` the portal picks the provider by (`docs/contract.md §5`).
    pub fn domain_hint(self) -> &'static str {
        match self {
            Self::Google => "google.com",
            Self::Microsoft => "live.com",
            Self::Facebook => "facebook.com",
            Self::LinkedIn => "linkedin.com",
            Self::Apple => "apple.com",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_json_names_and_read_back() {
        for provider in Provider::ALL {
            let json = serde_json::to_value(provider).expect("serializes");
            assert_eq!(json, serde_json::json!(provider.id()));
            assert_eq!(Provider::from_id(&provider.id().to_uppercase()), Some(provider));
        }
        assert_eq!(Provider::from_id("myspace"), None);
        assert!(serde_json::from_value::<Provider>(serde_json::json!("myspace")).is_err());
    }
}
