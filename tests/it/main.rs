//! The one integration-test binary.

mod introspect;
