//! Ruleset packages over GraphQL (DOMAIN.md §7.5, §9 "packages"): `exportRulesetPackage`
//! and `previewRulesetPackage` (viewer, nothing written) and `installRulesetPackage` (editor;
//! admin when the package creates custom fields, since field definitions are admin writes).
//! The format, validation and plan are `domain::package`; the one-transaction install is the
//! store's; these resolvers only map.

use async_graphql::{Context, Enum, ErrorExtensions, ID, InputObject, Json, Object, SimpleObject};
use domain::model::{ApiRole, ChangeMeta, ValuationCause};
use domain::package::plan::{MergeStrategy, Outcome, Plan};
use domain::package::{self as pkg, PackageIssue as DomIssue, PackageMetadata};
use serde_json::Value;

use crate::auth::{Caller, require};
use crate::error::{ApiError, ApiResultExt};
use crate::mutation::recalc;
use crate::query::store;
use crate::recalc::RecalcScope;
use crate::types::enums::{CustomFieldEntity, CustomFieldType};
use crate::types::rules::{CustomField, Ruleset};
use crate::types::scalars::{global_id, id_of};

/// How a package ruleset whose name is already taken is installed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PackageMergeStrategy {
    /// Overwrite the existing ruleset's fields and replace all its groups and rules.
    #[default]
    Replace,
    /// Leave the existing ruleset as it is.
    Skip,
    /// Update groups and rules with the same names, add the others, keep the rest.
    Merge,
    /// Install beside it as `<name> (v<version>)`.
    Version,
}

impl From<PackageMergeStrategy> for MergeStrategy {
    fn from(s: PackageMergeStrategy) -> Self {
        match s {
            PackageMergeStrategy::Replace => MergeStrategy::Replace,
            PackageMergeStrategy::Skip => MergeStrategy::Skip,
            PackageMergeStrategy::Merge => MergeStrategy::Merge,
            PackageMergeStrategy::Version => MergeStrategy::Version,
        }
    }
}

/// What installing does with one package ruleset.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageOutcome {
    /// A new ruleset (the name was free).
    Create,
    /// The existing ruleset is overwritten.
    Replace,
    /// The existing ruleset is kept; the package's is ignored.
    Skip,
    /// Merged into the existing ruleset by group and rule names.
    Merge,
    /// A new ruleset named `<name> (v<version>)`.
    Version,
}

impl From<Outcome> for PackageOutcome {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Create => Self::Create,
            Outcome::Replace => Self::Replace,
            Outcome::Skip => Self::Skip,
            Outcome::Merge => Self::Merge,
            Outcome::Version => Self::Version,
        }
    }
}

/// A problem in a package, with the JSON path of the offending value.
#[derive(SimpleObject, Debug, Clone)]
pub struct PackageIssue {
    /// Path from the package root, e.g. `rulesets[0].groups[1].rules[2].actions[0].value`.
    pub path: String,
    /// A stable kind (`invalid_value`, `unknown_format`, `unknown_field`, `read_only`, …).
    pub kind: String,
    /// What is wrong.
    pub message: String,
}

impl From<&DomIssue> for PackageIssue {
    fn from(i: &DomIssue) -> Self {
        Self {
            path: i.path.clone(),
            kind: i.kind.clone(),
            message: i.message.clone(),
        }
    }
}

/// The plan for one package ruleset.
#[derive(SimpleObject, Debug, Clone)]
pub struct PackageRulesetPlan {
    /// The ruleset's name in the package.
    pub name: String,
    /// The name it has after installing.
    pub target_name: String,
    /// What happens to it.
    pub outcome: PackageOutcome,
    /// The existing ruleset replaced, merged into or skipped.
    pub existing_ruleset_id: Option<ID>,
    /// Groups in the package ruleset.
    pub groups: i32,
    /// Rules created.
    pub rules_created: i32,
    /// Rules updated (merge; each gets a new version).
    pub rules_updated: i32,
}

/// A custom field definition the install creates.
#[derive(SimpleObject, Debug, Clone)]
pub struct PackageFieldPlan {
    /// Its entity.
    pub entity: CustomFieldEntity,
    /// Its key.
    pub key: String,
    /// Its label.
    pub label: String,
    /// Its data type.
    pub data_type: CustomFieldType,
}

