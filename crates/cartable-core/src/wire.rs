//! Wire types of the portal contract (`docs/contract.md`), shared by the client and the
//! reference portal so the two can never disagree on a field name.
//!
//! - [`identity`]: native-auth requests and answers and the identity error body (§§0–3);
//! - [`tokens`]: the token endpoint, revocation and discovery (§4);
//! - [`parent`]: the parent API and its problem details (§§5–6).

pub mod identity;
pub mod parent;
pub mod tokens;
