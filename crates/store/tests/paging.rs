//! Keyset paging: stable under inserts, every sort key, NULLs last, filters.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use std::collections::HashSet;

use common::{Fixture, cpu, dec, listing, valuation};
use domain::model::*;
use serde_json::json;
use store::{ListingFilter, ListingSort, ListingSortKey, PageRequest, StoreError};

async fn walk(f: &Fixture, filter: &ListingFilter, sort: ListingSort, size: u64) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut req = PageRequest::first(size);
    loop {
        let page = f.store.list_listings(filter, sort, &req).await.unwrap();
        ids.extend(page.items.iter().map(|l| l.id));
        match (page.has_next, page.end_cursor()) {
            (true, Some(c)) => req = PageRequest::after(size, c),
            _ => return ids,
        }
    }
}

async fn paging_is_stable_under_inserts(f: Fixture) {
    let s = &f.store;
    let mut originals = Vec::new();
    for i in 0..25 {
        // Duplicate prices so the id tiebreak matters.
        let l = s
            .create_listing(&listing(
                &format!("Listing {i:02}"),
                &format!("{}.50", 100 + (i % 7) * 10),
            ))
            .await
            .unwrap();
        originals.push(l.id);
    }
    let sort = ListingSort::asc(ListingSortKey::Price);
    let filter = ListingFilter::default();
    let mut seen = Vec::new();
    let mut req = PageRequest::first(6);
    let mut round = 0;
    loop {
        let page = s.list_listings(&filter, sort, &req).await.unwrap();
        seen.extend(page.items.iter().map(|l| (l.data.price_usd, l.id)));
        // Inserts before and after the cursor while we page.
        s.create_listing(&listing(&format!("Cheap {round}"), "1.00"))
            .await
            .unwrap();
        s.create_listing(&listing(&format!("Dear {round}"), "9999.00"))
            .await
            .unwrap();
        round += 1;
        match (page.has_next, page.end_cursor()) {
            (true, Some(c)) => req = PageRequest::after(6, c),
            _ => break,
        }
    }
    let ids: Vec<i64> = seen.iter().map(|x| x.1).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "no duplicates"
    );
    assert!(
        originals.iter().all(|o| ids.contains(o)),
        "every original row seen once"
    );
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "ordered by (price, id)"
    );
}

async fn sorts_nulls_last_and_descending(f: Fixture) {
    let s = &f.store;
    let mut ids = Vec::new();
    for i in 0..9 {
        ids.push(
            s.create_listing(&listing(&format!("Box {i}"), "100"))
                .await
                .unwrap()
                .id,
        );
    }
    // Value 6 of 9; three stay unvalued (NULL adjusted price).
    let updates: Vec<ValuationUpdate> = ids[..6]
        .iter()
        .enumerate()
        .map(|(i, id)| ValuationUpdate {
            listing_id: *id,
            valuation: valuation(&format!("{}", 50 + (i % 3) * 25)),
            cause: ValuationCause::Manual,
            job_id: None,
        })
        .collect();
    s.bulk_update_valuations(&updates).await.unwrap();
    for descending in [false, true] {
        let sort = ListingSort {
            key: ListingSortKey::AdjustedPrice,
            descending,
        };
        let got = walk(&f, &ListingFilter::default(), sort, 2).await;
        assert_eq!(got.len(), 9);
        assert_eq!(got.iter().collect::<HashSet<_>>().len(), 9);
        let tail: HashSet<i64> = got[6..].iter().copied().collect();
        assert_eq!(
            tail,
            ids[6..].iter().copied().collect(),
            "NULLs last ({descending})"
        );
        let all = s.listings_by_ids(&got).await.unwrap();
        let prices: Vec<_> = got[..6]
            .iter()
            .map(|id| all[id].valuation.adjusted_price_usd)
            .collect();
        let mut sorted = prices.clone();
        sorted.sort();
        if descending {
            sorted.reverse();
        }
        assert_eq!(prices, sorted);
    }
    for key in [
        ListingSortKey::Id,
        ListingSortKey::Title,
        ListingSortKey::CreatedAt,
        ListingSortKey::UpdatedAt,
        ListingSortKey::ScoreComposite,
        ListingSortKey::DollarPerMarkMultiAdjusted,
        ListingSortKey::PerfPerWatt,
    ] {
        for descending in [false, true] {
            let got = walk(
                &f,
                &ListingFilter::default(),
                ListingSort { key, descending },
                4,
            )
            .await;
            assert_eq!(
                got.iter().collect::<HashSet<_>>().len(),
                9,
                "{key:?} {descending}"
            );
        }
    }
    let page = s
        .list_listings(
            &ListingFilter::default(),
            ListingSort::asc(ListingSortKey::Price),
            &PageRequest::first(2),
        )
        .await
        .unwrap();
    let wrong = PageRequest::after(2, page.end_cursor().unwrap());
    let r = s
        .list_listings(
            &ListingFilter::default(),
            ListingSort::desc(ListingSortKey::Price),
            &wrong,
        )
        .await;
    assert!(
        matches!(r, Err(StoreError::Validation { .. })),
        "cursor of another sort"
    );
    assert!(matches!(
        s.list_listings(
            &ListingFilter::default(),
            ListingSort::default(),
            &PageRequest::after(2, "zz")
        )
        .await,
        Err(StoreError::Validation { .. })
    ));
}

