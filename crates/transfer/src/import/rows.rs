//! Row parsing per entity (DOMAIN.md §7.2–7.3): a sheet row becomes a typed record or a list
//! of row errors. Custom values of attached fields are validated here too (§6), so an import
//! stores exactly what a GraphQL write would.

use std::collections::BTreeMap;

use calamine::Data;
use domain::custom_fields::CompiledDefinition;
use domain::model::{
    Condition, CpuData, GpuData, ListingData, Port, PortType, PortsProfileData, RamGeneration,
    RamSpecData, StorageMedium, StorageProfileData,
};
use domain::parsing;
use serde_json::{Map, Value as Json};

use super::cells::{Columns, RowReader, cell_text, ram_speed};
use super::fields::Entity;

/// An attached custom field of a sheet: its column and checked definition.
#[derive(Debug, Clone)]
pub struct AttachedColumn {
    pub column: usize,
    pub key: String,
    pub def: CompiledDefinition,
}

/// A parsed listing row with the names and specs it links to.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingRow {
    pub data: ListingData,
    pub cpu_name: Option<String>,
    pub gpu_name: Option<String>,
    pub ram: Option<RamSpecData>,
    pub primary_storage: Option<StorageProfileData>,
    pub secondary_storage: Option<StorageProfileData>,
    /// Whether the row named a condition (an update keeps the stored one otherwise).
    pub condition_given: bool,
}

/// A parsed row of any entity.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Cpu(CpuData),
    Gpu(GpuData),
    Ports(PortsProfileData),
    Listing(Box<ListingRow>),
}

fn custom(r: &mut RowReader<'_>, attached: &[AttachedColumn]) -> Json {
    let mut out = Map::new();
    for a in attached {
        let field = format!("attributes.{}", a.key);
        let v = match r.raw_at(&field, a.column) {
            None => continue,
            Some(Data::Float(f)) => {
                serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number)
            }
            Some(Data::Int(i)) => Json::from(*i),
            Some(Data::Bool(b)) => Json::Bool(*b),
            Some(d) => Json::String(cell_text(d)),
        };
        match a.def.validate(&a.key, &v) {
            Ok(Some(v)) => {
                out.insert(a.key.clone(), v);
            }
            Ok(None) => {}
            Err(e) => r.error(&field, e.kind.as_str(), e.message),
        }
    }
    Json::Object(out)
}

fn name(r: &mut RowReader<'_>, field: &str) -> Option<String> {
    match r.text(field) {
        Some(n) if n.chars().count() <= 255 => Some(n),
        Some(_) => {
            r.error(field, "too_long", "at most 255 characters");
            None
        }
        None => {
            r.error(field, "missing", "required");
            None
        }
    }
}

/// Parses one row of `entity`; `None` when the row has errors (recorded in `r`).
pub fn parse_row(
    entity: Entity,
    r: &mut RowReader<'_>,
    attached: &[AttachedColumn],
) -> Option<Parsed> {
    let parsed = match entity {
        Entity::Cpu => cpu(r, attached).map(Parsed::Cpu),
        Entity::Gpu => gpu(r, attached).map(Parsed::Gpu),
        Entity::PortsProfile => ports(r, attached).map(Parsed::Ports),
        Entity::Listing => listing(r, attached).map(|l| Parsed::Listing(Box::new(l))),
    };
    parsed.filter(|_| r.errors.is_empty())
}

fn cpu(r: &mut RowReader<'_>, attached: &[AttachedColumn]) -> Option<CpuData> {
    let name = name(r, "name");
    let d = CpuData {
        manufacturer: r.text("manufacturer").unwrap_or_else(|| {
            name.as_deref()
                .map_or("Unknown", parsing::cpu_manufacturer)
                .to_owned()
        }),
        socket: r.text("socket"),
        cores: r.int("cores"),
        threads: r.int("threads"),
        tdp_w: r.int("tdp_w"),
        igpu_model: r.text("igpu_model"),
        igpu_mark: r.int("igpu_mark"),
        cpu_mark_multi: r.int("cpu_mark_multi"),
        cpu_mark_single: r.int("cpu_mark_single"),
        release_year: r.int("release_year"),
        notes: r.text("notes"),
        attributes: custom(r, attached),
        name: name.clone().unwrap_or_default(),
        ..CpuData::default()
    };
    name.map(|_| d)
}

