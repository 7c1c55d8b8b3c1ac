//! Sample data (filled below).
