//! GraphQL object types. Each wraps a `domain::model` record (never a database entity).

pub mod analysis;
pub mod breakdown;
pub mod catalogue;
pub mod connection;
pub mod enums;
pub mod jobs;
pub mod listing;
pub mod rules;
pub mod scalars;
