#![allow(clippy::unwrap_used)]

use super::fields::maker;
use super::*;

#[test]
fn csv_with_the_documented_columns() {
    let csv = "cpu_name,cpu_mark_single,cpu_mark_multi,igpu_model,igpu_mark,tdp_w,release_year\n\
               Intel Core i5-8500,\"2,350\",\"9,540\",UHD 630,1250,65,2018\n\
               \"AMD Ryzen 5 5600G\",3200,19850.5,,,65,N/A\n";
    let p = parse(csv.as_bytes()).unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.rows.len(), 2);
    let (line, i5) = &p.rows[0];
    assert_eq!(*line, 2);
    assert_eq!(i5.name, "Intel Core i5-8500");
    assert_eq!(i5.cpu_mark_single, Some(2350));
    assert_eq!(i5.cpu_mark_multi, Some(9540));
    assert_eq!(i5.igpu_model.as_deref(), Some("UHD 630"));
    assert_eq!(i5.tdp_w, Some(65));
    assert_eq!(i5.release_year, Some(2018));
    let r5 = &p.rows[1].1;
    assert_eq!(r5.cpu_mark_multi, Some(19851), "half-up");
    assert_eq!(r5.igpu_mark, None);
    assert_eq!(r5.release_year, None, "N/A is null");
}

#[test]
fn json_fallbacks() {
    let json = r#"{"data": [
        {"name": "Intel Core i7-8700", "cpuMark": "13,100", "thread": 2700, "gpuMark": 1300,
         "maxTDP": 65, "date": "Q4 2017", "cores": 6, "logicals": 2, "cat": "Desktop",
         "href": "cpu.php?cpu=Intel+Core+i7-8700", "id": "3099"},
        {"cpu_name": "Apple M1", "rating": 14500, "singleThreadScore": 3700,
         "releaseYear": 2020, "threadCount": 8, "igpuMark": 5000, "tdp": 20},
        {"name": "AMD EPYC 7763", "cpu_mark_multi": 88000, "singleThread": 2600,
         "cores": 64, "logicals": 2, "cpuCount": 2}
    ]}"#;
    let p = parse(json.as_bytes()).unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let i7 = &p.rows[0].1;
    assert_eq!(i7.cpu_mark_multi, Some(13_100));
    assert_eq!(i7.cpu_mark_single, Some(2700));
    assert_eq!(i7.igpu_mark, Some(1300));
    assert_eq!(i7.tdp_w, Some(65));
    assert_eq!(i7.release_year, Some(2017), "first 19xx/20xx of date");
    assert_eq!(i7.threads, Some(12), "cores × logicals × cpuCount(1)");
    assert_eq!(i7.category.as_deref(), Some("Desktop"));
    assert_eq!(i7.slug.as_deref(), Some("cpu.php?cpu=Intel+Core+i7-8700"));
    assert_eq!(i7.passmark_id.as_deref(), Some("3099"));
    let m1 = &p.rows[1].1;
    assert_eq!(
        (m1.cpu_mark_multi, m1.cpu_mark_single, m1.release_year),
        (Some(14_500), Some(3700), Some(2020))
    );
    assert_eq!(
        (m1.threads, m1.igpu_mark, m1.tdp_w),
        (Some(8), Some(5000), Some(20))
    );
    let epyc = &p.rows[2].1;
    assert_eq!(epyc.threads, Some(256));
    assert_eq!(epyc.cpu_mark_single, Some(2600));
}

#[test]
fn json_list_and_cpus_key() {
    assert_eq!(
        parse(br#"[{"name": "X1 Chip", "cpumark": 1}]"#)
            .unwrap()
            .rows
            .len(),
        1
    );
    assert_eq!(
        parse(br#"{"cpus": [{"name": "X1 Chip"}]}"#)
            .unwrap()
            .rows
            .len(),
        1
    );
    assert!(parse(br#"{"other": []}"#).is_err());
    assert!(parse(b"[1, 2").is_err());
}

#[test]
fn row_errors_are_reported_with_lines() {
    let csv = "cpu_name,cpu_mark_multi,tdp_w\n\
               Good CPU,100,10\n\
               ,200,10\n\
               Bad Mark,lots,10\n\
               Negative,-5,10\n\
               good cpu,300,10\n";
    let p = parse(csv.as_bytes()).unwrap();
    assert_eq!(p.rows.len(), 1);
    let got: Vec<(usize, Option<&str>, &str)> = p
        .errors
        .iter()
        .map(|e| (e.line, e.name.as_deref(), e.message.as_str()))
        .collect();
    assert_eq!(got[0], (3, None, "missing cpu_name"));
    assert_eq!(got[1].0, 4);
    assert!(got[1].2.contains("cpu_mark_multi: not a number"), "{got:?}");
    assert!(got[2].2.contains("negative"), "{got:?}");
    assert_eq!(
        got[3],
        (6, Some("good cpu"), "duplicate CPU (first on line 2)")
    );
    let j = parse(br#"[{"name": "A"}, 42, {"name": "B", "cpuMark": true}]"#).unwrap();
    assert_eq!(j.errors.len(), 2);
    assert_eq!(j.errors[0].line, 2);
    assert_eq!(j.errors[1].name.as_deref(), Some("B"));
}

#[test]
fn empty_or_binary_files_fail() {
    assert!(parse(b"").is_err());
    assert!(parse(b"cpu_name,cpu_mark_multi\n").is_err());
    assert!(parse(&[0xff, 0xfe, 0x00]).is_err());
}

#[test]
fn makers() {
    assert_eq!(maker("Intel Core i5-8500"), "Intel");
    assert_eq!(maker("Ryzen 7 5800U"), "AMD");
    assert_eq!(maker("Core i7-1165G7"), "Intel");
    assert_eq!(maker("M2 Pro"), "Apple");
    assert_eq!(maker("Snapdragon X Elite"), "Qualcomm");
    assert_eq!(maker("Mystery 9000"), "Unknown");
}
