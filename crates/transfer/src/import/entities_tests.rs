//! Unit tests of the one-shot import's pure steps: `review` name matches become row errors
//! (and leave the plan), and the summary counts what the plan would write.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::Utc;
use domain::model::{Cpu, CpuData, Record};
use store::ImportCatalogue;

use super::book::{initial_mappings, inspect, parse};
use super::entities::{decisions, drop_review_rows, summarise};
use super::fields::Entity;
use super::plan::analyse;
use super::read::read;

fn cpu(id: i64, name: &str, mark: Option<i32>) -> Cpu {
    Record {
        id,
        data: CpuData {
            name: name.to_owned(),
            cpu_mark_multi: mark,
            ..CpuData::default()
        },
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn catalogue() -> ImportCatalogue {
    ImportCatalogue {
        cpus: vec![
            cpu(1, "Intel Core i5-6500", Some(5000)),
            cpu(2, "Intel Core i5-8500", Some(9000)),
            cpu(3, "Intel Core i7-6700T", None),
        ],
        ..ImportCatalogue::default()
    }
}

/// Reads `csv` as `entity` and runs the one-shot steps; (summary, errors of the sheet).
fn run(csv: &str, entity: Entity) -> (super::entities::Summary, Vec<(usize, String, String)>) {
    let sheets = read("rows.csv", csv.as_bytes()).unwrap();
    let declared = BTreeMap::from([(String::new(), entity)]);
    let maps = initial_mappings(&inspect(&sheets, &declared));
    let mut parsed = parse(&sheets, &maps, &BTreeMap::new());
    let cat = catalogue();
    drop_review_rows(&mut parsed, &cat);
    let analysis = analyse(&parsed, &cat, &decisions());
    assert_eq!(
        analysis.conflicts.unresolved, 0,
        "the decisions settle everything"
    );
    let errors = parsed.sheets[0]
        .preview
        .errors
        .iter()
        .map(|e| (e.row, e.field.clone(), e.code.clone()))
        .collect();
    (summarise(entity, &parsed, &analysis), errors)
}

#[test]
fn review_matches_are_row_errors_and_leave_the_plan() {
    let csv = "Title,Price,Processor\n\
               Exact box,100,Intel Core i7-6700T\n\
               Vague box,110,Core i5\n\
               New chip box,120,Mystery Chip X1\n\
               Bad price box,abc,Intel Core i7-6700T\n";
    let (s, errors) = run(csv, Entity::Listing);
    assert_eq!(
        errors,
        [
            (3, "cpu_name".to_owned(), "ambiguous_match".to_owned()),
            (5, "price_usd".to_owned(), "invalid_price".to_owned()),
        ]
    );
    assert_eq!(
        (
            s.total_rows,
            s.created,
            s.updated,
            s.skipped,
            s.invalid_rows
        ),
        (4, 2, 0, 0, 2)
    );
    assert_eq!(
        s.new_cpus,
        ["Mystery Chip X1"],
        "the vague name creates nothing"
    );
}

#[test]
fn cpu_rows_count_as_created_updated_or_unchanged() {
    let csv = "Name,CPU Mark\n\
               Intel Core i5-6500,6000\n\
               intel core i5-8500,9000\n\
               Brand New CPU,100\n";
    let (s, errors) = run(csv, Entity::Cpu);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        (
            s.total_rows,
            s.created,
            s.updated,
            s.skipped,
            s.invalid_rows
        ),
        (3, 1, 1, 1, 0)
    );
    assert!(
        s.new_cpus.is_empty(),
        "only listing imports report linked CPUs"
    );
}