fn gpu(r: &mut RowReader<'_>, attached: &[AttachedColumn]) -> Option<GpuData> {
    let name = name(r, "name");
    let d = GpuData {
        manufacturer: r.text("manufacturer").unwrap_or_else(|| "Unknown".into()),
        gpu_mark: r.int("gpu_mark"),
        metal_score: r.int("metal_score"),
        notes: r.text("notes"),
        attributes: custom(r, attached),
        name: name.clone().unwrap_or_default(),
    };
    name.map(|_| d)
}

/// A ports list: JSON `[{type, count, spec_notes}]` or text like `2x USB-A, 1x HDMI`.
pub fn parse_ports(text: &str) -> Result<Vec<Port>, String> {
    let mut out: Vec<Port> = Vec::new();
    let mut push = |ty: &str, count: i64, notes: String| -> Result<(), String> {
        let t = parsing::port_type(ty).map_err(|_| format!("`{ty}` is not a port type"))?;
        let port_type: PortType = t
            .parse()
            .map_err(|_| format!("`{ty}` is not a port type"))?;
        let count = i32::try_from(count)
            .ok()
            .filter(|c| (1..=64).contains(c))
            .ok_or_else(|| format!("port count {count} is not 1–64"))?;
        out.push(Port {
            port_type,
            count,
            spec_notes: notes,
        });
        Ok(())
    };
    let t = text.trim();
    if t.starts_with('[') {
        let v: Vec<Json> = serde_json::from_str(t).map_err(|e| format!("invalid JSON: {e}"))?;
        for p in v {
            let ty = p["type"].as_str().ok_or("each port needs a `type`")?;
            let count = p["count"].as_i64().unwrap_or(1);
            let notes = p["spec_notes"].as_str().unwrap_or_default().to_owned();
            push(ty, count, notes)?;
        }
    } else {
        for part in t.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()) {
            let (count, ty) = match part.split_once(['x', 'X', '×']) {
                Some((n, rest)) if n.trim().parse::<i64>().is_ok() => {
                    (n.trim().parse::<i64>().unwrap_or(1), rest.trim())
                }
                _ => (1, part),
            };
            push(ty, count, String::new())?;
        }
    }
    Ok(out)
}

