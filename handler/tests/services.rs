//! Tests against real servers (placeholder while the suite is written).
