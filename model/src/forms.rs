//! Form definitions (content/forms/*.toml): one source for the page's form and the handler's
//! validation. Owned by the forms work; see ARCHITECTURE.md.
