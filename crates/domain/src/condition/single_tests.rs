//! A one-leaf tree decided by its leaf alone (`Condition::single`) against the walk over the
//! flattened steps it replaces: every operator on fields of every kind, present and absent.

use serde_json::json;

use super::Condition;
use crate::context::{Context, FieldRegistry};

#[test]
fn one_leaf_trees_decide_as_the_walk() {
    let registry = FieldRegistry::new(["has_wifi", "tags", "blob"]);
    let full = Context::from_json(&json!({
        "listing": {"title": "HP EliteDesk 800 G6 Mini", "condition": "refurb", "ram_gb": 16},
        "cpu": {"cores": 6, "name": "i5"},
        "storage": {"primary": {"medium": "nvme"}},
        "custom": {"has_wifi": true, "tags": ["a", "refurb"], "blob": {"x": 1}}
    }));
    let empty = Context::from_json(&json!({"listing": {}}));
    let fields = [
        "ram_gb",
        "cpu.cores",
        "title",
        "condition",
        "custom.has_wifi",
        "custom.tags",
        "custom.blob",
        "storage.primary",
        "gpu.gpu_mark",
    ];
    let values = [
        json!(null),
        json!(true),
        json!(16),
        json!(2.5),
        json!("refurb"),
        json!("HP"),
        json!("16"),
        json!([1, 16]),
        json!(["a", "refurb"]),
        json!([4, 20]),
    ];
    let mut decided = 0;
    for field in fields {
        for op in super::OPERATORS {
            for value in &values {
                let tree = json!({"field": field, "operator": op, "value": value});
                let Ok(single) = Condition::compile(&tree, &registry) else {
                    continue;
                };
                assert!(single.single, "{tree}");
                let mut walk = single.clone();
                walk.single = false;
                for ctx in [&full, &empty] {
                    assert_eq!(single.eval(ctx), walk.eval(ctx), "{tree}");
                    decided += 1;
                }
            }
        }
    }
    assert!(decided > 300, "{decided}");
    // Groups are walked.
    let group =
        json!({"logic": "not", "conditions": [{"field": "ram_gb", "operator": "gte", "value": 8}]});
    let group = Condition::compile(&group, &registry);
    assert!(group.is_ok_and(|c| !c.single));
}
