//! The board-column sort keys (Δ, Δ %, deal class, CPU, GPU, RAM, storage, form factor) and
//! the board rank: the order each gives, NULLs last, forward and backward walks that agree,
//! and the board rank matching `deal_board` so cursor pages can continue a board.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failing test panics

mod common;

use std::cmp::Ordering;

use common::{Fixture, cpu, dec, listing, valuation};
use domain::model::*;
use rust_decimal::Decimal;
use serde_json::json;
use store::{ListingFilter, ListingSort, ListingSortKey, PageRequest, StoreError};

/// A comparable key value (the order each key promises).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Val {
    I(i64),
    D(Decimal),
    S(String),
}

fn rank(c: DealClass) -> i64 {
    [
        DealClass::GreatDeal,
        DealClass::GoodDeal,
        DealClass::LightSaving,
        DealClass::Neutral,
        DealClass::LightPremium,
        DealClass::Premium,
    ]
    .iter()
    .position(|x| *x == c)
    .unwrap() as i64
}

/// The expected key of `l` for `key` (`None` = NULL, sorted last both ways).
fn expected(key: ListingSortKey, l: &Listing, cpus: &[Cpu], gpus: &[Gpu]) -> Option<Val> {
    let v = &l.valuation;
    match key {
        ListingSortKey::Delta => v.adjusted_price_usd.map(|a| Val::D(l.data.price_usd - a)),
        ListingSortKey::DeltaPct => v.delta_pct.map(Val::D),
        ListingSortKey::DealClass => v.deal_class.map(|c| Val::I(rank(c))),
        ListingSortKey::Cpu => l.data.cpu_id.map(|id| {
            let c = cpus.iter().find(|c| c.id == id).unwrap();
            Val::S(c.data.name.to_lowercase())
        }),
        ListingSortKey::Gpu => l.data.gpu_id.map(|id| {
            let g = gpus.iter().find(|g| g.id == id).unwrap();
            Val::S(g.data.name.to_lowercase())
        }),
        ListingSortKey::RamGb => l.data.ram_gb.map(|n| Val::I(n.into())),
        ListingSortKey::StorageGb => l.data.primary_storage_gb.map(|n| Val::I(n.into())),
        ListingSortKey::FormFactor => l.data.form_factor.clone().map(Val::S),
        other => panic!("no expectation for {other:?}"),
    }
}

/// Walks `sort` forward and backward with pages of `size`; checks they agree and returns
/// the forward order.
async fn walk_both(f: &Fixture, filter: &ListingFilter, sort: ListingSort, size: u64) -> Vec<i64> {
    let s = &f.store;
    let mut forward = Vec::new();
    let mut req = PageRequest::first(size);
    loop {
        let page = s.list_listings(filter, sort, &req).await.unwrap();
        forward.extend(page.items.iter().map(|l| l.id));
        match (page.has_next, page.end_cursor()) {
            (true, Some(c)) => req = PageRequest::after(size, c),
            _ => break,
        }
    }
    let mut backward = Vec::new();
    let mut req = PageRequest::last(size);
    loop {
        let page = s.list_listings(filter, sort, &req).await.unwrap();
        backward.splice(0..0, page.items.iter().map(|l| l.id));
        match (page.has_previous, page.start_cursor()) {
            (true, Some(c)) => req = PageRequest::before(size, c),
            _ => break,
        }
    }
    assert_eq!(backward, forward, "backward walk of {sort:?}");
    forward
}

