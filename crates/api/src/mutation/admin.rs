//! Admin writes: custom field definitions, settings, thresholds and API tokens.

use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use domain::custom_fields::{CompiledDefinition, normalize_key};
use domain::model::{self as m, ApiRole as DomRole, ValuationCause};
use rust_decimal::Decimal;

use super::custom_field_change::change_definition;
use super::custom_fields::{check_unused, find_field};
use super::{check_len, recalc};
use crate::auth::{generate_secret, require};
use crate::error::{ApiError, ApiResultExt};
use crate::query::store;
use crate::recalc::RecalcScope;
use crate::types::analysis::ValuationThresholds;
use crate::types::enums::{ApiRole, CustomFieldEntity, CustomFieldType};
use crate::types::rules::{ApiToken, CustomField, Setting};
use crate::types::scalars::id_of;

type JsonV = Json<serde_json::Value>;

/// A custom field definition.
#[derive(InputObject, Debug, Clone)]
pub struct CustomFieldInput {
    /// Entity (ignored on update).
    pub entity: CustomFieldEntity,
    /// Key; derived from the label when absent (ignored on update).
    pub key: Option<String>,
    /// Label (1–128 characters).
    pub label: String,
    /// Data type.
    #[graphql(default_with = "CustomFieldType::String")]
    pub data_type: CustomFieldType,
    /// Description.
    pub description: Option<String>,
    /// Required.
    #[graphql(default)]
    pub required: bool,
    /// Default value.
    pub default_value: Option<JsonV>,
    /// Options (enum/multi_select).
    pub options: Option<Vec<String>>,
    /// Validation rules.
    pub validation: Option<JsonV>,
    /// Active.
    #[graphql(default = true)]
    pub is_active: bool,
    /// Display order.
    #[graphql(default = 100)]
    pub display_order: i32,
}

/// A new token and its secret (shown only now).
#[derive(SimpleObject, Debug, Clone)]
pub struct CreatedApiToken {
    /// The token.
    pub token: ApiToken,
    /// The secret to send as `Authorization: Bearer <secret>`; never shown again.
    pub secret: String,
}

fn field_data(
    i: CustomFieldInput,
    key: String,
    by: Option<String>,
) -> Result<m::CustomFieldData, ApiError> {
    check_len("input.label", &i.label, 1, 128)?;
    let d = m::CustomFieldData {
        entity: i.entity.into(),
        key,
        label: i.label.trim().to_owned(),
        data_type: i.data_type.into(),
        description: i.description,
        required: i.required,
        default_value: i.default_value.map(|v| v.0),
        options: i.options.map(|o| serde_json::json!(o)),
        validation: i.validation.map(|v| v.0),
        is_active: i.is_active,
        is_locked: false,
        visibility: m::Visibility::Public,
        display_order: i.display_order,
        created_by: by,
        deleted_at: None,
    };
    let json = serde_json::to_value(&d).map_err(|e| ApiError::internal(&e))?;
    CompiledDefinition::from_json(&json).map_err(|e| ApiError::from(e.within("input")))?;
    Ok(d)
}

fn dom_entity(e: CustomFieldEntity) -> Result<domain::custom_fields::CustomFieldEntity, ApiError> {
    let m: m::CustomFieldEntity = e.into();
    domain::custom_fields::CustomFieldEntity::parse(m.as_str())
        .ok_or_else(|| ApiError::internal(&"entity"))
}

/// Admin mutations.
#[derive(Debug, Default)]
pub struct AdminMutation;

#[Object]
impl AdminMutation {
    /// Defines a custom field (admin).
    async fn create_custom_field(
        &self,
        ctx: &Context<'_>,
        input: CustomFieldInput,
    ) -> async_graphql::Result<CustomField> {
        let caller = require(ctx, DomRole::Admin)?;
        let key = normalize_key(
            dom_entity(input.entity).api()?,
            input.key.as_deref(),
            &input.label,
        )
        .map_err(|e| ApiError::from(e.within("input")))
        .api()?;
        let d = field_data(input, key, caller.actor()).api()?;
        let s = store(ctx);
        let f = s.create_custom_field(&d).await.api()?;
        let after = serde_json::to_value(&f.data).map_err(|e| ApiError::internal(&e))?;
        s.add_custom_field_audit(
            Some(f.id),
            d.entity,
            &d.key,
            "created",
            caller.actor().as_deref(),
            serde_json::json!({"before": null, "after": after}),
        )
        .await
        .api()?;
        Ok(CustomField(f))
    }

