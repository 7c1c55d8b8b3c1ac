//! Round trip of every aggregate, on both backends.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use common::{Fixture, cpu, dec, listing};
use domain::model::*;
use serde_json::json;
use store::PageRequest;

async fn catalogue_round_trip(f: Fixture) {
    let s = &f.store;
    let c = s
        .create_cpu(&cpu("Intel Core i5-12400", 19500))
        .await
        .unwrap();
    assert_eq!(s.cpu(c.id).await.unwrap(), Some(c.clone()));
    assert_eq!(
        s.cpu_by_name("  intel core I5-12400 ")
            .await
            .unwrap()
            .map(|x| x.id),
        Some(c.id)
    );
    let mut d = c.data.clone();
    d.notes = Some("updated".into());
    d.attributes = json!({"turbo_ghz": 4.4});
    let c2 = s.update_cpu(c.id, &d).await.unwrap();
    assert_eq!(c2.data, d);
    assert_eq!(s.cpus_by_ids(&[c.id, 999]).await.unwrap().len(), 1);

    let g = s
        .create_gpu(&GpuData {
            name: "RTX 3050".into(),
            manufacturer: "NVIDIA".into(),
            gpu_mark: Some(12800),
            attributes: json!({}),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(s.gpu(g.id).await.unwrap(), Some(g.clone()));
    assert_eq!(s.gpus_by_ids(&[g.id]).await.unwrap()[&g.id], g);

    let ports = vec![
        Port {
            port_type: PortType::UsbA,
            count: 4,
            spec_notes: "USB 3.2".into(),
        },
        Port {
            port_type: PortType::Hdmi,
            count: 1,
            spec_notes: String::new(),
        },
    ];
    let p = s
        .create_ports_profile(&PortsProfileData {
            name: "Mini PC".into(),
            description: None,
            attributes: json!({}),
            ports: ports.clone(),
        })
        .await
        .unwrap();
    assert_eq!(p.data.ports, ports);
    let p2 = s
        .update_ports_profile(
            p.id,
            &PortsProfileData {
                ports: ports[..1].to_vec(),
                ..p.data.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(p2.data.ports.len(), 1);

    let ram = RamSpecData {
        ddr_generation: RamGeneration::Ddr5,
        speed_mhz: Some(5600),
        module_count: Some(2),
        capacity_per_module_gb: Some(16),
        ..Default::default()
    };
    let r = s.get_or_create_ram_spec(&ram).await.unwrap();
    assert_eq!(r.data.total_capacity_gb, Some(32));
    assert_eq!(r.data.label.as_deref(), Some("DDR5 5600MHz 32GB (2x16GB)"));
    assert_eq!(
        s.get_or_create_ram_spec(&ram).await.unwrap().id,
        r.id,
        "get-or-create"
    );

    let st = StorageProfileData {
        medium: StorageMedium::Nvme,
        capacity_gb: Some(1024),
        form_factor: Some("M.2 2280".into()),
        ..Default::default()
    };
    let sp = s.get_or_create_storage_profile(&st).await.unwrap();
    assert_eq!(sp.data.label.as_deref(), Some("NVME · 1024GB · M.2 2280"));
    assert_eq!(
        s.get_or_create_storage_profile(&st).await.unwrap().id,
        sp.id
    );
    assert_eq!(
        s.cpus(&PageRequest::first(10)).await.unwrap().items.len(),
        1
    );
}

async fn listing_round_trip(f: Fixture) {
    let s = &f.store;
    let c = s.create_cpu(&cpu("Ryzen 5 5600G", 19800)).await.unwrap();
    let rs = s
        .create_ruleset(&RulesetData::new("Extra"), &ChangeMeta::default())
        .await
        .unwrap();
    let mut w = listing("HP EliteDesk 805 G8", "349.90");
    w.data.cpu_id = Some(c.id);
    w.data.listing_url = Some("https://Example.com/item/1/".into());
    w.data.attributes = json!({"warranty": "1y"});
    w.data.price_date = Some(
        chrono::DateTime::parse_from_rfc3339("2025-01-02T03:04:05.123456Z")
            .unwrap()
            .to_utc(),
    );
    w.components = vec![ListingComponent {
        component_type: ComponentType::Wifi,
        name: "AX200".into(),
        quantity: 1,
        metadata: json!({}),
    }];
    w.disabled_ruleset_ids = vec![rs.id];
    let l = s.create_listing(&w).await.unwrap();
    assert_eq!(l.data, w.data);
    assert_eq!(l.data.price_usd, dec("349.90"));
    let back = s.listing(l.id).await.unwrap().unwrap();
    assert_eq!(back, l);
    assert_eq!(
        back.data.price_usd.to_string(),
        "349.90",
        "money keeps its 2 places"
    );
    assert_eq!(
        s.listing_components(&[l.id]).await.unwrap()[&l.id],
        w.components
    );
    assert_eq!(
        s.disabled_rulesets(&[l.id]).await.unwrap()[&l.id],
        vec![rs.id]
    );
    let mut w2 = w.clone();
    w2.data.price_usd = dec("299");
    w2.components.clear();
    let l2 = s.update_listing(l.id, &w2).await.unwrap();
    assert_eq!(l2.data.price_usd, dec("299.00"));
    assert!(s.listing_components(&[l.id]).await.unwrap().is_empty());
    s.delete_listing(l.id).await.unwrap();
    assert_eq!(s.listing(l.id).await.unwrap(), None);
}

async fn rules_round_trip(f: Fixture) {
    let s = &f.store;
    let meta = ChangeMeta {
        actor: Some("tester".into()),
        summary: Some("first".into()),
        impact: None,
    };
    let rs = s
        .create_ruleset(&RulesetData::new("Default"), &meta)
        .await
        .unwrap();
    let g = s
        .create_rule_group(
            &RuleGroupData {
                ruleset_id: rs.id,
                name: "RAM".into(),
                category: "ram".into(),
                description: None,
                display_order: 10,
                is_active: true,
                metadata: json!({}),
            },
            &meta,
        )
        .await
        .unwrap();
    let data = RuleData {
        group_id: g.id,
        name: "Per GB".into(),
        description: None,
        evaluation_order: 100,
        is_active: true,
        conditions: Some(
            json!({"logic": "and", "conditions": [{"field": "ram_gb", "operator": "gte", "value": 16}]}),
        ),
        actions: json!([{"type": "per_unit", "metric": "per_gb", "value": 2.5}]),
        metadata: json!({}),
        created_by: None,
    };
    let r = s.create_rule(&data, &meta).await.unwrap();
    assert_eq!(r.version, 1);
    assert_eq!(s.rule(r.id).await.unwrap(), Some(r.clone()));
    let r2 = s
        .update_rule(
            r.id,
            &RuleData {
                name: "Per GB RAM".into(),
                ..data.clone()
            },
            &meta,
        )
        .await
        .unwrap();
    assert_eq!(r2.version, 2);
    let versions = s.rule_versions(r.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(versions[1].snapshot["name"], json!("Per GB RAM"));
    let audit = s.rule_audit(Some(rs.id), 10).await.unwrap();
    let actions: Vec<_> = audit.iter().map(|a| a.action).collect();
    assert_eq!(
        actions,
        vec![
            RuleAuditAction::RuleUpdated,
            RuleAuditAction::RuleCreated,
            RuleAuditAction::GroupCreated,
            RuleAuditAction::RulesetCreated
        ]
    );
    assert_eq!(audit[0].changes["before"]["version"], json!(1));
    assert_eq!(s.rules_of_groups(&[g.id]).await.unwrap(), vec![r2]);
    assert_eq!(s.rulesets(true).await.unwrap().len(), 1);
    s.delete_rule(r.id, &meta).await.unwrap();
    assert!(s.rule_versions(r.id).await.unwrap().is_empty());
    let audit = s.rule_audit(Some(rs.id), 10).await.unwrap();
    assert_eq!(audit[0].action, RuleAuditAction::RuleDeleted);
    assert_eq!(audit[0].rule_id, None, "SET NULL once the rule is gone");
}

async fn support_round_trip(f: Fixture) {
    let s = &f.store;
    let p = s
        .create_scoring_profile(&ScoringProfileData {
            name: "Proxmox".into(),
            description: None,
            weights: json!({"cpu_mark_multi": 0.5}),
            is_default: true,
        })
        .await
        .unwrap();
    let q = s
        .create_scoring_profile(&ScoringProfileData {
            name: "Plex".into(),
            description: None,
            weights: json!({}),
            is_default: true,
        })
        .await
        .unwrap();
    assert!(
        !s.scoring_profile(p.id)
            .await
            .unwrap()
            .unwrap()
            .data
            .is_default,
        "one default"
    );
    assert_eq!(
        s.default_scoring_profile().await.unwrap().map(|x| x.id),
        Some(q.id)
    );
    s.set_default_scoring_profile(p.id).await.unwrap();
    assert_eq!(
        s.default_scoring_profile().await.unwrap().map(|x| x.id),
        Some(p.id)
    );
    let l = s
        .create_listing(&listing("Some listing", "100"))
        .await
        .unwrap();
    s.upsert_listing_scores(p.id, &[(l.id, Some(dec("1234.56789")))])
        .await
        .unwrap();
    s.upsert_listing_scores(p.id, &[(l.id, Some(dec("10")))])
        .await
        .unwrap();
    assert_eq!(
        s.listing_scores(p.id, &[l.id]).await.unwrap()[&l.id].score,
        Some(dec("10"))
    );

    let field = CustomFieldData {
        entity: CustomFieldEntity::Listing,
        key: "warranty".into(),
        label: "Warranty".into(),
        data_type: CustomFieldType::Enum,
        description: None,
        required: false,
        default_value: None,
        options: Some(json!(["1y", "2y"])),
        validation: None,
        is_active: true,
        is_locked: false,
        visibility: Visibility::Public,
        display_order: 100,
        created_by: None,
        deleted_at: None,
    };
    let cf = s.create_custom_field(&field).await.unwrap();
    assert_eq!(cf.data, field);
    s.add_custom_field_audit(
        Some(cf.id),
        CustomFieldEntity::Listing,
        "warranty",
        "created",
        None,
        json!({}),
    )
    .await
    .unwrap();
    s.add_attribute_history(
        Some(cf.id),
        CustomFieldEntity::Listing,
        l.id,
        "warranty",
        Some(json!("1y")),
        "field_deleted",
    )
    .await
    .unwrap();
    assert_eq!(
        s.attribute_history(CustomFieldEntity::Listing, l.id)
            .await
            .unwrap()
            .len(),
        1
    );

    let set = s
        .set_setting(
            "valuation_thresholds",
            json!({"good_deal": 15}),
            None,
            Some("admin"),
        )
        .await
        .unwrap();
    assert_eq!(set.value, json!({"good_deal": 15}));
    assert_eq!(
        s.set_setting("valuation_thresholds", json!({"good_deal": 20}), None, None)
            .await
            .unwrap()
            .value,
        json!({"good_deal": 20})
    );

    let t = s
        .create_api_token("ci", "dbk_secret", ApiRole::Editor, None, None)
        .await
        .unwrap();
    assert_eq!(t.token_hash.len(), 64);
    assert_ne!(t.token_hash, "dbk_secret");
    assert_eq!(
        s.api_token_by_secret("dbk_secret")
            .await
            .unwrap()
            .map(|x| x.id),
        Some(t.id)
    );
    assert!(s.revoke_api_token(t.id).await.unwrap().revoked_at.is_some());

    let now = chrono::Utc::now();
    let job = RecalculationJob {
        id: "6f1c1f5e-1d2b-4c3a-9e8f-0a1b2c3d4e5f".into(),
        causes: json!(["manual"]),
        scope: json!({"all": true}),
        work: JobWork::Full,
        status: JobStatus::Queued,
        batch_size: 100,
        total: 0,
        processed: 0,
        changed: 0,
        failed: 0,
        coalesced_into: None,
        requested_by: None,
        attempts: 0,
        not_before: None,
        started_at: None,
        finished_at: None,
        error: None,
        created_at: now,
        updated_at: now,
    };
    s.save_job(&job).await.unwrap();
    assert!(
        s.transition_job(&job.id, JobStatus::Queued, JobStatus::Running)
            .await
            .unwrap()
    );
    assert!(
        !s.transition_job(&job.id, JobStatus::Queued, JobStatus::Running)
            .await
            .unwrap(),
        "compare-and-set"
    );
    assert_eq!(
        s.job(&job.id).await.unwrap().unwrap().status,
        JobStatus::Running
    );

    let session = ImportSession {
        id: "1f1c1f5e-1d2b-4c3a-9e8f-0a1b2c3d4e5f".into(),
        filename: "a.csv".into(),
        content_type: "text/csv".into(),
        byte_size: 10,
        checksum: "0".repeat(64),
        storage_ref: "mem:1".into(),
        status: ImportStatus::MappingRequired,
        sheets: json!([]),
        mappings: json!({}),
        preview: json!({}),
        conflicts: json!({}),
        attached_fields: json!([]),
        resolutions: json!({}),
        result: None,
        error: None,
        created_by: None,
        expires_at: now + chrono::Duration::days(7),
        created_at: now,
        updated_at: now,
    };
    let saved = s.save_import_session(&session).await.unwrap();
    assert_eq!(saved.status, ImportStatus::MappingRequired);
    s.save_import_session(&ImportSession {
        status: ImportStatus::Ready,
        ..session.clone()
    })
    .await
    .unwrap();
    assert_eq!(
        s.import_session(&session.id).await.unwrap().unwrap().status,
        ImportStatus::Ready
    );
    s.add_import_audit(&session.id, "uploaded", None, json!({}))
        .await
        .unwrap();
}

both!(
    catalogue_round_trip,
    listing_round_trip,
    rules_round_trip,
    support_round_trip
);
