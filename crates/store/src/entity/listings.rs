//! Listing tables.
#![allow(missing_debug_implementations)]

/// One listing entity: the listing's own columns (facts and rule-independent metrics, the
/// `listings` table), then `$extra` columns. Both entities below share that list, so a column
/// added to `listings` is added to both.
macro_rules! listing_entity {
    ($(#[$doc:meta])* $name:ident, $table:tt, { $($extra:tt)* }) => {
        $(#[$doc])*
        pub(crate) mod $name {
            use sea_orm::entity::prelude::*;

            use crate::dec::Dec;

            #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                #[sea_orm(primary_key)]
                pub id: i64,
                pub title: String,
                pub listing_url: Option<String>,
                pub url_key: String,
                pub other_urls: Json,
                pub seller: Option<String>,
                pub price_usd: Dec,
                pub price_date: Option<DateTimeUtc>,
                pub condition: String,
                pub status: String,
                pub manufacturer: Option<String>,
                pub series: Option<String>,
                pub model_number: Option<String>,
                pub form_factor: Option<String>,
                pub device_model: Option<String>,
                pub cpu_id: Option<i64>,
                pub gpu_id: Option<i64>,
                pub ports_profile_id: Option<i64>,
                pub ram_spec_id: Option<i64>,
                pub primary_storage_profile_id: Option<i64>,
                pub secondary_storage_profile_id: Option<i64>,
                pub ram_gb: Option<i32>,
                pub primary_storage_gb: Option<i32>,
                pub secondary_storage_gb: Option<i32>,
                pub ram_notes: Option<String>,
                pub primary_storage_type: Option<String>,
                pub secondary_storage_type: Option<String>,
                pub os_license: Option<String>,
                pub notes: Option<String>,
                pub other_components: Json,
                pub attributes: Json,
                pub ruleset_id: Option<i64>,
                pub score_cpu_multi: Option<Dec>,
                pub score_cpu_single: Option<Dec>,
                pub score_gpu: Option<Dec>,
                pub perf_per_watt: Option<Dec>,
                pub score_composite: Option<Dec>,
                pub dollar_per_cpu_mark_multi: Option<Dec>,
                pub dollar_per_cpu_mark_single: Option<Dec>,
                $($extra)*
                pub created_at: DateTimeUtc,
                pub updated_at: DateTimeUtc,
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

listing_entity!(
    /// A listing as read: the `listing_rows` view (`listings` joined with its
    /// `listing_valuations` row). Read-only: facts are written through [`listing_base`],
    /// valuation outputs by the store's bulk valuation write (`repo::valuations`).
    listing,
    "listing_rows",
    {
        pub adjusted_price_usd: Option<Dec>,
        pub valuation_breakdown: Option<Json>,
        pub valued_at: Option<DateTimeUtc>,
        pub deal_class: Option<String>,
        pub delta_pct: Option<Dec>,
        pub dollar_per_cpu_mark_multi_adjusted: Option<Dec>,
        pub dollar_per_cpu_mark_single_adjusted: Option<Dec>,
    }
);

listing_entity!(
    /// The `listings` table: the listing's own facts and its rule-independent metrics.
    listing_base,
    "listings",
    {}
);

pub(crate) mod listing_component {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "listing_components")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub listing_id: i64,
        pub component_type: String,
        pub name: String,
        pub quantity: i32,
        pub metadata: Json,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod listing_disabled_ruleset {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "listing_disabled_ruleset")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub listing_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub ruleset_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod scoring_profile {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "scoring_profiles")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub name_key: String,
        pub description: Option<String>,
        pub weights: Json,
        pub is_default: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod listing_score {
    use sea_orm::entity::prelude::*;

    use crate::dec::Dec;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "listing_scores")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub listing_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub profile_id: i64,
        pub score: Option<Dec>,
        pub computed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod valuation_history {
    use sea_orm::entity::prelude::*;

    use crate::dec::Dec;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "listing_valuation_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub listing_id: i64,
        pub price_usd: Dec,
        pub adjusted_price_usd: Option<Dec>,
        pub deal_class: Option<String>,
        pub cause: String,
        pub job_id: Option<Uuid>,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
