//! Shared rendering of `listingValuationUpdated`: one GraphQL execution per (document, event)
//! instead of one per subscriber and event.
//!
//! With thousands of subscribers running the same document, executing the selection set for
//! every delivery dominated the fan-out (crates/app/README.md, `just bench-live`). Subscribers
//! whose document, operation and caller role are identical, and whose selection set reads no
//! variable, receive the same payload for an event: the [`Group`] renders it once and every
//! member sends that text with its own subscription id. Filtering stays per subscriber (the
//! filter is the only part the variables may change).
//!
//! A shared subscription still starts through async-graphql (parse, validation, limits, the
//! resolver's own errors), with a [`Handover`](super::handover::Handover) in its request data: the resolver passes its
//! filtered event stream through it instead of returning it to async-graphql, and the
//! connection renders each event through the group.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
};
use async_graphql::{
    Data, Positioned, Request as GqlRequest, Response as GqlResponse, ServerError, Variables,
};
use bus::{BusEvent, BusMessage};
use domain::model::ApiRole;
use futures_util::stream::StreamExt;
use store::Store;
use tokio::sync::OnceCell;

use super::protocol::SubscribePayload;
use crate::auth::Caller;
use crate::http::classify;
use crate::loaders::loaders;
use crate::schema::DealBrainSchema;

/// The root field whose rendering is shared (the one thousands of clients watch at once).
const SHARED_FIELD: &str = "listingValuationUpdated";

/// Rendered events a group keeps: far more than one recalculation batch, so every member of a
/// group finds an event it is about to send already rendered.
const RENDERED_PER_GROUP: usize = 4_096;

/// What makes two subscriptions' payloads identical for the same event. The role is part of
/// it so that field visibility never crosses roles.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShareKey {
    query: String,
    operation_name: Option<String>,
    role: Option<ApiRole>,
}

/// The process's groups of subscriptions sharing their rendering.
#[derive(Default)]
pub struct Renderers {
    groups: Mutex<HashMap<ShareKey, Weak<Group>>>,
}

impl std::fmt::Debug for Renderers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.groups.lock().map(|g| g.len()).unwrap_or_default();
        f.debug_struct("Renderers").field("groups", &n).finish()
    }
}

impl Renderers {
    /// The sharing key of a subscription, when its rendering can be shared.
    pub fn key(&self, caller: &Caller, p: &SubscribePayload) -> Option<ShareKey> {
        if p.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
            // Extensions (persisted queries) may change what runs: not shared.
            return None;
        }
        let key = ShareKey {
            query: p.query.clone(),
            operation_name: p.operation_name.clone(),
            role: caller.role,
        };
        let known = lock(&self.groups)
            .get(&key)
            .is_some_and(|g| g.strong_count() > 0);
        (known || shareable(&p.query, p.operation_name.as_deref())).then_some(key)
    }

    /// The group of `key`, made from `template` when it has none. Called once the
    /// subscription's resolver has accepted its variables, so the group renders with
    /// variables known to be valid.
    pub fn join(&self, key: ShareKey, template: Template) -> Arc<Group> {
        let mut groups = lock(&self.groups);
        if let Some(g) = groups.get(&key).and_then(Weak::upgrade) {
            return g;
        }
        // Groups end with their last member: drop the dead entries before adding one.
        groups.retain(|_, g| g.strong_count() > 0);
        let group = Arc::new(Group {
            key: key.clone(),
            template,
            rendered: Mutex::new(Rendered::default()),
        });
        groups.insert(key, Arc::downgrade(&group));
        group
    }
}

/// What a group needs to execute its document for one event.
pub struct Template {
    pub schema: DealBrainSchema,
    pub store: Store,
    /// The first member's variables (they only feed the filter, which rendering skips).
    pub variables: Variables,
}

/// Subscriptions with the same [`ShareKey`]; renders each event once for all of them.
pub struct Group {
    key: ShareKey,
    template: Template,
    rendered: Mutex<Rendered>,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("variables", &self.variables)
            .finish()
    }
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self
            .rendered
            .lock()
            .map(|r| r.order.len())
            .unwrap_or_default();
        f.debug_struct("Group")
            .field("key", &self.key)
            .field("rendered", &n)
            .finish()
    }
}

