//! Recalculation jobs seen from outside: waiting for a job's state, and checking afterwards
//! that every listing holds the right valuation and no history row is repeated.

use std::time::{Duration, Instant};

use domain::model::JobStatus;
use sea_orm::ConnectionTrait;
use store::Store;
use store::revalue::Valuer;

/// Asserts every active/pending listing holds what the engine computes from the current rules
/// (evaluated here, independently of the worker).
pub async fn assert_all_correct(store: &Store) {
    let valuer = Valuer::load(store).await.unwrap();
    let ids = store.active_listing_ids(0, 1_000_000).await.unwrap();
    let now = chrono::Utc::now();
    let mut checked = 0;
    for chunk in ids.chunks(2_000) {
        let by_id = store.listings_by_ids(chunk).await.unwrap();
        let listings: Vec<_> = chunk.iter().filter_map(|i| by_id.get(i).cloned()).collect();
        let prepared = Valuer::contexts(store, &listings).await.unwrap();
        for l in &listings {
            let (v, _) = valuer.value_with(&valuer.plan, l, &prepared[&l.id], now);
            assert_eq!(
                l.valuation.adjusted_price_usd.map(|d| d.round_dp(2)),
                v.adjusted_price_usd.map(|d| d.round_dp(2)),
                "listing {} holds a stale valuation",
                l.id
            );
            checked += 1;
        }
    }
    assert_eq!(checked, ids.len());
}

/// History rows that repeat the previous row of their listing (same list and adjusted price).
pub async fn duplicated_history_rows(url: &str) -> i64 {
    let sql = "SELECT COUNT(*) AS n FROM (SELECT price_usd, adjusted_price_usd, \
        LAG(price_usd) OVER w AS prev_price, LAG(adjusted_price_usd) OVER w AS prev_adjusted \
        FROM listing_valuation_history WINDOW w AS (PARTITION BY listing_id ORDER BY at, id)) h \
        WHERE prev_price IS NOT NULL AND prev_price = price_usd \
        AND prev_adjusted IS NOT DISTINCT FROM adjusted_price_usd";
    let conn = sea_orm::Database::connect(url).await.unwrap();
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

/// The newest recalculation job that is not a coalesced request.
pub async fn newest_job(store: &Store) -> Option<domain::model::RecalculationJob> {
    store
        .jobs(None)
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.status != JobStatus::Coalesced)
}

/// Waits for the newest job created after `known` to reach `until`.
pub async fn wait_job(
    store: &Store,
    known: Option<&str>,
    deadline: Duration,
    until: impl Fn(&domain::model::RecalculationJob) -> bool,
) -> domain::model::RecalculationJob {
    let end = Instant::now() + deadline;
    loop {
        if let Some(j) = newest_job(store).await
            && Some(j.id.as_str()) != known
            && until(&j)
        {
            return j;
        }
        assert!(
            Instant::now() < end,
            "the job did not get there in {deadline:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A job's `status`, `processed` and `total` as the API reports them.
pub async fn job_via_api(base: &str, token: &str, id: &str) -> serde_json::Value {
    let q = format!("{{ job(id: \"{id}\") {{ status processed total }} }}");
    let r = super::graphql(base, Some(token), &q).await;
    assert!(r.get("errors").is_none(), "job({id}) failed: {r}");
    r["data"]["job"].clone()
}
