//! The integration tests, in one binary: one module per area, sharing the
//! helpers in `support`.

mod source;
mod support;
mod tls;
