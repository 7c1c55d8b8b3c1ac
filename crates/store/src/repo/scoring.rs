//! Scoring profiles (at most one default) and per-profile listing scores.

use std::collections::HashMap;

use domain::model::{ListingScore, Record, ScoringProfile, ScoringProfileData, name_key};
use rust_decimal::Decimal;
use sea_orm::QueryOrder;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::obj_or_empty;
use crate::dec::{Dec, now};
use crate::entity::{listing_score, scoring_profile};
use crate::error::{ErrCtx, Result, StoreError};
use crate::store::Store;

fn profile_record(m: scoring_profile::Model) -> ScoringProfile {
    Record {
        id: m.id,
        data: ScoringProfileData {
            name: m.name,
            description: m.description,
            weights: m.weights,
            is_default: m.is_default,
        },
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

async fn clear_default<C: ConnectionTrait>(db: &C, except: i64) -> Result<()> {
    scoring_profile::Entity::update_many()
        .col_expr(scoring_profile::Column::IsDefault, false.into())
        .filter(scoring_profile::Column::IsDefault.eq(true))
        .filter(scoring_profile::Column::Id.ne(except))
        .exec(db)
        .await?;
    Ok(())
}

impl Store {
    /// Creates a scoring profile; `is_default` clears the others (one transaction).
    pub async fn create_scoring_profile(&self, d: &ScoringProfileData) -> Result<ScoringProfile> {
        let name = d.name.trim();
        if name.is_empty() || name.chars().count() > 128 {
            return Err(StoreError::validation("name", "must be 1–128 characters"));
        }
        let txn = self.begin_write().await?;
        if d.is_default {
            clear_default(&txn, 0).await?;
        }
        let t = now();
        let m = scoring_profile::Entity::insert(scoring_profile::ActiveModel {
            name: Set(name.to_owned()),
            name_key: Set(name_key(name)),
            description: Set(d.description.clone()),
            weights: Set(obj_or_empty(d.weights.clone())),
            is_default: Set(d.is_default),
            created_at: Set(t),
            updated_at: Set(t),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await
        .map_err(|e| ErrCtx::write("scoring_profile").map(e))?;
        txn.commit().await?;
        Ok(profile_record(m))
    }

    /// Replaces a profile's fields; `is_default` clears the others.
    pub async fn update_scoring_profile(
        &self,
        id: i64,
        d: &ScoringProfileData,
    ) -> Result<ScoringProfile> {
        let name = d.name.trim();
        let txn = self.begin_write().await?;
        if d.is_default {
            clear_default(&txn, id).await?;
        }
        let am = scoring_profile::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            name_key: Set(name_key(name)),
            description: Set(d.description.clone()),
            weights: Set(obj_or_empty(d.weights.clone())),
            is_default: Set(d.is_default),
            updated_at: Set(now()),
            ..Default::default()
        };
        let m = match scoring_profile::Entity::update(am).exec(&txn).await {
            Ok(m) => m,
            Err(DbErr::RecordNotUpdated) => {
                return Err(StoreError::not_found("scoring_profile", id));
            }
            Err(e) => return Err(ErrCtx::write("scoring_profile").map(e)),
        };
        txn.commit().await?;
        Ok(profile_record(m))
    }

    /// Makes `id` the default profile.
    pub async fn set_default_scoring_profile(&self, id: i64) -> Result<ScoringProfile> {
        let p = self
            .scoring_profile(id)
            .await?
            .ok_or_else(|| StoreError::not_found("scoring_profile", id))?;
        self.update_scoring_profile(
            id,
            &ScoringProfileData {
                is_default: true,
                ..p.data
            },
        )
        .await
    }

    /// Deletes a profile (its listing scores cascade).
    pub async fn delete_scoring_profile(&self, id: i64) -> Result<()> {
        let res = scoring_profile::Entity::delete_by_id(id)
            .exec(&self.db)
            .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::not_found("scoring_profile", id));
        }
        Ok(())
    }

    /// One profile.
    pub async fn scoring_profile(&self, id: i64) -> Result<Option<ScoringProfile>> {
        Ok(scoring_profile::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(profile_record))
    }

    /// Every profile by id.
    pub async fn scoring_profiles(&self) -> Result<Vec<ScoringProfile>> {
        let rows = scoring_profile::Entity::find()
            .order_by_asc(scoring_profile::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(profile_record).collect())
    }

    /// The default profile, else the lowest id (§5.2).
    pub async fn default_scoring_profile(&self) -> Result<Option<ScoringProfile>> {
        let rows = scoring_profile::Entity::find()
            .order_by_desc(scoring_profile::Column::IsDefault)
            .order_by_asc(scoring_profile::Column::Id)
            .one(&self.db)
            .await?;
        Ok(rows.map(profile_record))
    }

    /// Upserts listing scores for one profile (one statement). A row whose score did not
    /// change is left as it was, so `computed_at` is when the score last changed.
    pub async fn upsert_listing_scores(
        &self,
        profile_id: i64,
        scores: &[(i64, Option<Decimal>)],
    ) -> Result<()> {
        upsert_scores(&self.db, profile_id, scores).await
    }

    /// Scores of listings under a profile (for DataLoaders).
    pub async fn listing_scores(
        &self,
        profile_id: i64,
        listing_ids: &[i64],
    ) -> Result<HashMap<i64, ListingScore>> {
        let rows = listing_score::Entity::find()
            .filter(listing_score::Column::ProfileId.eq(profile_id))
            .filter(listing_score::Column::ListingId.is_in(listing_ids.to_vec()))
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|m| {
                (
                    m.listing_id,
                    ListingScore {
                        listing_id: m.listing_id,
                        profile_id: m.profile_id,
                        score: m.score.map(|d| d.0),
                        computed_at: m.computed_at,
                    },
                )
            })
            .collect())
    }

    /// Stored scores of listings under every profile, by listing then profile id (for the
    /// `Listing.scores` DataLoader).
    pub async fn scores_of_listings(
        &self,
        listing_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<ListingScore>>> {
        let rows = listing_score::Entity::find()
            .filter(listing_score::Column::ListingId.is_in(listing_ids.to_vec()))
            .order_by_asc(listing_score::Column::ListingId)
            .order_by_asc(listing_score::Column::ProfileId)
            .all(&self.db)
            .await?;
        let mut out: HashMap<i64, Vec<ListingScore>> = HashMap::new();
        for m in rows {
            out.entry(m.listing_id).or_default().push(ListingScore {
                listing_id: m.listing_id,
                profile_id: m.profile_id,
                score: m.score.map(|d| d.0),
                computed_at: m.computed_at,
            });
        }
        Ok(out)
    }
}

/// [`Store::upsert_listing_scores`] on `conn` (the batch write runs it in its transaction).
pub(crate) async fn upsert_scores<C: sea_orm::ConnectionTrait>(
    conn: &C,
    profile_id: i64,
    scores: &[(i64, Option<Decimal>)],
) -> Result<()> {
    if scores.is_empty() {
        return Ok(());
    }
    let t = now();
    let rows = scores
        .iter()
        .map(|(listing_id, score)| listing_score::ActiveModel {
            listing_id: Set(*listing_id),
            profile_id: Set(profile_id),
            score: Set(score.map(Dec::ratio)),
            computed_at: Set(t),
        });
    listing_score::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                listing_score::Column::ListingId,
                listing_score::Column::ProfileId,
            ])
            .update_columns([
                listing_score::Column::Score,
                listing_score::Column::ComputedAt,
            ])
            // An unchanged score is not rewritten: a recalculation re-scores every listing
            // it walks, and a new row version would cost every index an entry.
            .action_and_where(Expr::cust(
                "listing_scores.score IS DISTINCT FROM excluded.score",
            ))
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map_err(|e| ErrCtx::write("listing_score").map(e))?;
    Ok(())
}
