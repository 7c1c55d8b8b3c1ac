//! The importable entities and their fields (the table of DOMAIN.md §7.1), column
//! normalisation, token-set similarity, entity inference and automatic column mapping.
//! Pure functions over names; no cell is read here.

use serde::{Deserialize, Serialize};

/// An entity a sheet can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    Cpu,
    Gpu,
    PortsProfile,
    Listing,
}

impl Entity {
    /// Every entity, in commit order (catalogue before the listings that link to it).
    pub const ALL: [Entity; 4] = [
        Entity::Cpu,
        Entity::Gpu,
        Entity::PortsProfile,
        Entity::Listing,
    ];

    /// Its snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Cpu => "cpu",
            Entity::Gpu => "gpu",
            Entity::PortsProfile => "ports_profile",
            Entity::Listing => "listing",
        }
    }

    /// The entity of a snake-case name.
    pub fn parse(s: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// Words in a sheet name that hint at this entity (+0.15 to its score).
    pub fn keywords(self) -> &'static [&'static str] {
        match self {
            Entity::Cpu => &["cpu", "processor", "chip"],
            Entity::Gpu => &["gpu", "graphics"],
            Entity::PortsProfile => &["port", "connectivity"],
            Entity::Listing => &["listing", "device", "sff", "mac"],
        }
    }

    /// Its fields: `(key, required, aliases)`; the key itself (normalised) also matches.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            Entity::Cpu => CPU,
            Entity::Gpu => GPU,
            Entity::PortsProfile => PORTS,
            Entity::Listing => LISTING,
        }
    }

    /// The field spec of `key`.
    pub fn field(self, key: &str) -> Option<&'static FieldSpec> {
        self.fields().iter().find(|f| f.key == key)
    }
}

/// One importable field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: &'static str,
    pub required: bool,
    pub aliases: &'static [&'static str],
}

const fn f(key: &'static str, required: bool, aliases: &'static [&'static str]) -> FieldSpec {
    FieldSpec {
        key,
        required,
        aliases,
    }
}

const CPU: &[FieldSpec] = &[
    f("name", true, &["cpu", "processor"]),
    f("manufacturer", false, &["maker", "brand"]),
    f("socket", false, &[]),
    f("cores", false, &[]),
    f("threads", false, &[]),
    f("tdp_w", false, &["tdp"]),
    f("igpu_model", false, &["igpu", "integrated gpu", "graphics"]),
    f("igpu_mark", false, &[]),
    f("cpu_mark_multi", false, &["cpu mark", "multi score"]),
    f("cpu_mark_single", false, &["single thread", "single score"]),
    f("release_year", false, &["year"]),
    f("notes", false, &[]),
];

const GPU: &[FieldSpec] = &[
    f("name", true, &["gpu", "graphics", "model"]),
    f("manufacturer", false, &["maker", "brand"]),
    f("gpu_mark", false, &["gpu score"]),
    f("metal_score", false, &["metal"]),
    f("notes", false, &[]),
];

const PORTS: &[FieldSpec] = &[
    f("name", true, &["profile"]),
    f("description", false, &[]),
    f("ports", false, &["port breakdown", "port list"]),
];

const LISTING: &[FieldSpec] = &[
    f("title", true, &["device", "listing"]),
    f("price_usd", true, &["price", "cost"]),
    f("condition", false, &["state"]),
    f("listing_url", false, &["url", "link"]),
    f("seller", false, &[]),
    f("manufacturer", false, &["make", "oem"]),
    f("series", false, &[]),
    f("model_number", false, &[]),
    f("form_factor", false, &["size"]),
    f("cpu_name", false, &["cpu", "processor"]),
    f("gpu_name", false, &["gpu", "graphics"]),
    f("ram_gb", false, &["memory", "ram"]),
    f("ram_type", false, &["memory type"]),
    f("ram_speed_mhz", false, &["ram speed"]),
    f("primary_storage_gb", false, &["storage", "storage 1"]),
    f(
        "primary_storage_type",
        false,
        &["storage type", "storage 1 type"],
    ),
    f(
        "secondary_storage_gb",
        false,
        &["storage 2", "secondary storage"],
    ),
    f("secondary_storage_type", false, &["storage 2 type"]),
    f("os_license", false, &["os", "operating system"]),
    f("notes", false, &[]),
];

/// A column name normalised (§7.1): lower case, every run of non-alphanumerics one space,
/// trimmed (`"Price (USD)"` → `"price usd"`, `"tdp_w"` → `"tdp w"`).
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// The distinct words of a normalised name.
pub fn tokens(normalized: &str) -> Vec<&str> {
    let mut t: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
    t.sort_unstable();
    t.dedup();
    t
}

/// Token-set similarity of two sorted, de-duplicated word lists, 0–1: the larger of the Dice
/// coefficient (2·shared / total) and 0.9 × the share of the smaller set found in the other
/// when that set has at least two words — so `i5 8500` is close to `core i5 8500` while a
/// lone shared word (`cpu` in `cpu mark single`) is not enough.
pub fn token_similarity(a: &[&str], b: &[&str]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.iter().filter(|w| b.binary_search(w).is_ok()).count() as f64;
    let dice = 2.0 * shared / (a.len() + b.len()) as f64;
    let small = a.len().min(b.len());
    let contained = if small >= 2 {
        // Ratio first: a full containment scores exactly 0.9 (the auto threshold).
        0.9 * (shared / small as f64)
    } else {
        0.0
    };
    dice.max(contained)
}

/// Similarity of two raw names: 1 when equal once normalised, else [`token_similarity`].
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b) = (normalize(a), normalize(b));
    if a == b {
        return 1.0;
    }
    token_similarity(&tokens(&a), &tokens(&b))
}

