//! Rule tables.
#![allow(missing_debug_implementations)]

pub(crate) mod ruleset {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "rulesets")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub name_key: String,
        pub description: Option<String>,
        pub version: String,
        pub is_active: bool,
        pub priority: i32,
        pub conditions: Option<Json>,
        pub metadata: Json,
        pub created_by: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod rule_group {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "rule_groups")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub ruleset_id: i64,
        pub name: String,
        pub category: String,
        pub description: Option<String>,
        pub display_order: i32,
        pub is_active: bool,
        pub metadata: Json,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod rule {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "rules")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub group_id: i64,
        pub name: String,
        pub description: Option<String>,
        pub evaluation_order: i32,
        pub is_active: bool,
        pub conditions: Option<Json>,
        pub actions: Json,
        pub metadata: Json,
        pub version: i32,
        pub created_by: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod rule_version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "rule_versions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub rule_id: i64,
        pub version: i32,
        pub snapshot: Json,
        pub change_summary: Option<String>,
        pub changed_by: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod rule_audit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "rule_audit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub ruleset_id: Option<i64>,
        pub group_id: Option<i64>,
        pub rule_id: Option<i64>,
        pub action: String,
        pub actor: Option<String>,
        pub changes: Json,
        pub impact: Option<Json>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
