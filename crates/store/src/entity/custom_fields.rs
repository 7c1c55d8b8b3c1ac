//! Custom field tables.
#![allow(missing_debug_implementations)]

pub(crate) mod custom_field {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "custom_field_definitions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub entity: String,
        pub key: String,
        pub label: String,
        pub data_type: String,
        pub description: Option<String>,
        pub required: bool,
        pub default_value: Option<Json>,
        pub options: Option<Json>,
        pub validation: Option<Json>,
        pub is_active: bool,
        pub is_locked: bool,
        pub visibility: String,
        pub display_order: i32,
        pub created_by: Option<String>,
        pub deleted_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod custom_field_audit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "custom_field_audit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub field_id: Option<i64>,
        pub entity: String,
        pub key: String,
        pub action: String,
        pub actor: Option<String>,
        pub payload: Json,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod attribute_history {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "custom_field_attribute_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub field_id: Option<i64>,
        pub entity: String,
        pub record_id: i64,
        pub key: String,
        pub previous_value: Option<Json>,
        pub reason: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