/// Whether `column` (normalised) equals the key or an alias of `spec`.
fn exact(spec: &FieldSpec, column: &str) -> bool {
    normalize(spec.key) == column || spec.aliases.contains(&column)
}

/// How well `column` fits `spec`: 1 for an exact key/alias, else the best similarity.
pub fn field_score(spec: &FieldSpec, column: &str) -> f64 {
    let col = normalize(column);
    if exact(spec, &col) {
        return 1.0;
    }
    let ct = tokens(&col);
    std::iter::once(normalize(spec.key))
        .chain(spec.aliases.iter().map(|a| (*a).to_owned()))
        .map(|a| token_similarity(&ct, &tokens(&a)))
        .fold(0.0, f64::max)
}

/// Below this an entity is not inferred.
pub const ENTITY_MIN: f64 = 0.25;
/// From this similarity a column is mapped automatically.
pub const AUTO_MAP_MIN: f64 = 0.65;

/// Score of `entity` for a sheet (§7.1 step 2): the share of its fields with an alias equal
/// to a column, + 0.15 when the sheet name holds one of its keywords.
pub fn entity_score(entity: Entity, sheet_name: &str, columns: &[String]) -> f64 {
    let cols: Vec<String> = columns.iter().map(|c| normalize(c)).collect();
    let fields = entity.fields();
    let hits = fields
        .iter()
        .filter(|f| cols.iter().any(|c| exact(f, c)))
        .count();
    let name = sheet_name.to_lowercase();
    let bonus = if entity.keywords().iter().any(|k| name.contains(k)) {
        0.15
    } else {
        0.0
    };
    hits as f64 / fields.len() as f64 + bonus
}

/// The inferred entity of a sheet and its confidence; a declared entity wins (confidence 1).
/// Ties go to the entity listed later in [`Entity::ALL`] (listings), the common upload.
pub fn infer_entity(
    sheet_name: &str,
    columns: &[String],
    declared: Option<Entity>,
) -> (Option<Entity>, f64) {
    if let Some(e) = declared {
        return (Some(e), 1.0);
    }
    let mut best = (None, 0.0);
    for e in Entity::ALL {
        let s = entity_score(e, sheet_name, columns);
        if s >= best.1 && s > 0.0 {
            best = (Some(e), s);
        }
    }
    if best.1 < ENTITY_MIN {
        return (None, round2(best.1));
    }
    (best.0, round2(best.1.min(1.0)))
}

/// Two decimals, for display and stable JSON.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// How a field got (or lacks) its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapStatus {
    Auto,
    Manual,
    Missing,
}

/// A candidate column with its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub column: String,
    pub confidence: f64,
}

/// The column of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldMapping {
    pub field: String,
    pub required: bool,
    pub column: Option<String>,
    pub confidence: f64,
    pub status: MapStatus,
    /// The five best columns.
    pub suggestions: Vec<Suggestion>,
}

/// Maps `columns` to the fields of `entity` (§7.1 step 3). Each column serves one field:
/// pairs are taken best first, so an exact alias (1.0) beats a near match elsewhere.
pub fn auto_map(entity: Entity, columns: &[String]) -> Vec<FieldMapping> {
    let fields = entity.fields();
    let scores: Vec<Vec<f64>> = fields
        .iter()
        .map(|f| columns.iter().map(|c| field_score(f, c)).collect())
        .collect();
    let mut pairs: Vec<(f64, usize, usize)> = scores
        .iter()
        .enumerate()
        .flat_map(|(fi, row)| row.iter().enumerate().map(move |(ci, s)| (*s, fi, ci)))
        .filter(|(s, _, _)| *s >= AUTO_MAP_MIN)
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut field_col: Vec<Option<(usize, f64)>> = vec![None; fields.len()];
    let mut used = vec![false; columns.len()];
    for (s, fi, ci) in pairs {
        if field_col[fi].is_none() && !used[ci] {
            field_col[fi] = Some((ci, s));
            used[ci] = true;
        }
    }
    fields
        .iter()
        .enumerate()
        .map(|(fi, spec)| {
            let mut sugg: Vec<Suggestion> = columns
                .iter()
                .zip(&scores[fi])
                .filter(|(_, s)| **s > 0.0)
                .map(|(c, s)| Suggestion {
                    column: c.clone(),
                    confidence: round2(*s),
                })
                .collect();
            sugg.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
            sugg.truncate(5);
            let (column, confidence, status) = match field_col[fi] {
                Some((ci, s)) => (Some(columns[ci].clone()), round2(s), MapStatus::Auto),
                None => (None, 0.0, MapStatus::Missing),
            };
            FieldMapping {
                field: spec.key.to_owned(),
                required: spec.required,
                column,
                confidence,
                status,
                suggestions: sugg,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
