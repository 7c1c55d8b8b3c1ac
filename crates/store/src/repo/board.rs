//! The deal board (DOMAIN.md §5.4): the top N listings of a scoring profile, ordered by its
//! composite score (descending), then adjusted $/multi-mark (ascending), then id.
//!
//! The default profile's score is a column of `listings`; another profile's lives in
//! `listing_scores`, joined per row. Listings without a score rank last rather than vanish,
//! so a board never looks emptier than the catalogue.

use domain::model::{Listing, ListingStatus};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::listing_query::{ListingFilter, num_expr, push_filters};
use super::listings::listing_record;
use crate::dec::Sql;
use crate::entity::listing;
use crate::error::{Result, StoreError};
use crate::store::Store;

/// Longest board a query may ask for.
pub const MAX_BOARD: u64 = 100;

impl Store {
    /// The board of `profile_id` (`None` = the default profile's stored composite score):
    /// at most `first` (≤ [`MAX_BOARD`]) listings matching `filter`, active ones unless the
    /// filter names statuses.
    pub async fn deal_board(
        &self,
        profile_id: Option<i64>,
        filter: &ListingFilter,
        first: u64,
    ) -> Result<Vec<Listing>> {
        if first == 0 || first > MAX_BOARD {
            return Err(StoreError::validation("first", "must be between 1 and 100"));
        }
        let mut filter = filter.clone();
        if filter.statuses.is_empty() {
            filter.statuses = vec![ListingStatus::Active];
        }
        let mut q = Sql::new(self.backend);
        let score = match profile_id {
            Some(p) => {
                q.push(
                    "SELECT listings.* FROM listing_rows listings LEFT JOIN listing_scores s \
                     ON s.listing_id = listings.id AND s.profile_id = ",
                )
                .bind(p);
                num_expr(&q, "s.score")
            }
            None => {
                q.push("SELECT listings.* FROM listing_rows listings");
                num_expr(&q, "listings.score_composite")
            }
        };
        q.push(" WHERE 1 = 1");
        push_filters(&mut q, &filter)?;
        let per_mark = num_expr(&q, "listings.dollar_per_cpu_mark_multi_adjusted");
        q.push(&format!(
            " ORDER BY {score} IS NULL, {score} DESC, {per_mark} IS NULL, {per_mark} ASC, \
             listings.id ASC LIMIT "
        ))
        .bind(i64::try_from(first).unwrap_or(1));
        let rows = self.db.query_all_raw(q.build()).await?;
        rows.iter()
            .map(|r| {
                listing::Model::from_query_result(r, "")
                    .map_err(StoreError::from)
                    .and_then(listing_record)
            })
            .collect()
    }
}
