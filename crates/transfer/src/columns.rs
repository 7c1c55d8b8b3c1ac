//! The exported columns of listings, CPUs and GPUs, and one row of cells per record.
//! Custom fields follow the fixed columns as `custom.<key>`, in the definitions' order.

use domain::custom_fields::key::{CPU_COLUMNS, GPU_COLUMNS};
use domain::model::{Cpu, Gpu, Listing};
use serde_json::Value as Json;

use crate::table::Cell;

const LISTING: &[&str] = &[
    "id",
    "title",
    "listing_url",
    "seller",
    "price_usd",
    "condition",
    "status",
    "manufacturer",
    "series",
    "model_number",
    "form_factor",
    "device_model",
    "cpu",
    "gpu",
    "ram_gb",
    "primary_storage_gb",
    "primary_storage_type",
    "secondary_storage_gb",
    "secondary_storage_type",
    "os_license",
    "notes",
    "adjusted_price_usd",
    "delta_pct",
    "deal_class",
    "valued_at",
    "score_cpu_multi",
    "score_cpu_single",
    "score_gpu",
    "perf_per_watt",
    "score_composite",
    "dollar_per_cpu_mark_multi",
    "dollar_per_cpu_mark_multi_adjusted",
    "dollar_per_cpu_mark_single",
    "dollar_per_cpu_mark_single_adjusted",
    "created_at",
    "updated_at",
];

/// `id` followed by an entity's stored columns (the domain's list, so a new column of the
/// catalogue shows up here and in the reserved custom keys alike).
fn id_then(columns: &[&'static str]) -> Vec<&'static str> {
    std::iter::once("id")
        .chain(columns.iter().copied())
        .collect()
}

fn with_custom(fixed: &[&str], custom_keys: &[String]) -> Vec<String> {
    fixed
        .iter()
        .map(|s| (*s).to_owned())
        .chain(custom_keys.iter().map(|k| format!("custom.{k}")))
        .collect()
}

fn custom(row: &mut Vec<Cell>, attributes: &Json, custom_keys: &[String]) {
    row.extend(
        custom_keys
            .iter()
            .map(|k| attributes.get(k).map_or(Cell::Null, Cell::from_json)),
    );
}

fn time(t: chrono::DateTime<chrono::Utc>) -> Cell {
    Cell::Text(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Listing columns.
pub fn listing_columns(custom_keys: &[String]) -> Vec<String> {
    with_custom(LISTING, custom_keys)
}

/// One listing's cells; `cpu`/`gpu` are the linked components' names.
pub fn listing_row(
    l: &Listing,
    cpu: Option<&str>,
    gpu: Option<&str>,
    custom_keys: &[String],
) -> Vec<Cell> {
    let d = &l.data;
    let v = &l.valuation;
    let mut row: Vec<Cell> = vec![
        l.id.into(),
        d.title.clone().into(),
        d.listing_url.clone().into(),
        d.seller.clone().into(),
        d.price_usd.into(),
        d.condition.as_str().into(),
        d.status.as_str().into(),
        d.manufacturer.clone().into(),
        d.series.clone().into(),
        d.model_number.clone().into(),
        d.form_factor.clone().into(),
        d.device_model.clone().into(),
        cpu.map(str::to_owned).into(),
        gpu.map(str::to_owned).into(),
        d.ram_gb.into(),
        d.primary_storage_gb.into(),
        d.primary_storage_type.clone().into(),
        d.secondary_storage_gb.into(),
        d.secondary_storage_type.clone().into(),
        d.os_license.clone().into(),
        d.notes.clone().into(),
        v.adjusted_price_usd.into(),
        v.delta_pct.into(),
        v.deal_class.map(|c| c.as_str().to_owned()).into(),
        v.valued_at.map_or(Cell::Null, time),
        v.score_cpu_multi.into(),
        v.score_cpu_single.into(),
        v.score_gpu.into(),
        v.perf_per_watt.into(),
        v.score_composite.into(),
        v.dollar_per_cpu_mark_multi.into(),
        v.dollar_per_cpu_mark_multi_adjusted.into(),
        v.dollar_per_cpu_mark_single.into(),
        v.dollar_per_cpu_mark_single_adjusted.into(),
        time(l.created_at),
        time(l.updated_at),
    ];
    custom(&mut row, &d.attributes, custom_keys);
    row
}

/// CPU columns.
pub fn cpu_columns(custom_keys: &[String]) -> Vec<String> {
    with_custom(&id_then(CPU_COLUMNS), custom_keys)
}

/// One CPU's cells.
pub fn cpu_row(c: &Cpu, custom_keys: &[String]) -> Vec<Cell> {
    let d = &c.data;
    let mut row: Vec<Cell> = vec![
        c.id.into(),
        d.name.clone().into(),
        d.manufacturer.clone().into(),
        d.socket.clone().into(),
        d.cores.into(),
        d.threads.into(),
        d.tdp_w.into(),
        d.igpu_model.clone().into(),
        d.igpu_mark.into(),
        d.cpu_mark_multi.into(),
        d.cpu_mark_single.into(),
        d.release_year.into(),
        d.passmark_slug.clone().into(),
        d.passmark_category.clone().into(),
        d.passmark_id.clone().into(),
        d.notes.clone().into(),
    ];
    custom(&mut row, &d.attributes, custom_keys);
    row
}

/// GPU columns.
pub fn gpu_columns(custom_keys: &[String]) -> Vec<String> {
    with_custom(&id_then(GPU_COLUMNS), custom_keys)
}

/// One GPU's cells.
pub fn gpu_row(g: &Gpu, custom_keys: &[String]) -> Vec<Cell> {
    let d = &g.data;
    let mut row: Vec<Cell> = vec![
        g.id.into(),
        d.name.clone().into(),
        d.manufacturer.clone().into(),
        d.gpu_mark.into(),
        d.metal_score.into(),
        d.notes.clone().into(),
    ];
    custom(&mut row, &d.attributes, custom_keys);
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_columns() {
        let keys = vec!["warranty".to_owned()];
        let data = domain::model::ListingData {
            attributes: serde_json::json!({"warranty": 12, "other": "x"}),
            ..domain::model::ListingData::new("HP EliteDesk", rust_decimal::Decimal::new(19900, 2))
        };
        let l = Listing {
            id: 7,
            data,
            valuation: Default::default(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        let cols = listing_columns(&keys);
        let row = listing_row(&l, Some("Intel Core i5-8500"), None, &keys);
        assert_eq!(cols.len(), row.len());
        assert_eq!(cols.last().map(String::as_str), Some("custom.warranty"));
        assert_eq!(row.last(), Some(&Cell::Int(12)));
        assert_eq!(row[12], Cell::Text("Intel Core i5-8500".into()));
        assert_eq!(cpu_columns(&[])[0], "id");
        assert_eq!(cpu_columns(&[]).len(), CPU_COLUMNS.len() + 1);
        assert_eq!(gpu_columns(&[]).len(), GPU_COLUMNS.len() + 1);
    }
}
