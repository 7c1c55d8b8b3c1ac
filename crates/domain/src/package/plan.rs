//! What installing a package would do: every rule validated with the engine's write-time
//! validation (against the existing custom fields plus those the package brings), and per
//! ruleset the outcome of the merge strategy, down to which existing group and rule each
//! package item updates. The store executes a plan as is, in one transaction.

use std::collections::HashSet;

use super::fields::fields;
use super::{Package, PackageIssue, PackageRuleset, valid_version};
use crate::context::FieldRegistry;
use crate::model::{CustomFieldData, CustomFieldEntity, name_key};
use crate::valuation::{validate_rule, validate_ruleset_conditions};

/// What to do with a package ruleset whose name is taken (DOMAIN.md §7.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MergeStrategy {
    /// Overwrite the existing ruleset's fields and replace all its groups and rules.
    #[default]
    Replace,
    /// Keep the existing ruleset untouched.
    Skip,
    /// Update groups and rules matched by name, add the others, keep the rest.
    Merge,
    /// Install beside it as `<name> (v<version>)`.
    Version,
}

impl MergeStrategy {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Replace => "replace",
            Self::Skip => "skip",
            Self::Merge => "merge",
            Self::Version => "version",
        }
    }
}

/// An existing rule group and its rules (`(id, name)`).
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingGroup {
    pub id: i64,
    pub name: String,
    pub rules: Vec<(i64, String)>,
}

/// An existing ruleset, with its groups when a merge may need them.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingRuleset {
    pub id: i64,
    pub name: String,
    pub read_only: bool,
    pub groups: Vec<ExistingGroup>,
}

/// An existing custom field definition.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingField {
    pub entity: CustomFieldEntity,
    pub key: String,
    pub is_active: bool,
    pub deleted: bool,
}

/// The state a plan is made against.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Existing {
    pub rulesets: Vec<ExistingRuleset>,
    pub fields: Vec<ExistingField>,
}

/// The outcome for one package ruleset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Create,
    Replace,
    Skip,
    Merge,
    Version,
}

/// One package group: the existing group it updates (merge), else created.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedGroup {
    pub existing_id: Option<i64>,
    /// Per package rule, the existing rule it updates (merge), else created.
    pub rules: Vec<Option<i64>>,
}

/// What happens to one package ruleset.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRuleset {
    /// Index in `Package::rulesets`.
    pub index: usize,
    /// The name it will have.
    pub target_name: String,
    pub outcome: Outcome,
    /// The ruleset replaced, merged into or skipped.
    pub existing_id: Option<i64>,
    pub groups: Vec<PlannedGroup>,
}

impl PlannedRuleset {
    /// Rules created and updated.
    pub fn rule_counts(&self) -> (usize, usize) {
        if self.outcome == Outcome::Skip {
            return (0, 0);
        }
        let all = self.groups.iter().flat_map(|g| g.rules.iter());
        let updated = all.clone().filter(|r| r.is_some()).count();
        (all.count() - updated, updated)
    }
}

/// The whole plan; install refuses it unless `issues` is empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub rulesets: Vec<PlannedRuleset>,
    /// Definitions to create (the others the package lists already exist).
    pub new_fields: Vec<CustomFieldData>,
    pub issues: Vec<PackageIssue>,
}

fn check_name(issues: &mut Vec<PackageIssue>, path: String, name: &str) {
    let n = name.trim().chars().count();
    if n == 0 || n > 128 {
        issues.push(PackageIssue::new(
            path,
            "invalid_value",
            "must be 1–128 characters",
        ));
    }
}

fn issue_of(e: crate::DomainError, prefix: &str) -> PackageIssue {
    let e = e.within(prefix);
    PackageIssue::new(e.path, e.kind.as_str(), e.message)
}

/// Validates one ruleset's own fields, groups and rules (names unique where the store needs).
fn validate_ruleset(
    rs: &PackageRuleset,
    p: &str,
    reg: &FieldRegistry,
    out: &mut Vec<PackageIssue>,
) {
    check_name(out, format!("{p}.name"), &rs.name);
    if !valid_version(&rs.version) {
        out.push(PackageIssue::new(
            format!("{p}.version"),
            "invalid_value",
            "version must be X.Y.Z",
        ));
    }
    if rs.priority < 0 {
        out.push(PackageIssue::new(
            format!("{p}.priority"),
            "invalid_value",
            "priority must be ≥ 0",
        ));
    }
    if let Err(e) =
        validate_ruleset_conditions(rs.conditions.as_ref().filter(|c| !c.is_null()), reg)
    {
        out.push(issue_of(e, p));
    }
    let mut group_names = HashSet::new();
    for (gi, g) in rs.groups.iter().enumerate() {
        let gp = format!("{p}.groups[{gi}]");
        check_name(out, format!("{gp}.name"), &g.name);
        if !group_names.insert(name_key(&g.name)) {
            out.push(PackageIssue::new(
                format!("{gp}.name"),
                "duplicate",
                "group names must be unique in a ruleset",
            ));
        }
        let mut rule_names = HashSet::new();
        for (ri, r) in g.rules.iter().enumerate() {
            let rp = format!("{gp}.rules[{ri}]");
            check_name(out, format!("{rp}.name"), &r.name);
            if !rule_names.insert(name_key(&r.name)) {
                out.push(PackageIssue::new(
                    format!("{rp}.name"),
                    "duplicate",
                    "rule names must be unique in a group",
                ));
            }
            let conditions = r.conditions.as_ref().filter(|c| !c.is_null());
            if let Err(e) = validate_rule(conditions, &r.actions, reg) {
                out.push(issue_of(e, &rp));
            }
        }
    }
}

