//! The one integration-test binary: one module per area, sharing the
//! helpers in `support`. Every test that touches SQL runs against a real
//! PostgreSQL cluster that the test starts itself.

mod cli;
mod compare;
mod compat;
mod conformance;
mod coverage;
mod deploy;
mod expand;
mod hostile;
mod introspect;
mod layouts;
mod online;
mod park;
mod pgdump;
mod random;
mod rename;
mod risk;
mod roles;
mod roundtrip;
mod secrets;
mod shadow_security;
mod source;
mod support;
mod tidy;
mod timeouts;
mod tls;
mod versions;
