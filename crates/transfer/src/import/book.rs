//! Inspection (§7.1 step 2) and parsing every mapped row of an upload into typed records
//! with their errors (step 4). Pure: sheets in, [`ParsedBook`] out.

use std::collections::{BTreeMap, BTreeSet};

use super::cells::{RowIssue, RowReader, cell_text};
use super::fields::{Entity, auto_map, infer_entity};
use super::read::Sheet;
use super::rows::{AttachedColumn, Parsed, columns_of, parse_row};
use super::state::{ColumnInfo, EntityPreview, MAX_LISTED, PreviewRow, SheetInfo, SheetMapping};

/// Rows shown per entity.
pub const PREVIEW_ROWS: usize = 5;

/// Inspects the sheets; `declared` (by sheet name, or `""` for every sheet) wins.
pub fn inspect(sheets: &[Sheet], declared: &BTreeMap<String, Entity>) -> Vec<SheetInfo> {
    sheets
        .iter()
        .map(|s| {
            let decl = declared.get(&s.name).or_else(|| declared.get("")).copied();
            let (entity, confidence) = infer_entity(&s.name, &s.columns, decl);
            let mut samples: Vec<Vec<String>> = vec![Vec::new(); s.columns.len()];
            for (_, row) in s.rows().take(3) {
                for (i, col) in samples.iter_mut().enumerate() {
                    if let Some(d) = row.get(i) {
                        let t = cell_text(d);
                        if !t.trim().is_empty() {
                            col.push(t);
                        }
                    }
                }
            }
            SheetInfo {
                name: s.name.clone(),
                row_count: s.row_count(),
                columns: s
                    .columns
                    .iter()
                    .zip(samples)
                    .map(|(n, samples)| ColumnInfo {
                        name: n.clone(),
                        samples,
                    })
                    .collect(),
                entity,
                confidence,
            }
        })
        .collect()
}

/// Automatic mappings of inspected sheets.
pub fn initial_mappings(sheets: &[SheetInfo]) -> Vec<SheetMapping> {
    sheets
        .iter()
        .map(|s| {
            let cols: Vec<String> = s.columns.iter().map(|c| c.name.clone()).collect();
            SheetMapping {
                sheet: s.name.clone(),
                entity: s.entity,
                fields: s.entity.map(|e| auto_map(e, &cols)).unwrap_or_default(),
            }
        })
        .collect()
}

/// The parsed rows of one sheet.
#[derive(Debug)]
pub struct ParsedSheet {
    pub sheet: String,
    pub entity: Entity,
    /// Rows without errors: (spreadsheet row, record).
    pub rows: Vec<(usize, Parsed)>,
    pub preview: EntityPreview,
}

/// Every mapped sheet, parsed.
#[derive(Debug, Default)]
pub struct ParsedBook {
    pub sheets: Vec<ParsedSheet>,
}

impl ParsedBook {
    /// Whether every sheet with an entity has its required fields mapped (and one has).
    pub fn mapped(&self) -> bool {
        !self.sheets.is_empty()
            && self
                .sheets
                .iter()
                .all(|s| s.preview.missing_required.is_empty())
    }

    /// Row errors over all sheets.
    pub fn error_count(&self) -> usize {
        self.sheets.iter().map(|s| s.preview.error_count).sum()
    }

    /// The url keys and lower-cased titles of the listing rows (what to look up).
    pub fn listing_keys(&self) -> (Vec<String>, BTreeSet<String>) {
        let mut urls = BTreeSet::new();
        let mut titles = BTreeSet::new();
        for (_, p) in self.sheets.iter().flat_map(|s| &s.rows) {
            if let Parsed::Listing(l) = p {
                match l.data.listing_url.as_deref() {
                    Some(u) => {
                        if let Ok(k) = store::listing_url_key(u) {
                            urls.insert(k);
                        }
                    }
                    None => {
                        titles.insert(l.data.title.trim().to_lowercase());
                    }
                }
            }
        }
        (urls.into_iter().collect(), titles)
    }
}

