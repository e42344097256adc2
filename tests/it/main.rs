//! The one integration-test binary. Every test that touches SQL runs against
//! a real PostgreSQL cluster that the test starts itself.

mod introspect;
mod pgdump;
mod roundtrip;
