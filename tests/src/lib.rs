//! Cross-crate integration and end-to-end test harness.
