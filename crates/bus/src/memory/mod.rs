//! The in-process implementation: the embedded default, where `serve` runs the worker too.
//! Same semantics as Redis inside one process; nothing survives a restart (the job rows in
//! the database do, and the app re-enqueues queued jobs at start-up).

mod events;
mod queue;

pub use events::MemoryEventBus;
pub use queue::MemoryJobQueue;