fn merged_groups(rs: &PackageRuleset, ex: &ExistingRuleset) -> Vec<PlannedGroup> {
    rs.groups
        .iter()
        .map(|g| {
            let found = ex
                .groups
                .iter()
                .find(|e| name_key(&e.name) == name_key(&g.name));
            PlannedGroup {
                existing_id: found.map(|e| e.id),
                rules: g
                    .rules
                    .iter()
                    .map(|r| {
                        found.and_then(|e| {
                            e.rules
                                .iter()
                                .find(|(_, n)| name_key(n) == name_key(&r.name))
                                .map(|(id, _)| *id)
                        })
                    })
                    .collect(),
            }
        })
        .collect()
}

fn fresh_groups(rs: &PackageRuleset) -> Vec<PlannedGroup> {
    rs.groups
        .iter()
        .map(|g| PlannedGroup {
            existing_id: None,
            rules: vec![None; g.rules.len()],
        })
        .collect()
}

/// Plans installing `pkg` with `strategy` over `existing`; every problem is in `issues`.
pub fn plan(pkg: &Package, strategy: MergeStrategy, existing: &Existing) -> Plan {
    let mut plan = Plan::default();
    check_name(&mut plan.issues, "metadata.name".into(), &pkg.metadata.name);
    if !valid_version(&pkg.metadata.version) {
        plan.issues.push(PackageIssue::new(
            "metadata.version",
            "invalid_value",
            "version must be X.Y.Z",
        ));
    }
    if pkg.rulesets.is_empty() {
        plan.issues.push(PackageIssue::new(
            "rulesets",
            "invalid_value",
            "a package needs at least one ruleset",
        ));
    }
    let reg = fields(pkg, existing, &mut plan);
    let mut names = HashSet::new();
    for (i, rs) in pkg.rulesets.iter().enumerate() {
        let p = format!("rulesets[{i}]");
        validate_ruleset(rs, &p, &reg, &mut plan.issues);
        if !names.insert(name_key(&rs.name)) {
            plan.issues.push(PackageIssue::new(
                format!("{p}.name"),
                "duplicate",
                "ruleset names must be unique in a package",
            ));
        }
        let find = |n: &str| {
            existing
                .rulesets
                .iter()
                .find(|e| name_key(&e.name) == name_key(n))
        };
        let name = rs.name.trim().to_owned();
        let planned = match (find(&name), strategy) {
            (None, _) => PlannedRuleset {
                index: i,
                target_name: name,
                outcome: Outcome::Create,
                existing_id: None,
                groups: fresh_groups(rs),
            },
            (Some(ex), MergeStrategy::Skip) => PlannedRuleset {
                index: i,
                target_name: ex.name.clone(),
                outcome: Outcome::Skip,
                existing_id: Some(ex.id),
                groups: Vec::new(),
            },
            (Some(ex), MergeStrategy::Replace | MergeStrategy::Merge) => {
                if ex.read_only {
                    plan.issues.push(PackageIssue::new(
                        format!("{p}.name"),
                        "read_only",
                        format!(
                            "ruleset {} is read-only; install with the version or skip strategy",
                            ex.name
                        ),
                    ));
                }
                let merge = strategy == MergeStrategy::Merge;
                PlannedRuleset {
                    index: i,
                    target_name: name,
                    outcome: if merge {
                        Outcome::Merge
                    } else {
                        Outcome::Replace
                    },
                    existing_id: Some(ex.id),
                    groups: if merge {
                        merged_groups(rs, ex)
                    } else {
                        fresh_groups(rs)
                    },
                }
            }
            (Some(_), MergeStrategy::Version) => {
                let target = format!("{name} (v{})", rs.version);
                if find(&target).is_some() {
                    plan.issues.push(PackageIssue::new(
                        format!("{p}.version"),
                        "conflict",
                        format!("a ruleset named {target} already exists"),
                    ));
                }
                check_name(&mut plan.issues, format!("{p}.name"), &target);
                PlannedRuleset {
                    index: i,
                    target_name: target,
                    outcome: Outcome::Version,
                    existing_id: None,
                    groups: fresh_groups(rs),
                }
            }
        };
        plan.rulesets.push(planned);
    }
    plan
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
