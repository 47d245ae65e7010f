//! Form handler.