async fn filters(f: Fixture) {
    let s = &f.store;
    let intel = s.create_cpu(&cpu("Core i5-10500T", 11000)).await.unwrap();
    let mut amd = cpu("Ryzen 7 5700U", 16000);
    amd.manufacturer = "AMD".into();
    let amd = s.create_cpu(&amd).await.unwrap();
    let mk = |title: &str,
              price: &str,
              cpu_id: i64,
              ff: &str,
              ram: i32,
              cond: Condition,
              attrs: serde_json::Value| {
        let mut w = listing(title, price);
        w.data.cpu_id = Some(cpu_id);
        w.data.form_factor = Some(ff.into());
        w.data.manufacturer = Some("HP".into());
        w.data.ram_gb = Some(ram);
        w.data.condition = cond;
        w.data.attributes = attrs;
        w
    };
    let a = s
        .create_listing(&mk(
            "HP ProDesk 100% working",
            "120",
            intel.id,
            "SFF",
            8,
            Condition::Used,
            json!({"warranty": "1y"}),
        ))
        .await
        .unwrap();
    let b = s
        .create_listing(&mk(
            "HP ProDesk mini_pc",
            "220",
            amd.id,
            "Tiny",
            16,
            Condition::Refurb,
            json!({"warranty": "2y", "bay": 2}),
        ))
        .await
        .unwrap();
    let c = s
        .create_listing(&mk(
            "HP EliteDesk 1000 working",
            "320",
            amd.id,
            "SFF",
            32,
            Condition::New,
            json!({}),
        ))
        .await
        .unwrap();
    let all = |f: ListingFilter| async move { walk_ids(s, f).await };
    assert_eq!(
        all(ListingFilter {
            search: Some("100%".into()),
            ..Default::default()
        })
        .await,
        vec![a.id],
        "% is literal"
    );
    assert_eq!(
        all(ListingFilter {
            search: Some("i_p".into()),
            ..Default::default()
        })
        .await,
        vec![b.id],
        "_ is literal"
    );
    assert_eq!(
        all(ListingFilter {
            search: Some("PRODESK".into()),
            ..Default::default()
        })
        .await,
        vec![a.id, b.id]
    );
    assert_eq!(
        all(ListingFilter {
            price_min: Some(dec("200")),
            price_max: Some(dec("320")),
            ..Default::default()
        })
        .await,
        vec![b.id, c.id]
    );
    assert_eq!(
        all(ListingFilter {
            cpu_manufacturer: Some("amd".into()),
            ..Default::default()
        })
        .await,
        vec![b.id, c.id]
    );
    assert_eq!(
        all(ListingFilter {
            form_factor: Some("SFF".into()),
            min_ram_gb: Some(16),
            ..Default::default()
        })
        .await,
        vec![c.id]
    );
    assert_eq!(
        all(ListingFilter {
            conditions: vec![Condition::New, Condition::Used],
            ..Default::default()
        })
        .await,
        vec![a.id, c.id]
    );
    assert_eq!(
        all(ListingFilter {
            cpu_ids: vec![intel.id],
            manufacturer: Some("HP".into()),
            ..Default::default()
        })
        .await,
        vec![a.id]
    );
    assert_eq!(
        all(ListingFilter {
            custom: vec![("warranty".into(), json!("2y"))],
            ..Default::default()
        })
        .await,
        vec![b.id]
    );
    assert_eq!(
        all(ListingFilter {
            custom: vec![("bay".into(), json!(2))],
            ..Default::default()
        })
        .await,
        vec![b.id]
    );
    assert_eq!(
        all(ListingFilter {
            statuses: vec![ListingStatus::Archived],
            ..Default::default()
        })
        .await,
        Vec::<i64>::new()
    );
}

/// The ids matching `f` (one page suffices here); the filtered COUNT must agree with them.
async fn walk_ids(s: &store::Store, f: ListingFilter) -> Vec<i64> {
    let ids: Vec<i64> = s
        .list_listings(&f, ListingSort::default(), &PageRequest::first(100))
        .await
        .unwrap()
        .items
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(
        s.count_matching_listings(&f).await.unwrap(),
        ids.len() as u64,
        "{f:?}"
    );
    ids
}

both!(
    paging_is_stable_under_inserts,
    sorts_nulls_last_and_descending,
    filters
);