fn push_capped(list: &mut Vec<RowIssue>, items: impl IntoIterator<Item = RowIssue>) {
    for i in items {
        if list.len() < MAX_LISTED {
            list.push(i);
        }
    }
}

/// Parses every row of every sheet that has an entity. Within an upload a repeated catalogue
/// name or listing URL is a row error on the later row.
pub fn parse(
    sheets: &[Sheet],
    mappings: &[SheetMapping],
    attached: &BTreeMap<String, Vec<AttachedColumn>>,
) -> ParsedBook {
    let mut book = ParsedBook::default();
    let mut seen_urls: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for m in mappings {
        let (Some(entity), Some(sheet)) = (m.entity, sheets.iter().find(|s| s.name == m.sheet))
        else {
            continue;
        };
        let map: BTreeMap<String, Option<String>> = m
            .fields
            .iter()
            .map(|f| (f.field.clone(), f.column.clone()))
            .collect();
        let cols = columns_of(sheet, &map);
        let missing_required = m
            .fields
            .iter()
            .filter(|f| f.required && cols.get(&f.field).is_none())
            .map(|f| f.field.clone())
            .collect();
        let no_attached = Vec::new();
        let att = attached.get(&m.sheet).unwrap_or(&no_attached);
        let mut preview = EntityPreview {
            entity,
            sheet: m.sheet.clone(),
            total_rows: 0,
            valid_rows: 0,
            rows: Vec::new(),
            error_count: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            missing_required,
        };
        let mut rows = Vec::new();
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        for (n, cells) in sheet.rows() {
            preview.total_rows += 1;
            let mut r = RowReader::new(sheet, n, cells, &cols);
            let parsed = parse_row(entity, &mut r, att);
            if let Some(p) = &parsed {
                dedup(&mut r, p, &mut names, &mut seen_urls, &m.sheet);
            }
            if preview.rows.len() < PREVIEW_ROWS {
                let values = cols
                    .fields
                    .iter()
                    .filter_map(|(f, c)| Some((f.clone(), cell_text(cells.get(*c)?))))
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                preview.rows.push(PreviewRow {
                    row: n,
                    values,
                    errors: r.errors.clone(),
                });
            }
            preview.error_count += usize::from(!r.errors.is_empty());
            push_capped(&mut preview.errors, r.errors.iter().cloned());
            push_capped(&mut preview.warnings, r.warnings);
            if let (Some(p), true) = (parsed, r.errors.is_empty()) {
                rows.push((n, p));
            }
        }
        preview.valid_rows = rows.len();
        book.sheets.push(ParsedSheet {
            sheet: m.sheet.clone(),
            entity,
            rows,
            preview,
        });
    }
    book
}

fn dedup(
    r: &mut RowReader<'_>,
    p: &Parsed,
    names: &mut BTreeMap<String, usize>,
    urls: &mut BTreeMap<String, (String, usize)>,
    sheet: &str,
) {
    let name = match p {
        Parsed::Cpu(c) => Some(&c.name),
        Parsed::Gpu(g) => Some(&g.name),
        Parsed::Ports(p) => Some(&p.name),
        Parsed::Listing(_) => None,
    };
    if let Some(name) = name {
        let key = domain::model::name_key(name);
        if let Some(first) = names.get(&key) {
            r.error(
                "name",
                "duplicate_row",
                format!("`{name}` already appears on row {first}"),
            );
        } else {
            names.insert(key, r.row);
        }
    }
    if let Parsed::Listing(l) = p
        && let Some(u) = l.data.listing_url.as_deref()
        && let Ok(key) = store::listing_url_key(u)
    {
        if let Some((s, row)) = urls.get(&key) {
            r.error(
                "listing_url",
                "duplicate_url",
                format!("the same URL is on sheet `{s}` row {row}"),
            );
        } else {
            urls.insert(key, (sheet.to_owned(), r.row));
        }
    }
}
