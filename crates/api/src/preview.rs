//! The rule preview (an unsaved rule over a sample of listings) and the rule-builder
//! metadata (context roots, fields, operators, action types).

use async_graphql::Json;
use chrono::Utc;
use domain::valuation::{GroupSpec, Plan, RuleSpec, RulesetSpec, validate_rule};
use rust_decimal::Decimal;
use store::revalue::Valuer;
use store::{ListingSort, PageRequest};

use crate::error::ApiResultExt;
use crate::inputs::ListingFilterInput;
use crate::types::analysis::*;
use crate::types::listing::Listing;

/// Evaluates an unsaved rule over up to `sample_size` listings (nothing written).
pub(crate) async fn preview(
    s: &store::Store,
    conditions: Option<Json<serde_json::Value>>,
    actions: Json<serde_json::Value>,
    sample_size: i32,
    filter: Option<ListingFilterInput>,
) -> async_graphql::Result<RulePreview> {
    let valuer = Valuer::load(s).await.api()?;
    let conditions = conditions.map(|c| c.0).filter(|c| !c.is_null());
    validate_rule(conditions.as_ref(), &actions.0, &valuer.registry).api()?;
    let spec = RulesetSpec {
        id: 0,
        name: "preview".into(),
        priority: 0,
        created_at: Utc::now(),
        is_active: true,
        metadata: serde_json::json!({}),
        conditions: None,
        groups: vec![GroupSpec {
            id: 0,
            name: "preview".into(),
            display_order: 0,
            is_active: true,
            rules: vec![RuleSpec {
                id: 0,
                name: "preview".into(),
                evaluation_order: 0,
                is_active: true,
                conditions,
                actions: actions.0,
            }],
        }],
    };
    let plan = Plan::compile(&[spec], &valuer.registry);
    let f = filter.unwrap_or_default().to_store().api()?;
    let want = u64::try_from(sample_size).unwrap_or(100);
    let mut listings = Vec::new();
    let mut req = PageRequest::first(want.min(500));
    loop {
        let page = s
            .list_listings(&f, ListingSort::default(), &req)
            .await
            .api()?;
        listings.extend(page.items);
        let left = want.saturating_sub(listings.len() as u64);
        match (page.has_next && left > 0, page.cursors.last()) {
            (true, Some(c)) => req = PageRequest::after(left.min(500), c.clone()),
            _ => break,
        }
    }
    let prepared = Valuer::contexts(s, &listings).await.api()?;
    let mut out = RulePreview {
        evaluated: 0,
        matched: 0,
        errors: 0,
        total_adjustment: Decimal::ZERO,
        average_adjustment: None,
        min_adjustment: None,
        max_adjustment: None,
        samples: Vec::new(),
    };
    for l in listings {
        let Some(p) = prepared.get(&l.id) else {
            continue;
        };
        let o = plan.evaluate(&p.ctx, l.data.price_usd, &Default::default());
        out.evaluated += 1;
        let Some(r) = o.rules.first() else { continue };
        if r.error.is_some() {
            out.errors += 1;
        }
        if !r.matched {
            continue;
        }
        out.matched += 1;
        out.total_adjustment += r.adjustment;
        out.min_adjustment = Some(
            out.min_adjustment
                .map_or(r.adjustment, |m| m.min(r.adjustment)),
        );
        out.max_adjustment = Some(
            out.max_adjustment
                .map_or(r.adjustment, |m| m.max(r.adjustment)),
        );
        if out.samples.len() < 10 {
            out.samples.push(RulePreviewSample {
                adjustment: r.adjustment.round_dp(4),
                listing: Listing(l),
            });
        }
    }
    if out.matched > 0 {
        out.average_adjustment =
            Some((out.total_adjustment / Decimal::from(out.matched)).round_dp(4));
    }
    out.total_adjustment = out.total_adjustment.round_dp(4);
    Ok(out)
}

/// Context roots, fields (custom included), operators and action types.
pub(crate) async fn rule_builder(s: &store::Store) -> async_graphql::Result<RuleBuilderMetadata> {
    let fields = s
        .custom_fields(domain::model::CustomFieldEntity::Listing, false)
        .await
        .api()?;
    let f = |root: &str, names: &[&str], t: &str| RuleEntity {
        key: root.to_owned(),
        fields: names
            .iter()
            .map(|n| RuleField {
                path: format!("{root}.{n}"),
                value_type: t.to_owned(),
            })
            .collect(),
    };
    // The engine's own field table, so the builder offers exactly the paths rules may use.
    let mut entities: Vec<RuleEntity> = domain::context::root_fields()
        .map(|(root, names)| f(root, names, if root == "ports" { "number" } else { "core" }))
        .collect();
    entities.push(RuleEntity {
        key: "custom".into(),
        fields: fields
            .iter()
            .filter(|d| d.data.is_active)
            .map(|d| RuleField {
                path: format!("custom.{}", d.data.key),
                value_type: d.data.data_type.as_str().to_owned(),
            })
            .collect(),
    });
    let strs = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
    Ok(RuleBuilderMetadata {
        entities,
        operators: strs(domain::condition::OPERATORS),
        logical_operators: strs(&["and", "or", "not"]),
        action_types: strs(domain::action::ACTION_TYPES),
        metric_aliases: domain::action::METRIC_ALIASES
            .iter()
            .map(|(alias, _)| (*alias).to_owned())
            .collect(),
    })
}
