//! Typed client of the Cartable portal contract (`docs/contract.md`).
