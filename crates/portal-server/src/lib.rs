//! Cartable's reference portal (`docs/contract.md`).
