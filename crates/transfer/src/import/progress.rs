//! Progress of running commits, per session, in this process: the API's `importSession(id)
//! { progress }` and the CLI's progress line read it while the commit's single transaction
//! runs (its rows are invisible to other connections until it commits, so the database
//! cannot tell). Another API instance polling sees only the session's status.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use serde::Serialize;

/// Listings written so far out of those planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

static RUNNING: LazyLock<Mutex<HashMap<String, Progress>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn with<T>(f: impl FnOnce(&mut HashMap<String, Progress>) -> T) -> T {
    // A panic while holding the lock leaves a plain map behind: still usable.
    let mut m = RUNNING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(&mut m)
}

/// The progress of session `id`'s commit, while one runs here.
pub fn get(id: &str) -> Option<Progress> {
    with(|m| m.get(id).copied())
}

pub(crate) fn set(id: &str, done: u64, total: u64) {
    with(|m| m.insert(id.to_owned(), Progress { done, total }));
}

pub(crate) fn clear(id: &str) {
    with(|m| m.remove(id));
}