fn ports(r: &mut RowReader<'_>, attached: &[AttachedColumn]) -> Option<PortsProfileData> {
    let name = name(r, "name");
    let ports = match r.text("ports") {
        Some(t) => match parse_ports(&t) {
            Ok(p) => p,
            Err(m) => {
                r.error("ports", "invalid_ports", m);
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let d = PortsProfileData {
        description: r.text("description"),
        attributes: custom(r, attached),
        ports,
        name: name.clone().unwrap_or_default(),
    };
    name.map(|_| d)
}

fn storage(r: &mut RowReader<'_>, size: &str, kind: &str) -> Option<StorageProfileData> {
    let cap = r.capacity(size);
    let typed = r.text(kind).map(|t| parsing::storage_medium(&t));
    let from_size = cap
        .as_ref()
        .map(|(_, t)| parsing::storage_medium(t))
        .filter(|m| *m != "unknown");
    let medium = typed.filter(|m| *m != "unknown").or(from_size);
    let capacity_gb = cap.and_then(|(c, _)| c);
    if capacity_gb.is_none() && medium.is_none() {
        return None;
    }
    Some(StorageProfileData {
        medium: medium
            .and_then(|m| m.parse().ok())
            .unwrap_or(StorageMedium::Unknown),
        capacity_gb,
        ..StorageProfileData::default()
    })
}

fn listing(r: &mut RowReader<'_>, attached: &[AttachedColumn]) -> Option<ListingRow> {
    let title = match r.text("title") {
        Some(t) if (3..=255).contains(&t.chars().count()) => Some(t),
        Some(_) => {
            r.error("title", "invalid_title", "must be 3–255 characters");
            None
        }
        None => {
            r.error("title", "missing", "required");
            None
        }
    };
    let price = match r.cell("price_usd") {
        None => {
            r.error("price_usd", "missing", "required");
            None
        }
        Some((c, text)) => match parsing::price(c) {
            Ok(p) => Some(p),
            Err(k) => {
                r.error(
                    "price_usd",
                    k.as_str(),
                    format!("`{text}` is not a price in US dollars"),
                );
                None
            }
        },
    };
    let condition_text = r.text("condition");
    let condition_given = condition_text.is_some();
    let condition = match condition_text {
        Some(t) => {
            let c = parsing::condition(&t);
            if c.unknown {
                r.warn(
                    "condition",
                    "unknown_condition",
                    format!("`{t}` is not a known condition; read as used"),
                );
            }
            c.value.parse().unwrap_or(Condition::Used)
        }
        None => Condition::Used,
    };
    let listing_url = r.text("listing_url").and_then(|u| match parsing::url(&u) {
        Ok(u) => u,
        Err(k) => {
            r.error(
                "listing_url",
                k.as_str(),
                format!("`{u}` is not an http(s) URL"),
            );
            None
        }
    });
    let ram = r.capacity("ram_gb");
    let ram_text = ram.as_ref().map(|(_, t)| t.clone()).unwrap_or_default();
    let ram_gb = ram.and_then(|(c, _)| c);
    let generation = r
        .text("ram_type")
        .map(|t| parsing::ram_generation(&t))
        .filter(|g| *g != "unknown")
        .unwrap_or_else(|| parsing::ram_generation(&ram_text));
    let speed = r.int("ram_speed_mhz").or_else(|| ram_speed(&ram_text));
    let ram_spec =
        (ram_gb.is_some() || generation != "unknown" || speed.is_some()).then(|| RamSpecData {
            ddr_generation: generation.parse().unwrap_or(RamGeneration::Unknown),
            speed_mhz: speed,
            total_capacity_gb: ram_gb,
            ..RamSpecData::default()
        });
    let primary = storage(r, "primary_storage_gb", "primary_storage_type");
    let secondary = storage(r, "secondary_storage_gb", "secondary_storage_type");
    let medium = |s: &Option<StorageProfileData>| {
        s.as_ref()
            .map(|s| s.medium.as_str().to_owned())
            .filter(|m| m != "unknown")
    };
    let mut data = ListingData::new(title.clone().unwrap_or_default(), price.unwrap_or_default());
    data.condition = condition;
    data.listing_url = listing_url;
    data.seller = r.text("seller");
    data.manufacturer = r.text("manufacturer");
    data.series = r.text("series");
    data.model_number = r.text("model_number");
    data.form_factor = r.text("form_factor");
    data.os_license = r.text("os_license");
    data.notes = r.text("notes");
    data.ram_gb = ram_gb;
    data.ram_notes = (!ram_text.is_empty()).then_some(ram_text);
    data.primary_storage_gb = primary.as_ref().and_then(|s| s.capacity_gb);
    data.primary_storage_type = medium(&primary);
    data.secondary_storage_gb = secondary.as_ref().and_then(|s| s.capacity_gb);
    data.secondary_storage_type = medium(&secondary);
    data.attributes = custom(r, attached);
    let cpu_name = r.text("cpu_name");
    let gpu_name = r.text("gpu_name");
    (title.is_some() && price.is_some()).then_some(ListingRow {
        data,
        cpu_name,
        gpu_name,
        ram: ram_spec,
        primary_storage: primary,
        secondary_storage: secondary,
        condition_given,
    })
}

/// The mapped columns of a sheet: field → column index (unknown columns are left out).
pub fn columns_of(
    sheet: &super::read::Sheet,
    mapping: &BTreeMap<String, Option<String>>,
) -> Columns {
    Columns {
        fields: mapping
            .iter()
            .filter_map(|(f, c)| {
                let c = c.as_deref()?;
                Some((f.clone(), sheet.column_index(c)?))
            })
            .collect(),
    }
}
