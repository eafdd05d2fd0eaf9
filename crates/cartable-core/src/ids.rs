//! The ids of the parent API (`docs/contract.md §6`): a child's, a school body's (the slugs of
//! `school_boards.json`) and a private school's, one type each so that one cannot be passed
//! where another is expected. Each is serialized as its text.
//!
//! ```
//! # use cartable_core::ids::{BoardId, ChildId, Org};
//! let child: ChildId = serde_json::from_str(r#""0b6f…""#).unwrap();
//! assert_eq!(child.as_str(), "0b6f…");
//! let org = Org::Board(BoardId::new("css-laval"));
//! assert_eq!((org.field(), org.id()), ("board_id", "css-laval"));
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares each id: a `String` newtype, serialized as the text, displayed as the text.
macro_rules! text_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id `text`, as the portal wrote it. Not checked: only the portal knows which
            /// ids exist, and it answers an unknown one with an error of its own.
            pub fn new(text: impl Into<String>) -> Self {
                Self(text.into())
            }

            /// The text, for a URL path, a query or a database column.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                Self(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self(text.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Found in a set or map by its text (hash, order and equality are the text's).
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        /// Compares with an id's text, e.g. a slug of `school_boards.json`.
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

text_ids! {
    /// A child's id in the portal, the same for every parent of that child (`docs/contract.md
    /// §6`; the reference portal uses the student's UUID in its registry, e.g. `0b6f3c1e-…`).
    /// Opaque to the app. The path parameter of
    /// `DELETE /api/v1/children/{id}` and `GET /api/v1/children/{id}/dossier`.
    ChildId;
    /// A school body's slug, the `id` of `school_boards.json` and the `board_id` of
    /// `docs/contract.md §6`: `css-…` (French centres de services scolaires and Littoral), `sb-…`
    /// (English boards), `ss-…` (Cree, Kativik), e.g. `css-laval`.
    BoardId;
    /// A private school's id, the `private_school_id` of `docs/contract.md §6`: `ps-<slug>`,
    /// e.g. `ps-college-sainte-anne`.
    PrivateSchoolId;
}

/// Where a child is enrolled: a school body or a private school (`docs/contract.md §6`). The wire
/// carries it as two fields, `board_id` and `private_school_id`, exactly one of them set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Org {
    /// A school body.
    Board(BoardId),
    /// A private school.
    PrivateSchool(PrivateSchoolId),
}

impl Org {
    /// The one of `(board_id, private_school_id)` that is set, as a child or a request carries
    /// them; `None` when both or neither are.
    pub fn from_fields(
        board_id: Option<&BoardId>,
        private_school_id: Option<&PrivateSchoolId>,
    ) -> Option<Self> {
        match (board_id, private_school_id) {
            (Some(board), None) => Some(Self::Board(board.clone())),
            (None, Some(school)) => Some(Self::PrivateSchool(school.clone())),
            _ => None,
        }
    }

    /// `(board_id, private_school_id)`, exactly one of them `Some`, borrowed.
    pub fn fields(&self) -> (Option<&BoardId>, Option<&PrivateSchoolId>) {
        match self {
            Self::Board(board) => (Some(board), None),
            Self::PrivateSchool(school) => (None, Some(school)),
        }
    }

    /// `(board_id, private_school_id)`, exactly one of them `Some`: the wire's two fields.
    pub fn into_fields(self) -> (Option<BoardId>, Option<PrivateSchoolId>) {
        match self {
            Self::Board(board) => (Some(board), None),
            Self::PrivateSchool(school) => (None, Some(school)),
        }
    }

    /// The name of the field that carries this kind of id: `board_id` or `private_school_id`
    /// (the wire's, and the registry's column).
    pub fn field(&self) -> &'static str {
        match self {
            Self::Board(_) => "board_id",
            Self::PrivateSchool(_) => "private_school_id",
        }
    }

    /// The slug or id.
    pub fn id(&self) -> &str {
        match self {
            Self::Board(board) => board.as_str(),
            Self::PrivateSchool(school) => school.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_org_is_exactly_one_of_the_two_fields() {
        let board = BoardId::new("css-laval");
        let school = PrivateSchoolId::new("ps-college-demo");
        let by_board = Org::from_fields(Some(&board), None).expect("one field");
        assert_eq!(by_board, Org::Board(board.clone()));
        assert_eq!(by_board.into_fields(), (Some(board.clone()), None));
        let by_school = Org::from_fields(None, Some(&school)).expect("one field");
        assert_eq!((by_school.field(), by_school.id()), ("private_school_id", "ps-college-demo"));
        assert_eq!(Org::from_fields(Some(&board), Some(&school)), None);
        assert_eq!(Org::from_fields(None, None), None);
    }

    #[test]
    fn ids_are_their_text_on_the_wire() {
        let id = ChildId::new("0b6f3c1e-5d2a-4c8e-9f1a-2b3c4d5e6f70");
        let json = serde_json::to_string(&id).expect("serializes");
        assert_eq!(json, r#""0b6f3c1e-5d2a-4c8e-9f1a-2b3c4d5e6f70""#);
        assert_eq!(serde_json::from_str::<ChildId>(&json).expect("decodes"), id);
        assert_eq!(id.to_string(), id.as_str());
    }
}
