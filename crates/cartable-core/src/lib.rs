//! Cartable's shared core: the portal's rules, wire types and IPC descriptors.
//!
//! Everything here builds for `wasm32-unknown-unknown` and native targets and does no I/O, so
//! the UI (live feedback), the client and the reference portal judge input the same way.
//! The contract these types implement is `docs/contract.md`.

pub mod birth_date;
pub mod boards;
pub mod code;
pub mod email;
pub mod error;
pub mod fold;
pub mod identifiers;
pub mod ids;
pub mod ipc;
pub mod name;
mod normal;
pub mod password;
pub mod secret;
pub mod social;
pub mod wire;

pub use birth_date::{BirthDate, BirthDateError};
pub use boards::{
    BoardKind, BoardLanguage, BoardNames, SchoolBoard, SchoolBoards, search_boards, search_by,
};
pub use code::{CodeError, VerificationCode};
#[cfg(feature = "idna")]
pub use email::Email;
pub use email::EmailError;
pub use error::{AppError, ErrorKind, Failure, Field};
pub use identifiers::{
    IdentifierError, Nip, NipError, PermanentCode, PermanentCodeError, PermanentCodeHint,
    StudentIdentifier, StudentNumber, StudentNumberError,
};
pub use ids::{BoardId, ChildId, Org, PrivateSchoolId};
pub use name::{NameError, PersonName};
pub use password::{PasswordFailure, PasswordPolicy, PasswordReport};
pub use secret::Secret;
pub use social::Provider;
