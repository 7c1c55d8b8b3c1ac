//! `schema/schema.graphql` is what the code exports (`dealbrain schema` regenerates it), and
//! every type and field has a description.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn committed_sdl_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == api::sdl(),
        "schema/schema.graphql differs from the code: run `cargo run -p app -- schema`"
    );
}

#[test]
fn every_object_field_has_a_description() {
    let sdl = api::sdl();
    let mut missing = Vec::new();
    let mut in_type = None::<String>;
    let mut described = false;
    // Inside a multi-line `"""…"""` description: its lines are text, not fields.
    let mut in_block = false;
    for line in sdl.lines() {
        let t = line.trim();
        if in_block {
            in_block = t != "\"\"\"";
            continue;
        }
        if t == "\"\"\"" {
            in_block = true;
            described = true;
            continue;
        }
        if let Some(rest) = t
            .strip_prefix("type ")
            .or_else(|| t.strip_prefix("input "))
            .or_else(|| t.strip_prefix("interface "))
        {
            in_type = rest.split([' ', '{']).next().map(str::to_owned);
            described = false;
            continue;
        }
        if t == "}" {
            in_type = None;
            continue;
        }
        if t.starts_with('"') {
            described = true;
            continue;
        }
        let top = line.starts_with("\t") && !line.starts_with("\t\t");
        if let (Some(ty), true) = (&in_type, top) {
            if !t.is_empty()
                && !described
                && !ty.starts_with("__")
                && !ty.ends_with("Edge")
                && !ty.ends_with("Connection")
                && ty != "PageInfo"
            {
                missing.push(format!("{ty}.{t}"));
            }
            described = false;
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}