/// One event's payload, rendered by the first member that needs it.
type Payload = Arc<OnceCell<Arc<str>>>;

/// Payloads by event (the event's address; the entry holds the event, so the address is not
/// reused while it is cached), oldest first in `order`.
#[derive(Default)]
struct Rendered {
    by_event: HashMap<usize, (Arc<BusEvent>, Payload)>,
    order: VecDeque<usize>,
}

impl Group {
    /// The `payload` JSON of a `next` message for `m`: rendered once per event; a `Resync` is
    /// rendered for each subscriber (its `missed` and `at` are its own).
    pub async fn payload(&self, m: BusMessage) -> Arc<str> {
        let BusMessage::Event(ev) = &m else {
            return self.render(m).await;
        };
        let cell = self.cell(ev);
        cell.get_or_init(|| self.render(m.clone())).await.clone()
    }

    fn cell(&self, ev: &Arc<BusEvent>) -> Payload {
        let at = Arc::as_ptr(ev).addr();
        let mut r = lock(&self.rendered);
        if let Some((_, cell)) = r.by_event.get(&at) {
            return cell.clone();
        }
        let cell = Arc::new(OnceCell::new());
        r.by_event.insert(at, (ev.clone(), cell.clone()));
        r.order.push_back(at);
        if r.order.len() > RENDERED_PER_GROUP
            && let Some(old) = r.order.pop_front()
        {
            r.by_event.remove(&old);
        }
        cell
    }

    /// Executes the group's document for `m` alone, as the role's caller; errors are
    /// classified as for any subscription result.
    async fn render(&self, m: BusMessage) -> Arc<str> {
        let t = &self.template;
        let mut req = GqlRequest::new(self.key.query.clone()).variables(t.variables.clone());
        if let Some(name) = &self.key.operation_name {
            req = req.operation_name(name.clone());
        }
        // Only the role: no resolver under this field reads who the caller is beyond it.
        let caller = Caller {
            role: self.key.role,
            ..Caller::default()
        };
        let req = req
            .data(caller)
            .data(loaders(t.store.clone()))
            .data(RenderOne(m));
        // A render is not an operation of its own: the subscriptions it serves are counted.
        let mut session = Data::default();
        session.insert(telemetry::graphql::Unmetered);
        let mut resp = t
            .schema
            .execute_stream_with_session_data(req, Arc::new(session))
            .next()
            .await
            .unwrap_or_else(|| {
                GqlResponse::from_errors(vec![ServerError::new("no result rendered", None)])
            });
        for e in &mut resp.errors {
            classify(e, false);
        }
        // Through `Value`, exactly as the unshared path encodes its payloads.
        Arc::from(
            serde_json::to_value(&resp)
                .unwrap_or_default()
                .to_string()
                .as_str(),
        )
    }
}

/// Request data of a render: the resolver yields this message, unfiltered, and ends.
#[derive(Debug)]
pub struct RenderOne(pub BusMessage);

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The maps stay consistent whatever panicked while holding them (plain inserts/removes).
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether every subscriber of `query` gets the same payload for an event: a subscription
/// operation of exactly `listingValuationUpdated`, no directive on the operation or the
/// field, and no variable anywhere but the field's `filter`. Anything else (including a
/// document that does not parse or would be refused) runs unshared, where async-graphql
/// reports it.
fn shareable(query: &str, operation_name: Option<&str>) -> bool {
    if crate::guard::unparsable(query).is_some() {
        return false;
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    let op = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), None) => op,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => match ops.values().next() {
            Some(op) => op,
            None => return false,
        },
        (DocumentOperations::Multiple(ops), Some(n)) => match ops.get(n) {
            Some(op) => op,
            None => return false,
        },
        _ => return false,
    };
    let op = &op.node;
    if op.ty != OperationType::Subscription || !op.directives.is_empty() {
        return false;
    }
    let [root] = op.selection_set.node.items.as_slice() else {
        return false;
    };
    let Selection::Field(field) = &root.node else {
        return false;
    };
    let f = &field.node;
    f.name.node.as_str() == SHARED_FIELD
        && f.directives.is_empty()
        && f.arguments.iter().all(|(n, _)| n.node.as_str() == "filter")
        && !selection_uses_variables(&f.selection_set.node)
        && !fragments_use_variables(&doc)
}

