//! Unique and foreign-key violations become domain errors; cascade and SET NULL behave as the
//! schema says; migrations go up, down and up again.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use common::{Fixture, cpu, listing};
use domain::model::*;
use serde_json::json;
use store::StoreError;

fn assert_conflict<T: std::fmt::Debug>(r: Result<T, StoreError>, field: &str) {
    match r {
        Err(StoreError::Conflict { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected Conflict on {field}, got {other:?}"),
    }
}

async fn violations_are_domain_errors(f: Fixture) {
    let s = &f.store;
    let c = s
        .create_cpu(&cpu("Intel Core i7-8700", 13000))
        .await
        .unwrap();
    assert_conflict(s.create_cpu(&cpu("  INTEL core i7-8700 ", 1)).await, "name");
    let mut w = listing("Dell OptiPlex 7060", "199");
    w.data.cpu_id = Some(c.id);
    w.data.listing_url = Some("https://shop.example/x".into());
    let l = s.create_listing(&w).await.unwrap();
    // Same URL modulo host case and trailing slash.
    let mut dup = w.clone();
    dup.data.listing_url = Some("https://SHOP.example/x/".into());
    assert_conflict(s.create_listing(&dup).await, "listing_url");
    // Listings without URL never collide.
    s.create_listing(&listing("No URL one", "1")).await.unwrap();
    s.create_listing(&listing("No URL two", "1")).await.unwrap();
    // A missing CPU is NotFound, never a driver error.
    let mut missing = listing("Ghost CPU", "10");
    missing.data.cpu_id = Some(424242);
    assert!(matches!(
        s.create_listing(&missing).await,
        Err(StoreError::NotFound { .. })
    ));
    // A CPU in use cannot be deleted.
    let r = s.delete_cpu(c.id).await;
    assert!(
        matches!(r, Err(StoreError::InUse { .. })),
        "{r:?} {:?}",
        r.as_ref()
            .err()
            .and_then(|e| std::error::Error::source(e))
            .map(|s| format!("{s:?}"))
    );
    assert!(matches!(
        s.delete_cpu(999_999).await,
        Err(StoreError::NotFound { .. })
    ));
    // Schema checks are validation errors.
    let mut bad = listing("Negative", "1");
    bad.components = vec![ListingComponent {
        component_type: ComponentType::Ram,
        name: "x".into(),
        quantity: 0,
        metadata: json!({}),
    }];
    assert!(matches!(
        s.create_listing(&bad).await,
        Err(StoreError::Validation { .. })
    ));
    // Unique per group / per ruleset.
    let meta = ChangeMeta::default();
    let rs = s
        .create_ruleset(&RulesetData::new("R"), &meta)
        .await
        .unwrap();
    assert_conflict(
        s.create_ruleset(&RulesetData::new(" r "), &meta).await,
        "name",
    );
    let gd = RuleGroupData {
        ruleset_id: rs.id,
        name: "G".into(),
        category: "cpu".into(),
        description: None,
        display_order: 1,
        is_active: true,
        metadata: json!({}),
    };
    s.create_rule_group(&gd, &meta).await.unwrap();
    assert_conflict(s.create_rule_group(&gd, &meta).await, "name");
    assert!(matches!(
        s.create_rule_group(
            &RuleGroupData {
                ruleset_id: 9999,
                ..gd
            },
            &meta
        )
        .await,
        Err(StoreError::NotFound { .. })
    ));
    // Duplicate port line.
    let port = Port {
        port_type: PortType::UsbC,
        count: 1,
        spec_notes: String::new(),
    };
    let pd = PortsProfileData {
        name: "P".into(),
        description: None,
        attributes: json!({}),
        ports: vec![port.clone(), port],
    };
    assert_conflict(s.create_ports_profile(&pd).await, "port_type");
    // Internal errors never show driver text.
    let e = StoreError::internal("SELECT secret FROM x failed");
    assert_eq!(e.to_string(), "internal storage error");
    assert_eq!(s.listing(l.id).await.unwrap().map(|x| x.id), Some(l.id));
}

async fn cascade_and_set_null(f: Fixture) {
    let s = &f.store;
    let meta = ChangeMeta::default();
    let ram = s
        .get_or_create_ram_spec(&RamSpecData {
            ddr_generation: RamGeneration::Ddr4,
            total_capacity_gb: Some(16),
            ..Default::default()
        })
        .await
        .unwrap();
    let sp = s
        .get_or_create_storage_profile(&StorageProfileData {
            medium: StorageMedium::Nvme,
            capacity_gb: Some(512),
            ..Default::default()
        })
        .await
        .unwrap();
    let pp = s
        .create_ports_profile(&PortsProfileData {
            name: "PP".into(),
            description: None,
            attributes: json!({}),
            ports: vec![],
        })
        .await
        .unwrap();
    let rs = s
        .create_ruleset(&RulesetData::new("Pinned"), &meta)
        .await
        .unwrap();
    let other = s
        .create_ruleset(&RulesetData::new("Disabled"), &meta)
        .await
        .unwrap();
    let mut w = listing("Lenovo M720q", "150");
    w.data.ram_spec_id = Some(ram.id);
    w.data.primary_storage_profile_id = Some(sp.id);
    w.data.ports_profile_id = Some(pp.id);
    w.data.ruleset_id = Some(rs.id);
    w.disabled_ruleset_ids = vec![other.id];
    w.components = vec![ListingComponent {
        component_type: ComponentType::Ssd,
        name: "512GB".into(),
        quantity: 1,
        metadata: json!({}),
    }];
    let l = s.create_listing(&w).await.unwrap();

    s.delete_ram_spec(ram.id).await.unwrap();
    s.delete_storage_profile(sp.id).await.unwrap();
    s.delete_ports_profile(pp.id).await.unwrap();
    s.delete_ruleset(rs.id, &meta).await.unwrap();
    s.delete_ruleset(other.id, &meta).await.unwrap();
    let back = s.listing(l.id).await.unwrap().unwrap();
    assert_eq!(
        (
            back.data.ram_spec_id,
            back.data.primary_storage_profile_id,
            back.data.ports_profile_id,
            back.data.ruleset_id
        ),
        (None, None, None, None)
    );
    assert!(
        s.disabled_rulesets(&[l.id]).await.unwrap().is_empty(),
        "disabled link cascades"
    );

    // Ruleset → groups → rules → versions cascade; audit keeps rows with ids nulled.
    let rs = s
        .create_ruleset(&RulesetData::new("Gone"), &meta)
        .await
        .unwrap();
    let g = s
        .create_rule_group(
            &RuleGroupData {
                ruleset_id: rs.id,
                name: "G".into(),
                category: "c".into(),
                description: None,
                display_order: 1,
                is_active: true,
                metadata: json!({}),
            },
            &meta,
        )
        .await
        .unwrap();
    let r = s
        .create_rule(
            &RuleData {
                group_id: g.id,
                name: "R".into(),
                description: None,
                evaluation_order: 1,
                is_active: true,
                conditions: None,
                actions: json!([]),
                metadata: json!({}),
                created_by: None,
            },
            &meta,
        )
        .await
        .unwrap();
    s.delete_ruleset(rs.id, &meta).await.unwrap();
    assert_eq!(s.rule(r.id).await.unwrap(), None);
    assert!(s.rule_groups(rs.id).await.unwrap().is_empty());
    assert!(s.rule_versions(r.id).await.unwrap().is_empty());
    let audit = s.rule_audit(None, 100).await.unwrap();
    assert!(
        audit
            .iter()
            .all(|a| a.rule_id.is_none() && a.group_id.is_none() && a.ruleset_id.is_none())
    );

    // Listing delete cascades components, scores and history.
    let p = s
        .create_scoring_profile(&ScoringProfileData {
            name: "S".into(),
            description: None,
            weights: json!({}),
            is_default: false,
        })
        .await
        .unwrap();
    s.upsert_listing_scores(p.id, &[(l.id, None)])
        .await
        .unwrap();
    s.delete_listing(l.id).await.unwrap();
    assert!(s.listing_components(&[l.id]).await.unwrap().is_empty());
    assert!(s.listing_scores(p.id, &[l.id]).await.unwrap().is_empty());
}

async fn migrations_up_down_up(f: Fixture) {
    let s = &f.store;
    let status = s.migration_status().await.unwrap();
    assert!(status.len() >= 7 && status.iter().all(|m| m.applied));
    s.create_cpu(&cpu("Before", 1)).await.unwrap();
    s.migrate_down(None).await.unwrap();
    assert!(
        s.migration_status()
            .await
            .unwrap()
            .iter()
            .all(|m| !m.applied)
    );
    assert!(s.cpu(1).await.is_err(), "tables are gone");
    s.migrate_up().await.unwrap();
    assert!(
        s.migration_status()
            .await
            .unwrap()
            .iter()
            .all(|m| m.applied)
    );
    assert_eq!(s.cpu_by_name("Before").await.unwrap(), None, "fresh tables");
    s.create_cpu(&cpu("After", 1)).await.unwrap();
    assert_breakdown_compression(&f.db.url, "l").await;
    s.migrate_down(Some(1)).await.unwrap();
    assert_breakdown_compression(&f.db.url, "p").await;
    s.migrate_up().await.unwrap();
    assert_breakdown_compression(&f.db.url, "l").await;
}

/// On PostgreSQL, the breakdown column's compression method (`l` LZ4, `p` pglz); nothing to
/// check on SQLite.
async fn assert_breakdown_compression(url: &str, method: &str) {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    let conn = Database::connect(url).await.unwrap();
    if conn.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT attcompression::text AS m FROM pg_attribute \
             WHERE attrelid = 'listing_valuations'::regclass AND attname = 'valuation_breakdown'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "m").unwrap(), method);
}

both!(
    violations_are_domain_errors,
    cascade_and_set_null,
    migrations_up_down_up
);
