//! Shared fixture: a migrated database per test, on SQLite or PostgreSQL. Each test body is
//! written once as `async fn(Fixture)` and instantiated for both backends by `both!`.
#![allow(dead_code)]

use domain::model::*;
use rust_decimal::Decimal;
use store::Store;
use test_support::TestDb;

pub struct Fixture {
    pub store: Store,
    pub db: TestDb,
}

impl Fixture {
    pub async fn sqlite() -> Fixture {
        let db = TestDb::sqlite().await;
        let store = Store::connect(&db.url, 4).await.expect("connect sqlite");
        Fixture { store, db }
    }

    pub async fn postgres() -> Option<Fixture> {
        let db = TestDb::postgres().await?;
        let store = Store::connect(&db.url, 4).await.expect("connect postgres");
        Some(Fixture { store, db })
    }
}

/// Instantiates `async fn name(Fixture)` as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::common::Fixture::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(f) = $crate::common::Fixture::postgres().await {
                    super::$name(f).await;
                }
            }
        }
    )+};
}

pub fn dec(s: &str) -> Decimal {
    s.parse().expect("decimal")
}

pub fn cpu(name: &str, multi: i32) -> CpuData {
    CpuData {
        name: name.into(),
        manufacturer: "Intel".into(),
        cores: Some(6),
        threads: Some(12),
        tdp_w: Some(65),
        cpu_mark_multi: Some(multi),
        cpu_mark_single: Some(3000),
        release_year: Some(2021),
        attributes: serde_json::json!({}),
        ..Default::default()
    }
}

pub fn listing(title: &str, price: &str) -> ListingWrite {
    ListingWrite {
        data: ListingData::new(title, dec(price)),
        components: vec![],
        disabled_ruleset_ids: vec![],
    }
}

pub fn valuation(adjusted: &str) -> ListingValuation {
    ListingValuation {
        adjusted_price_usd: Some(dec(adjusted)),
        valuation_breakdown: Some(
            serde_json::json!({"adjustedPrice": adjusted, "evaluatedAt": "x"}),
        ),
        valued_at: Some(chrono::Utc::now()),
        deal_class: Some(DealClass::Neutral),
        delta_pct: Some(Decimal::ZERO),
        dollar_per_cpu_mark_multi_adjusted: Some(dec("0.0123")),
        ..Default::default()
    }
}
