//! The on-device store: SQLite records and a content-addressed blob directory.
