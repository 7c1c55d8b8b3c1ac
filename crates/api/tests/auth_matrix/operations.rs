//! Every mutation of the schema with a document calling it and the least role it needs
//! (1 viewer, 2 editor, 3 admin), and every subscription with a document. Shared by the in-process matrix (`tests/auth.rs`, which
//! also checks the list against the SDL) and the resilience suite of `crates/app`, which runs
//! it against the real binary with revoked tokens too.

/// (document, least role) for every mutation of the schema. Ids point nowhere, so a permitted
/// call fails with NOT_FOUND or succeeds; what matters is the auth outcome.
pub const MUTATIONS: &[(&str, &str, u8)] = &[
    (
        "createListing",
        r#"mutation { createListing(input: {title: "Auth test", price: "1.00"}) { id } }"#,
        2,
    ),
    (
        "updateListing",
        r#"mutation { updateListing(id: "999999", input: {}) { id } }"#,
        2,
    ),
    (
        "deleteListing",
        r#"mutation { deleteListing(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "setListingValuationOverride",
        r#"mutation { setListingValuationOverride(id: "999999", mode: AUTO) { id } }"#,
        2,
    ),
    (
        "recalculateListing",
        r#"mutation { recalculateListing(id: "999999") { id } }"#,
        2,
    ),
    (
        "createCpu",
        r#"mutation { createCpu(input: {name: "Auth CPU"}) { id } }"#,
        2,
    ),
    (
        "updateCpu",
        r#"mutation { updateCpu(id: "999999", input: {}) { id } }"#,
        2,
    ),
    (
        "deleteCpu",
        r#"mutation { deleteCpu(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "createGpu",
        r#"mutation { createGpu(input: {name: "Auth GPU"}) { id } }"#,
        2,
    ),
    (
        "updateGpu",
        r#"mutation { updateGpu(id: "999999", input: {}) { id } }"#,
        2,
    ),
    (
        "deleteGpu",
        r#"mutation { deleteGpu(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "createPortsProfile",
        r#"mutation { createPortsProfile(input: {name: "Auth ports"}) { id } }"#,
        2,
    ),
    (
        "updatePortsProfile",
        r#"mutation { updatePortsProfile(id: "999999", input: {name: "x"}) { id } }"#,
        2,
    ),
    (
        "deletePortsProfile",
        r#"mutation { deletePortsProfile(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "createRamSpec",
        r#"mutation { createRamSpec(input: {speedMhz: 1234}) { id } }"#,
        2,
    ),
    (
        "deleteRamSpec",
        r#"mutation { deleteRamSpec(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "createStorageProfile",
        r#"mutation { createStorageProfile(input: {capacityGb: 123}) { id } }"#,
        2,
    ),
    (
        "deleteStorageProfile",
        r#"mutation { deleteStorageProfile(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "createRuleset",
        r#"mutation { createRuleset(input: {name: "Auth set"}) { id } }"#,
        2,
    ),
    (
        "updateRuleset",
        r#"mutation { updateRuleset(id: "999999", input: {}) { id } }"#,
        2,
    ),
    (
        "deleteRuleset",
        r#"mutation { deleteRuleset(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "createRuleGroup",
        r#"mutation { createRuleGroup(input: {rulesetId: "999999", name: "g"}) { id } }"#,
        2,
    ),
    (
        "updateRuleGroup",
        r#"mutation { updateRuleGroup(id: "999999", input: {}) { id } }"#,
        2,
    ),
    (
        "deleteRuleGroup",
        r#"mutation { deleteRuleGroup(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "createRule",
        r#"mutation { createRule(input: {groupId: "999999", name: "r", actions: [{type: "fixed_value", value: 1}]}) { id } }"#,
        2,
    ),
    (
        "updateRule",
        r#"mutation { updateRule(id: "999999", input: {}) { id } }"#,
        2,
    ),
    (
        "deleteRule",
        r#"mutation { deleteRule(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "createScoringProfile",
        r#"mutation { createScoringProfile(input: {name: "Auth profile", weights: {}}) { id } }"#,
        2,
    ),
    (
        "updateScoringProfile",
        r#"mutation { updateScoringProfile(id: "999999", input: {name: "x", weights: {}}) { id } }"#,
        2,
    ),
    (
        "setDefaultScoringProfile",
        r#"mutation { setDefaultScoringProfile(id: "999999") { id } }"#,
        2,
    ),
    (
        "deleteScoringProfile",
        r#"mutation { deleteScoringProfile(id: "999999") { deletedId } }"#,
        2,
    ),
    (
        "createCustomField",
        r#"mutation { createCustomField(input: {entity: LISTING, label: "Auth field"}) { id } }"#,
        3,
    ),
    (
        "updateCustomField",
        r#"mutation { updateCustomField(id: "999999", input: {entity: LISTING, label: "x"}) { id } }"#,
        3,
    ),
    (
        "deleteCustomField",
        r#"mutation { deleteCustomField(id: "999999") { deletedId } }"#,
        3,
    ),
    (
        "setSetting",
        r#"mutation { setSetting(key: "k", value: 1) { key } }"#,
        3,
    ),
    (
        "setValuationThresholds",
        r#"mutation { setValuationThresholds(goodDeal: 15, greatDeal: 25, premiumWarning: 10) { goodDeal } }"#,
        3,
    ),
    (
        "createApiToken",
        r#"mutation { createApiToken(name: "x", role: VIEWER) { secret } }"#,
        3,
    ),
    (
        "bulkUpdateListings",
        r#"mutation { bulkUpdateListings(ids: ["999999"], input: {status: ACTIVE}) { id } }"#,
        2,
    ),
    (
        "enqueueRecalculation",
        r#"mutation { enqueueRecalculation(scope: ALL) }"#,
        3,
    ),
    (
        "revokeApiToken",
        r#"mutation { revokeApiToken(id: 999999) { name } }"#,
        3,
    ),
    (
        "setListingPorts",
        r#"mutation { setListingPorts(id: "999999", ports: [{portType: HDMI}]) { id } }"#,
        2,
    ),
    (
        "setCustomFieldValues",
        r#"mutation { setCustomFieldValues(entity: LISTING, id: "999999", values: {}) { values } }"#,
        2,
    ),
    (
        "addCustomFieldOption",
        r#"mutation { addCustomFieldOption(id: "999999", option: "x") { key } }"#,
        3,
    ),
    (
        "setBasicAdjustments",
        r#"mutation { setBasicAdjustments(rulesetId: "999999", input: {}) { name } }"#,
        2,
    ),
    (
        "cancelJob",
        r#"mutation { cancelJob(id: "00000000-0000-4000-8000-000000000000") { id } }"#,
        3,
    ),
    (
        "exportListings",
        r#"mutation { exportListings(format: CSV) { url } }"#,
        1,
    ),
    (
        "exportCpus",
        r#"mutation { exportCpus(format: JSON) { url } }"#,
        1,
    ),
    (
        "exportGpus",
        r#"mutation { exportGpus(format: JSON) { url } }"#,
        1,
    ),
    (
        // No multipart part behind the upload: permitted callers get BAD_USER_INPUT.
        "importPassmark",
        r##"mutation { importPassmark(file: "#__graphql_file__:0") { committed } }"##,
        2,
    ),
    (
        // No multipart part behind the upload: permitted callers get BAD_USER_INPUT.
        "importEntities",
        r##"mutation { importEntities(entity: CPU, file: "#__graphql_file__:0", dryRun: true) { created } }"##,
        2,
    ),
    (
        // Not a package: permitted callers get BAD_USER_INPUT.
        "installRulesetPackage",
        r#"mutation { installRulesetPackage(package: {}) { jobId } }"#,
        2,
    ),
    (
        "instantiateBaseline",
        r#"mutation { instantiateBaseline(document: {}) { created } }"#,
        3,
    ),
    (
        "adoptBaseline",
        r#"mutation { adoptBaseline(candidate: {}) { created } }"#,
        3,
    ),
    (
        "createImportSession",
        r##"mutation { createImportSession(file: "#__graphql_file__:0") { id } }"##,
        2,
    ),
    // An unknown session: permitted callers get NOT_FOUND.
    (
        "updateImportMappings",
        r#"mutation { updateImportMappings(id: "00000000-0000-4000-8000-000000000000", mappings: []) { id } }"#,
        2,
    ),
    (
        "refreshImportConflicts",
        r#"mutation { refreshImportConflicts(id: "00000000-0000-4000-8000-000000000000") { id } }"#,
        2,
    ),
    (
        "attachImportCustomField",
        r#"mutation { attachImportCustomField(id: "00000000-0000-4000-8000-000000000000", sheet: "s", column: "c") { id } }"#,
        2,
    ),
    (
        "commitImportSession",
        r#"mutation { commitImportSession(id: "00000000-0000-4000-8000-000000000000") { result { createdListings } } }"#,
        2,
    ),
    (
        "cancelImportSession",
        r#"mutation { cancelImportSession(id: "00000000-0000-4000-8000-000000000000") { id } }"#,
        2,
    ),
];

/// (name, document) for every subscription of the schema. Subscriptions are reads: any
/// caller when reads are public, any token when `AUTH_READS=token`.
pub const SUBSCRIPTIONS: &[(&str, &str)] = &[
    (
        "listingValuationUpdated",
        "subscription { listingValuationUpdated { __typename } }",
    ),
    (
        "dealBoard",
        "subscription { dealBoard(first: 3) { __typename } }",
    ),
    (
        "recalculationProgress",
        r#"subscription { recalculationProgress(jobId: "00000000-0000-4000-8000-000000000000") { __typename } }"#,
    ),
    ("dealAlerts", "subscription { dealAlerts { __typename } }"),
];
