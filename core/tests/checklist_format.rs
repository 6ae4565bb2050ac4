//! The checklist file format: the shipped lists load, and every kind of bad file is refused with its own error.

use kancha_core::checklist::{Builtin, Checklist, ChecklistError, ItemKind, Scope};

fn keys(list: &Checklist) -> Vec<&str> {
    list.items.iter().map(|i| i.key.as_str()).collect()
}

/// A small valid checklist; tests break one thing at a time.
fn valid() -> serde_json::Value {
    serde_json::json!({
        "format": 1, "id": "t", "version": 3,
        "title": {"zh": "测试", "en": "Test"},
        "facts": [{"key": "injury", "label": {"zh": "有人受伤", "en": "Injury"}}],
        "items": [
            {"key": "front", "kind": "photo", "label": {"zh": "前", "en": "Front"}, "scope": "each_vehicle"},
            {"key": "hurt", "kind": "photo", "label": {"zh": "伤", "en": "Injury"}, "when": ["injury"], "required": 2}
        ]
    })
}

fn load(v: &serde_json::Value) -> Result<Checklist, ChecklistError> {
    Checklist::from_json(&v.to_string())
}

#[test]
fn shipped_surveyor_list_asks_for_each_vehicle_from_both_corners() {
    let list = Checklist::builtin(Builtin::SurveyorTwoVehicle);
    assert_eq!(list.id, "surveyor-two-vehicle");
    assert_eq!(
        keys(&list),
        [
            "scene_overview_front", "scene_overview_rear", "contact_point", "traffic_signals",
            "front_45_with_plate", "rear_45_with_plate", "damage_far", "damage_close", "vin_plate",
            "driver_with_vehicle", "injury", "property_damage"
        ]
    );
    assert_eq!(list.item("front_45_with_plate").unwrap().scope, Scope::EachVehicle);
    assert_eq!(list.item("damage_close").unwrap().scope, Scope::EachDamagedPart);
    assert_eq!(list.item("contact_point").unwrap().unless, ["vehicles_moved"]);
    assert_eq!(list.item("injury").unwrap().when, ["injury"]);
}

#[test]
fn shipped_self_service_and_document_lists_load() {
    let selfs = Checklist::builtin(Builtin::SelfServiceSingleVehicle);
    assert_eq!(selfs.items.len(), 7);
    assert!(selfs.items.iter().all(|i| i.kind == ItemKind::Photo && i.hint.is_some()));
    let docs = Checklist::builtin(Builtin::Documents);
    assert!(docs.items.iter().all(|i| i.kind == ItemKind::Document));
    assert_eq!(docs.item("driver_licence").unwrap().required, 2);
    assert_eq!(docs.item("compulsory_insurance").unwrap().scope, Scope::OtherVehicles);
}

#[test]
fn loads_from_a_path_and_reports_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("branch.json");
    std::fs::write(&path, valid().to_string()).unwrap();
    let list = Checklist::from_path(&path).unwrap();
    assert_eq!((list.id.as_str(), list.version, list.items.len()), ("t", 3, 2));
    let err = Checklist::from_path(&dir.path().join("nope.json")).unwrap_err();
    assert!(matches!(err, ChecklistError::Io { .. }), "{err}");
}

#[test]
fn unknown_key_at_top_level_is_refused() {
    let mut v = valid();
    v["colour"] = "red".into();
    let err = load(&v).unwrap_err();
    assert!(matches!(err, ChecklistError::Parse(_)));
    assert!(err.to_string().contains("unknown field `colour`"), "{err}");
}

#[test]
fn misspelt_item_field_is_refused_not_ignored() {
    let mut v = valid();
    v["items"][1]["requried"] = 3.into();
    let err = load(&v).unwrap_err();
    assert!(err.to_string().contains("unknown field `requried`"), "{err}");
}

#[test]
fn unknown_key_inside_a_label_is_refused() {
    let mut v = valid();
    v["items"][0]["label"]["fr"] = "Avant".into();
    assert!(load(&v).unwrap_err().to_string().contains("unknown field `fr`"));
}

#[test]
fn negative_count_is_refused_with_the_item_and_count() {
    let mut v = valid();
    v["items"][1]["required"] = (-1).into();
    match load(&v).unwrap_err() {
        ChecklistError::BadCount { item, count } => assert_eq!((item.as_str(), count), ("hurt", -1)),
        e => panic!("wrong error {e}"),
    }
}

