//! Catalogue tables.
#![allow(missing_debug_implementations)]

pub(crate) mod cpu {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "cpus")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub name_key: String,
        pub manufacturer: String,
        pub socket: Option<String>,
        pub cores: Option<i32>,
        pub threads: Option<i32>,
        pub tdp_w: Option<i32>,
        pub igpu_model: Option<String>,
        pub igpu_mark: Option<i32>,
        pub cpu_mark_multi: Option<i32>,
        pub cpu_mark_single: Option<i32>,
        pub release_year: Option<i32>,
        pub passmark_slug: Option<String>,
        pub passmark_category: Option<String>,
        pub passmark_id: Option<String>,
        pub notes: Option<String>,
        pub attributes: Json,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod gpu {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "gpus")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub name_key: String,
        pub manufacturer: String,
        pub gpu_mark: Option<i32>,
        pub metal_score: Option<i32>,
        pub notes: Option<String>,
        pub attributes: Json,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod ports_profile {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ports_profiles")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub name_key: String,
        pub description: Option<String>,
        pub attributes: Json,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod port {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ports")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub ports_profile_id: i64,
        pub port_type: String,
        pub count: i32,
        pub spec_notes: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod ram_spec {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "ram_specs")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub label: Option<String>,
        pub ddr_generation: String,
        pub speed_mhz: Option<i32>,
        pub module_count: Option<i32>,
        pub capacity_per_module_gb: Option<i32>,
        pub total_capacity_gb: Option<i32>,
        pub dims_key: String,
        pub attributes: Json,
        pub notes: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod storage_profile {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "storage_profiles")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub label: Option<String>,
        pub medium: String,
        pub interface: Option<String>,
        pub form_factor: Option<String>,
        pub performance_tier: Option<String>,
        pub capacity_gb: Option<i32>,
        pub dims_key: String,
        pub attributes: Json,
        pub notes: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