async fn board_column_keys(f: Fixture) {
    let s = &f.store;
    let mut cpus = Vec::new();
    for (name, mark) in [
        ("Core i5-10500T", 11000),
        ("athlon 3000G", 4000),
        ("Ryzen 5 5600U", 16000),
    ] {
        cpus.push(s.create_cpu(&cpu(name, mark)).await.unwrap());
    }
    let mut gpus = Vec::new();
    for name in ["radeon 680M", "GeForce GTX 1650"] {
        let g = GpuData {
            name: name.into(),
            manufacturer: "X".into(),
            gpu_mark: Some(5000),
            attributes: json!({}),
            ..Default::default()
        };
        gpus.push(s.create_gpu(&g).await.unwrap());
    }
    let classes = [
        DealClass::Premium,
        DealClass::GreatDeal,
        DealClass::Neutral,
        DealClass::GoodDeal,
        DealClass::LightPremium,
        DealClass::LightSaving,
    ];
    let factors = ["sff", "mini", "tiny"];
    let mut ids = Vec::new();
    for i in 0..14usize {
        let mut w = listing(
            &format!("Box {i:02}"),
            &format!("{}.90", 200 + (i % 5) * 50),
        );
        // Every fourth listing lacks the optional columns: the NULL segment is walked too.
        if i % 4 != 3 {
            w.data.cpu_id = Some(cpus[i % 3].id);
            w.data.gpu_id = (i % 3 != 0).then(|| gpus[i % 2].id);
            w.data.ram_gb = Some([8, 16, 32][i % 3]);
            w.data.primary_storage_gb = Some([256, 512][i % 2]);
            w.data.form_factor = Some(factors[i % 3].into());
        }
        ids.push(s.create_listing(&w).await.unwrap().id);
    }
    // Value all but the last two; repeated values so the id tiebreak matters.
    let updates: Vec<ValuationUpdate> = ids[..12]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut v = valuation(&format!("{}.40", 150 + (i % 4) * 40));
            v.deal_class = Some(classes[i % 6]);
            v.delta_pct = Some(dec(&format!("{}.25", i as i64 % 5 * 7 - 10)));
            v.score_composite = (i % 5 != 4).then(|| dec(&format!("{}.5", 10 + i % 3)));
            v.dollar_per_cpu_mark_multi_adjusted =
                (i % 3 != 1).then(|| dec(&format!("0.0{}", 10 + i % 4)));
            ValuationUpdate {
                listing_id: *id,
                valuation: v,
                cause: ValuationCause::Manual,
                job_id: None,
            }
        })
        .collect();
    s.bulk_update_valuations(&updates).await.unwrap();
    let all = s.listings_by_ids(&ids).await.unwrap();
    let none = ListingFilter::default();
    for key in [
        ListingSortKey::Delta,
        ListingSortKey::DeltaPct,
        ListingSortKey::DealClass,
        ListingSortKey::Cpu,
        ListingSortKey::Gpu,
        ListingSortKey::RamGb,
        ListingSortKey::StorageGb,
        ListingSortKey::FormFactor,
    ] {
        for descending in [false, true] {
            let got = walk_both(&f, &none, ListingSort { key, descending }, 3).await;
            let mut want = ids.clone();
            want.sort_by(|a, b| {
                let (ka, kb) = (
                    expected(key, &all[a], &cpus, &gpus),
                    expected(key, &all[b], &cpus, &gpus),
                );
                let o = match (&ka, &kb) {
                    (Some(x), Some(y)) => x.cmp(y).then(a.cmp(b)),
                    (Some(_), None) => return Ordering::Less,
                    (None, Some(_)) => return Ordering::Greater,
                    (None, None) => a.cmp(b),
                };
                if descending { o.reverse() } else { o }
            });
            assert_eq!(got, want, "{key:?} descending={descending}");
        }
    }
    // A filter narrows every key's pages alike.
    let sff = ListingFilter {
        form_factor: Some("sff".into()),
        ..Default::default()
    };
    let got = walk_both(&f, &sff, ListingSort::desc(ListingSortKey::Cpu), 2).await;
    assert_eq!(
        got.len(),
        ids.iter()
            .filter(|id| all[*id].data.form_factor.as_deref() == Some("sff"))
            .count()
    );

    // The board rank is the deal board's order, for the default score and for a profile's.
    let active = ListingFilter {
        statuses: vec![ListingStatus::Active],
        ..Default::default()
    };
    let board = s.deal_board(None, &active, 100).await.unwrap();
    let board: Vec<i64> = board.iter().map(|l| l.id).collect();
    assert_eq!(board.len(), 14);
    let got = walk_both(
        &f,
        &active,
        ListingSort::asc(ListingSortKey::BoardRank(None)),
        4,
    )
    .await;
    assert_eq!(got, board, "board rank = deal board (default profile)");
    let rev = walk_both(
        &f,
        &active,
        ListingSort::desc(ListingSortKey::BoardRank(None)),
        5,
    )
    .await;
    assert_eq!(rev, board.iter().rev().copied().collect::<Vec<_>>());

    let p = s
        .create_scoring_profile(&ScoringProfileData {
            name: "Other".into(),
            description: None,
            weights: json!({"cpu_mark_single": 1}),
            is_default: false,
        })
        .await
        .unwrap();
    let scores: Vec<(i64, Option<Decimal>)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (*id, (i % 4 != 2).then(|| dec(&format!("{}.125", i % 3)))))
        .collect();
    s.upsert_listing_scores(p.id, &scores).await.unwrap();
    let board = s.deal_board(Some(p.id), &active, 100).await.unwrap();
    let board: Vec<i64> = board.iter().map(|l| l.id).collect();
    let got = walk_both(
        &f,
        &active,
        ListingSort::asc(ListingSortKey::BoardRank(Some(p.id))),
        3,
    )
    .await;
    assert_eq!(got, board, "board rank = deal board (profile {})", p.id);
    assert!(matches!(
        s.list_listings(
            &active,
            ListingSort::asc(ListingSortKey::BoardRank(Some(p.id + 99))),
            &PageRequest::first(3)
        )
        .await,
        Err(StoreError::Validation { .. })
    ));
    // A cursor of one profile's rank is not one of another's.
    let page = s
        .list_listings(
            &active,
            ListingSort::asc(ListingSortKey::BoardRank(Some(p.id))),
            &PageRequest::first(3),
        )
        .await
        .unwrap();
    let r = s
        .list_listings(
            &active,
            ListingSort::asc(ListingSortKey::BoardRank(None)),
            &PageRequest::after(3, page.end_cursor().unwrap()),
        )
        .await;
    assert!(matches!(r, Err(StoreError::Validation { .. })));
}

both!(board_column_keys);
