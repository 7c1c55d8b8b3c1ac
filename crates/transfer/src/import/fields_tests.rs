#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;

fn cols(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn normalises_columns() {
    assert_eq!(normalize("  Price (USD) "), "price usd");
    assert_eq!(normalize("tdp_w"), "tdp w");
    assert_eq!(normalize("RAM--Speed__MHz"), "ram speed mhz");
    assert_eq!(normalize("***"), "");
}

#[test]
fn token_similarity_rewards_shared_words() {
    assert_eq!(similarity("CPU Mark", "cpu_mark"), 1.0);
    let s = similarity("Multi core CPU mark", "cpu mark multi");
    assert!((0.85..1.0).contains(&s), "{s}");
    // One shared word out of three is not a match.
    assert!(similarity("cpu mark single", "cpu") < AUTO_MAP_MIN);
    assert_eq!(similarity("", "x"), 0.0);
}

#[test]
fn infers_entities_with_keyword_bonus_and_declarations() {
    let listing = cols(&[
        "Title",
        "Price",
        "URL",
        "CPU",
        "RAM",
        "Storage",
        "Condition",
    ]);
    let (e, c) = infer_entity("Sheet1", &listing, None);
    assert_eq!(e, Some(Entity::Listing));
    assert_eq!(c, round2(7.0 / 20.0));
    let (_, with_kw) = infer_entity("SFF listings", &listing, None);
    assert_eq!(with_kw, round2(7.0 / 20.0 + 0.15));
    let cpus = cols(&[
        "Name",
        "Cores",
        "Threads",
        "TDP",
        "CPU Mark",
        "Single Thread",
    ]);
    assert_eq!(infer_entity("CPUs", &cpus, None).0, Some(Entity::Cpu));
    // Too few matching columns: no entity, unless declared.
    let junk = cols(&["foo", "bar", "notes"]);
    assert_eq!(infer_entity("misc", &junk, None).0, None);
    assert_eq!(
        infer_entity("misc", &junk, Some(Entity::Gpu)),
        (Some(Entity::Gpu), 1.0)
    );
}

#[test]
fn auto_maps_exact_aliases_first_and_keeps_suggestions() {
    let c = cols(&[
        "Device",
        "Price (USD)",
        "Processor",
        "Memory",
        "Link",
        "Whatever",
    ]);
    let m = auto_map(Entity::Listing, &c);
    let get = |f: &str| m.iter().find(|x| x.field == f).unwrap();
    assert_eq!(get("title").column.as_deref(), Some("Device"));
    assert_eq!(get("title").confidence, 1.0);
    assert_eq!(get("price_usd").column.as_deref(), Some("Price (USD)"));
    assert_eq!(get("price_usd").status, MapStatus::Auto);
    assert!(get("price_usd").confidence >= AUTO_MAP_MIN);
    assert_eq!(get("cpu_name").column.as_deref(), Some("Processor"));
    assert_eq!(get("ram_gb").column.as_deref(), Some("Memory"));
    assert_eq!(get("listing_url").column.as_deref(), Some("Link"));
    assert_eq!(get("seller").status, MapStatus::Missing);
    assert!(get("seller").column.is_none());
    assert!(m.iter().all(|f| f.suggestions.len() <= 5));
    assert!(get("title").required && !get("seller").required);
    // Each column serves one field.
    let used: Vec<_> = m.iter().filter_map(|f| f.column.clone()).collect();
    let mut dedup = used.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(used.len(), dedup.len());
}
