//! From parsed rows and the stored catalogue to conflicts, name matches and the write plan
//! (§7.1 steps 4–7, §7.2). Pure: the same function feeds the preview and the commit, so what
//! is previewed is what is written.

use std::collections::{BTreeMap, HashMap, HashSet};

use domain::model::{Cpu, CpuData, GpuData, ListingData, name_key};
use store::{ImportCatalogue, ImportPlan, PlannedListing, Upsert};

use super::book::ParsedBook;
use super::matching::{MatchStatus, NameIndex};
use super::rows::Parsed;
use super::state::{
    Conflicts, CpuAction, CpuConflict, FieldChange, ListingAction, ListingConflict,
    ListingConflictKind, MAX_LISTED, MatchKind, NameMatch, Resolutions, row_key,
};

/// What the session shows and what a commit would write.
#[derive(Debug, Default)]
pub struct Analysis {
    pub matches: Vec<NameMatch>,
    pub conflicts: Conflicts,
    pub plan: ImportPlan,
    /// Listing rows skipped by a resolution.
    pub skipped: usize,
}

fn opt<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(ToString::to_string)
}

/// The stored CPU with the incoming non-null values, and what changed.
fn cpu_merge(old: &Cpu, new: &CpuData) -> (CpuData, Vec<FieldChange>) {
    let mut d = old.data.clone();
    let mut changes = Vec::new();
    macro_rules! take {
        ($($f:ident),*) => {$(
            if new.$f.is_some() && new.$f != d.$f {
                changes.push(FieldChange {
                    field: stringify!($f).to_owned(),
                    existing: opt(&d.$f),
                    incoming: opt(&new.$f),
                });
                d.$f = new.$f.clone();
            }
        )*};
    }
    take!(
        socket,
        cores,
        threads,
        tdp_w,
        igpu_model,
        igpu_mark,
        cpu_mark_multi,
        cpu_mark_single,
        release_year,
        notes
    );
    if let (Some(o), Some(n)) = (d.attributes.as_object_mut(), new.attributes.as_object()) {
        for (k, v) in n {
            if o.get(k) != Some(v) {
                changes.push(FieldChange {
                    field: format!("attributes.{k}"),
                    existing: o.get(k).map(ToString::to_string),
                    incoming: Some(v.to_string()),
                });
                o.insert(k.clone(), v.clone());
            }
        }
    }
    (d, changes)
}

/// A stored listing with the row's values over it (title and price always, the rest when
/// the row has them).
fn listing_merge(old: &ListingData, row: &ListingData, condition_mapped: bool) -> ListingData {
    let mut d = old.clone();
    d.title.clone_from(&row.title);
    d.price_usd = row.price_usd;
    if condition_mapped {
        d.condition = row.condition;
    }
    macro_rules! take {
        ($($f:ident),*) => {$( if row.$f.is_some() { d.$f.clone_from(&row.$f); } )*};
    }
    take!(
        listing_url,
        seller,
        manufacturer,
        series,
        model_number,
        form_factor,
        ram_gb,
        ram_notes,
        primary_storage_gb,
        primary_storage_type,
        secondary_storage_gb,
        secondary_storage_type,
        os_license,
        notes
    );
    if let (Some(o), Some(n)) = (d.attributes.as_object_mut(), row.attributes.as_object()) {
        o.extend(n.clone());
    }
    d
}

struct Linker {
    index: NameIndex,
    creates: BTreeMap<String, String>,
}

/// Resolves the CPU/GPU names of listing rows (§7.1 steps 4–5, 7): an exact or `auto` match
/// links; `review` needs a choice; `unmatched` creates the name (a choice may redirect it).
fn link_names(
    kind: MatchKind,
    names: &BTreeMap<String, (String, usize)>,
    linker: &mut Linker,
    res: &Resolutions,
    out: &mut Analysis,
) -> HashMap<String, Option<String>> {
    let prefix = match kind {
        MatchKind::Cpu => "cpu",
        MatchKind::Gpu => "gpu",
    };
    let mut links = HashMap::new();
    for (key, (name, rows)) in names {
        let (status, candidates) = linker.index.best(name);
        let choice = res.matches.get(&format!("{prefix}:{key}"));
        let target = match (choice, status) {
            (Some(c), _) => Some(c.existing.clone().unwrap_or_else(|| name.clone())),
            (None, MatchStatus::Auto) => candidates.first().map(|c| c.name.clone()),
            (None, MatchStatus::Unmatched) => Some(name.clone()),
            (None, MatchStatus::Review) => None,
        };
        let resolved = target.is_some();
        if !resolved {
            out.conflicts.unresolved += 1;
        }
        if let Some(t) = &target
            && linker.index.exact(t).is_none()
        {
            linker.creates.insert(name_key(t), t.clone());
        }
        let fuzzy =
            status != MatchStatus::Auto || candidates.first().is_some_and(|c| c.score < 1.0);
        if fuzzy && out.matches.len() < MAX_LISTED {
            out.matches.push(NameMatch {
                kind,
                name: name.clone(),
                rows: *rows,
                status,
                candidates,
                resolved_to: target.clone(),
                resolved,
            });
        }
        links.insert(key.clone(), target.map(|t| name_key(&t)));
    }
    links
}