    /// Changes a custom field (admin); a locked field keeps its type. Deactivating a field records still use needs `force` (else `CONFLICT` naming the usage). Values that no longer fit a new type (`type_changed`) or use a removed option (`option_retired:<option>`) are archived to the attribute history and removed in the same transaction; the change is audited with the members that changed; an identical definition writes nothing.
    async fn update_custom_field(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CustomFieldInput,
        #[graphql(default)] force: bool,
    ) -> async_graphql::Result<CustomField> {
        let caller = require(ctx, DomRole::Admin)?;
        let s = store(ctx);
        let n = id_of("CustomField", &id, "id").api()?;
        let old = find_field(s, n, true).await.api()?;
        if old.data.is_active && !input.is_active {
            check_unused(s, &old, force, "deactivate").await.api()?;
        }
        let locked_change =
            old.data.is_locked && m::CustomFieldType::from(input.data_type) != old.data.data_type;
        if locked_change {
            return Err(ApiError::invalid(
                "input.dataType",
                "locked",
                "a locked field cannot change type",
            )
            .into());
        }
        let mut input = input;
        input.entity = old.data.entity.into();
        let mut d = field_data(input, old.data.key.clone(), old.data.created_by.clone()).api()?;
        d.is_locked = old.data.is_locked;
        let change = change_definition(s, n, old, &d, caller.actor().as_deref())
            .await
            .api()?;
        if change.changed {
            // Rules may read the field (and its archived values are gone): revalue everything.
            recalc(ctx, RecalcScope::All, ValuationCause::CustomFieldChange)
                .await
                .api()?;
        }
        Ok(CustomField(change.field))
    }

    /// Writes an application setting (admin).
    async fn set_setting(
        &self,
        ctx: &Context<'_>,
        key: String,
        value: JsonV,
        description: Option<String>,
    ) -> async_graphql::Result<Setting> {
        let caller = require(ctx, DomRole::Admin)?;
        check_len("key", &key, 1, 128).api()?;
        let st = store(ctx)
            .set_setting(
                key.trim(),
                value.0,
                description.as_deref(),
                caller.actor().as_deref(),
            )
            .await
            .api()?;
        Ok(st.into())
    }

    /// Sets the deal-class thresholds in percent (admin); deal classes are recalculated.
    async fn set_valuation_thresholds(
        &self,
        ctx: &Context<'_>,
        good_deal: Decimal,
        great_deal: Decimal,
        premium_warning: Decimal,
    ) -> async_graphql::Result<ValuationThresholds> {
        let caller = require(ctx, DomRole::Admin)?;
        for (f, v) in [
            ("goodDeal", good_deal),
            ("greatDeal", great_deal),
            ("premiumWarning", premium_warning),
        ] {
            if v.is_sign_negative() || v > Decimal::ONE_HUNDRED {
                return Err(
                    ApiError::invalid(f, "invalid_value", "must be between 0 and 100").into(),
                );
            }
        }
        if good_deal > great_deal {
            return Err(ApiError::invalid(
                "goodDeal",
                "invalid_value",
                "goodDeal must be ≤ greatDeal",
            )
            .into());
        }
        let value = serde_json::json!({"good_deal": good_deal, "great_deal": great_deal, "premium_warning": premium_warning});
        store(ctx)
            .set_setting(
                "valuation_thresholds",
                value,
                Some("deal-class thresholds in percent"),
                caller.actor().as_deref(),
            )
            .await
            .api()?;
        recalc(ctx, RecalcScope::All, ValuationCause::Manual)
            .await
            .api()?;
        Ok(ValuationThresholds {
            good_deal,
            great_deal,
            premium_warning,
        })
    }

    /// Creates an API token (admin); the secret is returned once.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        name: String,
        role: ApiRole,
        expires_at: Option<DateTime<Utc>>,
    ) -> async_graphql::Result<CreatedApiToken> {
        let caller = require(ctx, DomRole::Admin)?;
        check_len("name", &name, 1, 128).api()?;
        let secret = generate_secret();
        let t = store(ctx)
            .create_api_token(
                name.trim(),
                &secret,
                role.into(),
                caller.token_id,
                expires_at,
            )
            .await
            .api()?;
        Ok(CreatedApiToken {
            token: t.into(),
            secret,
        })
    }

    /// Revokes an API token (admin).
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        id: i64,
    ) -> async_graphql::Result<ApiToken> {
        require(ctx, DomRole::Admin)?;
        Ok(store(ctx).revoke_api_token(id).await.api()?.into())
    }
}