/// Whether a field's or directive's arguments name a variable. A macro because the parser's
/// value type is not exported by name.
macro_rules! args_use_variables {
    ($args:expr) => {
        $args.iter().any(|(_, v)| {
            v.node
                .clone()
                .into_const_with(|_| Err::<async_graphql::Value, ()>(()))
                .is_err()
        })
    };
}

fn directives_use_variables(d: &[Positioned<Directive>]) -> bool {
    d.iter().any(|d| args_use_variables!(d.node.arguments))
}

fn selection_uses_variables(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => {
            args_use_variables!(f.node.arguments)
                || directives_use_variables(&f.node.directives)
                || selection_uses_variables(&f.node.selection_set.node)
        }
        Selection::FragmentSpread(s) => directives_use_variables(&s.node.directives),
        Selection::InlineFragment(i) => {
            directives_use_variables(&i.node.directives)
                || selection_uses_variables(&i.node.selection_set.node)
        }
    })
}

/// Every fragment of the document, spread or not (simpler than following spreads, and a
/// document with an unused fragment is refused by validation anyway).
fn fragments_use_variables(doc: &ExecutableDocument) -> bool {
    doc.fragments.values().any(|f| {
        directives_use_variables(&f.node.directives)
            || selection_uses_variables(&f.node.selection_set.node)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "subscription($f: ValuationEventFilter) { listingValuationUpdated(filter: $f) { __typename ... on ListingValuationUpdate { listingId at } } }";

    #[test]
    fn only_variable_free_selections_of_the_valuation_field_are_shared() {
        assert!(shareable(DOC, None));
        assert!(shareable(
            "subscription S { u: listingValuationUpdated { ...F } } fragment F on ValuationMessage { __typename }",
            Some("S")
        ));
        for (doc, op) in [
            // Variables in the selection change the payload per subscriber.
            (
                "subscription($x: Boolean!) { listingValuationUpdated { __typename @include(if: $x) } }",
                None,
            ),
            (
                "subscription($x: Boolean!) { listingValuationUpdated { ...F } } fragment F on ValuationMessage { __typename @skip(if: $x) }",
                None,
            ),
            // Other fields, several roots, directives on the root, queries.
            ("subscription { dealAlerts { __typename } }", None),
            (
                "subscription { a: listingValuationUpdated { __typename } b: listingValuationUpdated { __typename } }",
                None,
            ),
            (
                "subscription($x: Boolean!) { listingValuationUpdated @include(if: $x) { __typename } }",
                None,
            ),
            ("query { health }", None),
            // Unparsable, or an operation name that does not pick exactly one operation.
            ("subscription {", None),
            (DOC, Some("Other")),
        ] {
            assert!(!shareable(doc, op), "{doc} should not be shared");
        }
    }

    #[test]
    fn roles_and_extensions_keep_subscriptions_apart() {
        let r = Renderers::default();
        let p = SubscribePayload {
            query: DOC.into(),
            operation_name: None,
            variables: None,
            extensions: None,
        };
        let as_role = |role| Caller {
            role,
            ..Caller::default()
        };
        let viewer = r.key(&as_role(Some(ApiRole::Viewer)), &p);
        assert!(viewer.is_some());
        assert_eq!(viewer, r.key(&as_role(Some(ApiRole::Viewer)), &p));
        assert_ne!(viewer, r.key(&as_role(Some(ApiRole::Admin)), &p));
        assert_ne!(viewer, r.key(&as_role(None), &p));
        let persisted = SubscribePayload {
            extensions: Some(serde_json::Map::from_iter([(
                "persistedQuery".to_owned(),
                serde_json::json!({"version": 1}),
            )])),
            ..p
        };
        assert_eq!(r.key(&as_role(None), &persisted), None);
    }
}