/// Builds conflicts, matches and the plan (see the module doc).
pub fn analyse(book: &ParsedBook, cat: &ImportCatalogue, res: &Resolutions) -> Analysis {
    let mut out = Analysis::default();
    let stored_cpus: HashMap<String, &Cpu> = cat
        .cpus
        .iter()
        .map(|c| (name_key(&c.data.name), c))
        .collect();
    let stored_gpus: HashMap<String, i64> = cat
        .gpus
        .iter()
        .map(|g| (name_key(&g.data.name), g.id))
        .collect();
    let stored_ports: HashMap<String, i64> = cat
        .ports_profiles
        .iter()
        .map(|(id, n)| (name_key(n), *id))
        .collect();
    let mut cpu_ix = Linker {
        index: NameIndex::new(cat.cpus.iter().map(|c| c.data.name.clone())),
        creates: BTreeMap::new(),
    };
    let mut gpu_ix = Linker {
        index: NameIndex::new(cat.gpus.iter().map(|g| g.data.name.clone())),
        creates: BTreeMap::new(),
    };
    let rows = || {
        book.sheets
            .iter()
            .flat_map(|s| s.rows.iter().map(move |r| (s, r)))
    };

    // Catalogue sheets first: their names are what listing rows link to.
    for (_, (_, p)) in rows() {
        match p {
            Parsed::Cpu(c) => {
                let key = name_key(&c.name);
                match stored_cpus.get(&key) {
                    Some(old) => {
                        let (merged, changes) = cpu_merge(old, c);
                        if changes.is_empty() {
                            continue;
                        }
                        let action = res.cpus.get(&key).copied().or(res.cpu_default);
                        out.conflicts.cpu_count += 1;
                        out.conflicts.unresolved += usize::from(action.is_none());
                        if out.conflicts.cpus.len() < MAX_LISTED {
                            out.conflicts.cpus.push(CpuConflict {
                                name: old.data.name.clone(),
                                existing_id: old.id,
                                changes,
                                action,
                            });
                        }
                        if action == Some(CpuAction::Update) {
                            out.plan.cpus.push(Upsert {
                                id: Some(old.id),
                                data: merged,
                            });
                        }
                    }
                    None => {
                        cpu_ix.index.add(c.name.clone());
                        out.plan.cpus.push(Upsert {
                            id: None,
                            data: c.clone(),
                        });
                    }
                }
            }
            Parsed::Gpu(g) => {
                gpu_ix.index.add(g.name.clone());
                out.plan.gpus.push(Upsert {
                    id: stored_gpus.get(&name_key(&g.name)).copied(),
                    data: g.clone(),
                });
            }
            Parsed::Ports(p) => out.plan.ports_profiles.push(Upsert {
                id: stored_ports.get(&name_key(&p.name)).copied(),
                data: p.clone(),
            }),
            Parsed::Listing(_) => {}
        }
    }

    let mut cpu_names: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut gpu_names: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (_, (_, p)) in rows() {
        if let Parsed::Listing(l) = p {
            for (name, map) in [(&l.cpu_name, &mut cpu_names), (&l.gpu_name, &mut gpu_names)] {
                if let Some(n) = name {
                    map.entry(name_key(n)).or_insert_with(|| (n.clone(), 0)).1 += 1;
                }
            }
        }
    }
    let cpu_links = link_names(MatchKind::Cpu, &cpu_names, &mut cpu_ix, res, &mut out);
    let gpu_links = link_names(MatchKind::Gpu, &gpu_names, &mut gpu_ix, res, &mut out);
    // Keys already planned, looked up once each (not a scan of the plan per created name).
    let planned_cpus: HashSet<String> = out
        .plan
        .cpus
        .iter()
        .map(|c| name_key(&c.data.name))
        .collect();
    for (key, name) in std::mem::take(&mut cpu_ix.creates) {
        if !stored_cpus.contains_key(&key) && !planned_cpus.contains(&key) {
            out.plan.cpus.push(Upsert {
                id: None,
                data: CpuData {
                    manufacturer: domain::parsing::cpu_manufacturer(&name).to_owned(),
                    name,
                    attributes: serde_json::json!({}),
                    ..CpuData::default()
                },
            });
        }
    }
    let planned_gpus: HashSet<String> = out
        .plan
        .gpus
        .iter()
        .map(|g| name_key(&g.data.name))
        .collect();
    for (key, name) in std::mem::take(&mut gpu_ix.creates) {
        if !stored_gpus.contains_key(&key) && !planned_gpus.contains(&key) {
            out.plan.gpus.push(Upsert {
                id: None,
                data: GpuData {
                    name,
                    manufacturer: "Unknown".into(),
                    attributes: serde_json::json!({}),
                    ..GpuData::default()
                },
            });
        }
    }

    let by_url: HashMap<String, &domain::model::Listing> = cat
        .listings_by_url
        .iter()
        .filter_map(|l| {
            Some((
                store::listing_url_key(l.data.listing_url.as_deref()?).ok()?,
                l,
            ))
        })
        .collect();
    let by_title: HashMap<(String, rust_decimal::Decimal), i64> = cat
        .listings_by_title
        .iter()
        .map(|(id, t, p)| ((t.trim().to_lowercase(), p.normalize()), *id))
        .collect();
    for (s, (row, p)) in rows() {
        let Parsed::Listing(l) = p else { continue };
        let link = |m: &HashMap<String, Option<String>>, n: &Option<String>| {
            n.as_ref()
                .and_then(|n| m.get(&name_key(n)).cloned().flatten())
        };
        let planned = |update_id, data| PlannedListing {
            update_id,
            data,
            cpu: link(&cpu_links, &l.cpu_name),
            gpu: link(&gpu_links, &l.gpu_name),
            ports_profile: None,
            ram: l.ram.clone(),
            primary_storage: l.primary_storage.clone(),
            secondary_storage: l.secondary_storage.clone(),
        };
        let choice = res.listings.get(&row_key(&s.sheet, *row)).copied();
        let existing = l
            .data
            .listing_url
            .as_deref()
            .and_then(|u| store::listing_url_key(u).ok())
            .and_then(|k| by_url.get(&k));
        let conflict = |kind, existing_id, action| ListingConflict {
            sheet: s.sheet.clone(),
            row: *row,
            kind,
            existing_id,
            title: l.data.title.clone(),
            action,
        };
        if let Some(old) = existing {
            let action = choice
                .or(res.url_match_default)
                .unwrap_or(ListingAction::Update);
            out.conflicts.listing_count += 1;
            if out.conflicts.listings.len() < MAX_LISTED {
                let c = conflict(ListingConflictKind::UrlMatch, old.id, Some(action));
                out.conflicts.listings.push(c);
            }
            if action == ListingAction::Skip {
                out.skipped += 1;
            } else {
                let data = listing_merge(&old.data, &l.data, l.condition_given);
                out.plan.listings.push(planned(Some(old.id), data));
            }
            continue;
        }
        let dup = l.data.listing_url.is_none().then(|| {
            by_title.get(&(
                l.data.title.trim().to_lowercase(),
                l.data.price_usd.normalize(),
            ))
        });
        if let Some(Some(id)) = dup {
            let action = choice.or(res.duplicate_default);
            out.conflicts.listing_count += 1;
            out.conflicts.unresolved += usize::from(action.is_none());
            if out.conflicts.listings.len() < MAX_LISTED {
                let c = conflict(ListingConflictKind::PossibleDuplicate, *id, action);
                out.conflicts.listings.push(c);
            }
            match action {
                Some(ListingAction::Skip) => {
                    out.skipped += 1;
                    continue;
                }
                None => continue,
                Some(_) => {}
            }
        }
        out.plan.listings.push(planned(None, l.data.clone()));
    }
    out
}