/// What installing a package would do; nothing is written.
#[derive(SimpleObject, Debug, Clone)]
pub struct PackagePreview {
    /// True when the package can be installed as is (no errors).
    pub valid: bool,
    /// Per package ruleset, what happens to it.
    pub rulesets: Vec<PackageRulesetPlan>,
    /// Custom field definitions that would be created (admin only).
    pub custom_fields_to_create: Vec<PackageFieldPlan>,
    /// Every problem found, each with its path.
    pub errors: Vec<PackageIssue>,
}

/// What an install did.
#[derive(SimpleObject, Debug, Clone)]
pub struct PackageInstallResult {
    /// Per package ruleset, what happened to it.
    pub plan: Vec<PackageRulesetPlan>,
    /// The rulesets as they are now, in package order (the untouched one when skipped).
    pub rulesets: Vec<Ruleset>,
    /// Custom field definitions created.
    pub custom_fields_created: Vec<CustomField>,
    /// The recalculation queued (null when everything was skipped).
    pub job_id: Option<String>,
}

/// Package metadata for an export; absent values take defaults.
#[derive(InputObject, Debug, Clone, Default)]
pub struct PackageMetadataInput {
    /// Package name (default: the first ruleset's name).
    pub name: Option<String>,
    /// Package version `X.Y.Z` (default `1.0.0`).
    pub version: Option<String>,
    /// Author (default: the caller's token name).
    pub author: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Option<Vec<String>>,
}

fn n(x: usize) -> i32 {
    i32::try_from(x).unwrap_or(i32::MAX)
}

fn plans(p: &Plan, pkg: &pkg::Package) -> Vec<PackageRulesetPlan> {
    p.rulesets
        .iter()
        .map(|r| {
            let (created, updated) = r.rule_counts();
            PackageRulesetPlan {
                name: pkg.rulesets[r.index].name.clone(),
                target_name: r.target_name.clone(),
                outcome: r.outcome.into(),
                existing_ruleset_id: r.existing_id.map(|id| global_id("Ruleset", id)),
                groups: n(pkg.rulesets[r.index].groups.len()),
                rules_created: n(created),
                rules_updated: n(updated),
            }
        })
        .collect()
}

fn preview_of(p: &Plan, pkg: &pkg::Package) -> PackagePreview {
    PackagePreview {
        valid: p.issues.is_empty(),
        rulesets: plans(p, pkg),
        custom_fields_to_create: p
            .new_fields
            .iter()
            .map(|d| PackageFieldPlan {
                entity: d.entity.into(),
                key: d.key.clone(),
                label: d.label.clone(),
                data_type: d.data_type.into(),
            })
            .collect(),
        errors: p.issues.iter().map(PackageIssue::from).collect(),
    }
}

/// BAD_USER_INPUT naming the first problem's path (under `arg`), with every problem in
/// `extensions.errors`.
pub(crate) fn refused(arg: &str, issues: &[DomIssue]) -> async_graphql::Error {
    let first = issues
        .first()
        .cloned()
        .unwrap_or_else(|| DomIssue::new("", "invalid_value", "invalid"));
    let field = match (arg.is_empty(), first.path.is_empty()) {
        (_, true) => arg.to_owned(),
        (true, false) => first.path.clone(),
        (false, false) => format!("{arg}.{}", first.path),
    };
    let message = if issues.len() > 1 {
        format!("{} (and {} more problems)", first.message, issues.len() - 1)
    } else {
        first.message.clone()
    };
    let all: Vec<Value> = issues
        .iter()
        .map(|i| serde_json::json!({"path": i.path, "kind": i.kind, "message": i.message}))
        .collect();
    let errors = async_graphql::Value::from_json(Value::Array(all)).unwrap_or_default();
    ApiError::invalid(field, &first.kind, message)
        .gql()
        .extend_with(move |_, e| e.set("errors", errors.clone()))
}

fn parse_package(v: &Value) -> async_graphql::Result<pkg::Package> {
    pkg::parse(v).map_err(|i| refused("package", &[i]))
}

/// Package queries.
#[derive(Debug, Default)]
pub struct PackageQuery;