#[test]
fn zero_count_is_refused() {
    let mut v = valid();
    v["items"][0]["required"] = 0.into();
    assert!(matches!(load(&v).unwrap_err(), ChecklistError::BadCount { count: 0, .. }));
}

#[test]
fn condition_on_an_undeclared_fact_is_refused() {
    let mut v = valid();
    v["items"][0]["unless"] = serde_json::json!(["raining"]);
    match load(&v).unwrap_err() {
        ChecklistError::DanglingCondition { item, fact } => {
            assert_eq!((item.as_str(), fact.as_str()), ("front", "raining"))
        }
        e => panic!("wrong error {e}"),
    }
}

#[test]
fn conditions_with_no_facts_declared_are_refused() {
    let mut v = valid();
    v.as_object_mut().unwrap().remove("facts");
    assert!(matches!(load(&v).unwrap_err(), ChecklistError::DanglingCondition { .. }));
}

#[test]
fn duplicate_item_key_is_refused() {
    let mut v = valid();
    v["items"][1]["key"] = "front".into();
    match load(&v).unwrap_err() {
        ChecklistError::DuplicateItem(k) => assert_eq!(k, "front"),
        e => panic!("wrong error {e}"),
    }
}

#[test]
fn duplicate_fact_key_is_refused() {
    let mut v = valid();
    let fact = v["facts"][0].clone();
    v["facts"].as_array_mut().unwrap().push(fact);
    assert!(matches!(load(&v).unwrap_err(), ChecklistError::DuplicateFact(k) if k == "injury"));
}

#[test]
fn key_that_is_not_snake_case_is_refused() {
    let mut v = valid();
    v["items"][0]["key"] = "Front 45".into();
    assert!(matches!(load(&v).unwrap_err(), ChecklistError::BadKey(k) if k == "Front 45"));
}

#[test]
fn empty_chinese_label_is_refused() {
    let mut v = valid();
    v["items"][0]["label"]["zh"] = " ".into();
    assert!(matches!(load(&v).unwrap_err(), ChecklistError::EmptyLabel { lang: "zh", .. }));
}

#[test]
fn newer_format_is_refused_as_unsupported() {
    let mut v = valid();
    v["format"] = 2.into();
    v["something_new"] = true.into();
    assert!(matches!(load(&v).unwrap_err(), ChecklistError::UnsupportedFormat { found: 2 }));
}

#[test]
fn unknown_scope_is_refused() {
    let mut v = valid();
    v["items"][0]["scope"] = "each_wheel".into();
    assert!(load(&v).unwrap_err().to_string().contains("each_wheel"));
}

#[test]
fn list_without_items_is_refused() {
    let mut v = valid();
    v["items"] = serde_json::json!([]);
    assert!(matches!(load(&v).unwrap_err(), ChecklistError::NoItems(_)));
}

// ---- shot references stored with each item ----

use kancha_core::checklist::{ShotRef, ShotRefError};

#[test]
fn shot_reference_names_key_vehicle_party_and_part() {
    let r = ShotRef::parse("damage_close/v1/rear_bumper").unwrap();
    assert_eq!((r.key.as_str(), r.vehicle, r.party, r.part.as_deref()), ("damage_close", Some(1), None, Some("rear_bumper")));
    assert_eq!(ShotRef::parse("id_card/p0").unwrap().party, Some(0));
    assert_eq!(ShotRef::parse("scene_overview_front").unwrap().vehicle, None);
    assert_eq!(r.to_string(), "damage_close/v1/rear_bumper");
}

#[test]
fn bad_shot_references_are_refused() {
    assert!(matches!(ShotRef::parse("Front"), Err(ShotRefError::BadKey(_))));
    assert!(matches!(ShotRef::parse(""), Err(ShotRefError::BadKey(_))));
    for bad in ["vin_plate/v1/v2", "vin_plate/", "vin_plate/V1", "damage_far/v0/a/b", "vin_plate/v-1"] {
        assert!(matches!(ShotRef::parse(bad), Err(ShotRefError::BadSegment { .. })), "{bad}");
    }
}