#[Object]
impl PackageQuery {
    /// Exports rulesets (with groups, rules, priority, conditions, activation flags and the listing custom fields their rules use) as a version-2 `.dbrs` package (JSON).
    async fn export_ruleset_package(
        &self,
        ctx: &Context<'_>,
        ruleset_ids: Vec<ID>,
        metadata: Option<PackageMetadataInput>,
    ) -> async_graphql::Result<Json<Value>> {
        require(ctx, ApiRole::Viewer)?;
        if ruleset_ids.is_empty() {
            return Err(ApiError::invalid(
                "rulesetIds",
                "invalid_value",
                "give at least one ruleset",
            )
            .into());
        }
        let ids = ruleset_ids
            .iter()
            .map(|id| id_of("Ruleset", id, "rulesetIds"))
            .collect::<Result<Vec<_>, _>>()
            .api()?;
        let s = store(ctx);
        let trees = s.ruleset_trees(&ids).await.api()?;
        let md = metadata.unwrap_or_default();
        let version = md.version.unwrap_or_else(|| "1.0.0".into());
        if !pkg::valid_version(&version) {
            return Err(ApiError::invalid(
                "metadata.version",
                "invalid_value",
                "version must be X.Y.Z",
            )
            .into());
        }
        let caller = ctx.data::<Caller>().ok().and_then(Caller::actor);
        let metadata = PackageMetadata {
            name: md
                .name
                .unwrap_or_else(|| trees.first().map(|t| t.0.name.clone()).unwrap_or_default()),
            version,
            author: md.author.or(caller),
            description: md.description,
            tags: md.tags.unwrap_or_default(),
        };
        let fields: Vec<_> = s
            .custom_fields(domain::model::CustomFieldEntity::Listing, false)
            .await
            .api()?
            .into_iter()
            .map(|f| f.data)
            .collect();
        let package = pkg::export::build(metadata, &trees, &fields);
        Ok(Json(
            serde_json::to_value(&package).map_err(|e| ApiError::internal(&e))?,
        ))
    }

    /// What installing a package with this strategy would do — outcomes per ruleset, custom fields to create and every error with its path. Nothing is written.
    async fn preview_ruleset_package(
        &self,
        ctx: &Context<'_>,
        package: Json<Value>,
        #[graphql(default)] merge_strategy: PackageMergeStrategy,
    ) -> async_graphql::Result<PackagePreview> {
        require(ctx, ApiRole::Viewer)?;
        let p = match pkg::parse(&package.0) {
            Ok(p) => p,
            Err(issue) => {
                return Ok(PackagePreview {
                    valid: false,
                    rulesets: Vec::new(),
                    custom_fields_to_create: Vec::new(),
                    errors: vec![PackageIssue::from(&issue)],
                });
            }
        };
        let plan = store(ctx)
            .preview_package(&p, merge_strategy.into())
            .await
            .api()?;
        Ok(preview_of(&plan, &p))
    }
}

/// Package mutations.
#[derive(Debug, Default)]
pub struct PackageMutation;

#[Object]
impl PackageMutation {
    /// Installs a `.dbrs` package (version 2, or version 1 converted) in one transaction (editor; admin when it creates custom fields): every rule is validated first and any problem refuses the whole package (BAD_USER_INPUT naming the first path, all of them in `extensions.errors`). Audited as `package_installed`; queues a recalculation.
    async fn install_ruleset_package(
        &self,
        ctx: &Context<'_>,
        package: Json<Value>,
        #[graphql(default)] merge_strategy: PackageMergeStrategy,
    ) -> async_graphql::Result<PackageInstallResult> {
        let caller = require(ctx, ApiRole::Editor)?;
        let p = parse_package(&package.0)?;
        let s = store(ctx);
        let strategy: MergeStrategy = merge_strategy.into();
        let preview = s.preview_package(&p, strategy).await.api()?;
        if preview.issues.is_empty() && !preview.new_fields.is_empty() {
            // Field definitions are admin writes (§9); the install may not side-step that.
            require(ctx, ApiRole::Admin)?;
        }
        let meta = ChangeMeta {
            actor: caller.actor(),
            summary: Some(format!(
                "package {} {}",
                p.metadata.name, p.metadata.version
            )),
            impact: None,
        };
        let installed = match s.install_package(&p, strategy, &meta).await.api()? {
            Ok(i) => i,
            Err(refusal) => return Err(refused("package", &refusal.0.issues)),
        };
        let wrote = installed
            .plan
            .rulesets
            .iter()
            .any(|r| r.outcome != Outcome::Skip)
            || !installed.fields.is_empty();
        let job_id = if wrote {
            recalc(ctx, RecalcScope::All, ValuationCause::PackageInstall)
                .await
                .api()?
        } else {
            None
        };
        Ok(PackageInstallResult {
            plan: plans(&installed.plan, &p),
            rulesets: installed.rulesets.into_iter().map(Ruleset).collect(),
            custom_fields_created: installed.fields.into_iter().map(CustomField).collect(),
            job_id,
        })
    }
}
