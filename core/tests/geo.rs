//! Coordinates, datum conversions, distances and zone maps.

use kancha_core::geo::{Coord, Datum, GeoError, ZoneError, ZoneMap};
use serde_json::json;

fn c(lat: f64, lon: f64, d: Datum) -> Coord {
    Coord::new(lat, lon, d).unwrap()
}

#[test]
fn tiananmen_converts_like_the_published_gcj02_offset() {
    // Reference values from an independent implementation (PyPI prcoords), rounded to 1e-7.
    let w = c(39.9087, 116.3975, Datum::Wgs84);
    let g = w.to(Datum::Gcj02);
    assert!((g.lat() - 39.9101035).abs() < 1e-7 && (g.lon() - 116.4037436).abs() < 1e-7, "{g}");
    let b = w.to(Datum::Bd09);
    assert!((b.lat() - 39.9164427).abs() < 1e-7 && (b.lon() - 116.4101166).abs() < 1e-7, "{b}");
    let shift = w.distance_m(&c(g.lat(), g.lon(), Datum::Wgs84));
    assert!((500.0..600.0).contains(&shift), "shift {shift}");
}

#[test]
fn inverse_conversions_are_within_half_a_metre_everywhere_in_china() {
    let mut worst: f64 = 0.0;
    let mut lat = 18.0;
    while lat <= 53.0 {
        let mut lon = 74.0;
        while lon <= 134.0 {
            let w = c(lat, lon, Datum::Wgs84);
            for d in [Datum::Gcj02, Datum::Bd09] {
                let there = w.to(d);
                let back = there.to(Datum::Wgs84);
                assert_eq!(back.datum(), Datum::Wgs84);
                worst = worst.max(w.distance_m(&back));
                // And the other way: a map coordinate to WGS-84 and back to the map datum.
                let again = back.to(d);
                worst = worst.max(c(there.lat(), there.lon(), Datum::Wgs84).distance_m(&c(again.lat(), again.lon(), Datum::Wgs84)));
            }
            lon += 1.7;
        }
        lat += 1.3;
    }
    assert!(worst < 0.5, "worst round trip {worst} m");
    assert!(worst < 0.001, "iteration should reach millimetres, got {worst} m");
}

#[test]
fn outside_china_gcj02_is_wgs84() {
    for (lat, lon) in [(48.8566, 2.3522), (35.6812, 139.7671), (-33.86, 151.21), (40.71, -74.0)] {
        let w = c(lat, lon, Datum::Wgs84);
        let g = w.to(Datum::Gcj02);
        assert_eq!((g.lat(), g.lon()), (lat, lon));
        assert_eq!(g.to(Datum::Wgs84).lat(), lat);
    }
}

#[test]
fn vincenty_matches_the_flinders_peak_to_buninyong_example() {
    // Geoscience Australia's worked example: 54 972.271 m.
    let a = c(-(37.0 + 57.0 / 60.0 + 3.72030 / 3600.0), 144.0 + 25.0 / 60.0 + 29.52440 / 3600.0, Datum::Wgs84);
    let b = c(-(37.0 + 39.0 / 60.0 + 10.15610 / 3600.0), 143.0 + 55.0 / 60.0 + 35.38390 / 3600.0, Datum::Wgs84);
    assert!((a.distance_m(&b) - 54_972.271).abs() < 0.01, "{}", a.distance_m(&b));
    // One degree of latitude at the equator is 110 574.4 m on WGS-84.
    assert!((c(0.0, 0.0, Datum::Wgs84).distance_m(&c(1.0, 0.0, Datum::Wgs84)) - 110_574.4).abs() < 0.5);
    // Nearly antipodal points still give a sane number (spherical fallback).
    let far = c(0.0, 0.0, Datum::Wgs84).distance_m(&c(0.5, 179.7, Datum::Wgs84));
    assert!((19_900_000.0..20_050_000.0).contains(&far), "{far}");
}

#[test]
fn distance_between_datums_is_measured_in_one_datum() {
    let w = c(30.25, 120.15, Datum::Wgs84);
    let g = w.to(Datum::Gcj02);
    assert!(w.distance_m(&g) < 0.01);
}

#[test]
fn bad_coordinates_are_typed_errors() {
    assert!(matches!(Coord::new(f64::NAN, 1.0, Datum::Wgs84), Err(GeoError::NotFinite { .. })));
    assert!(matches!(Coord::new(1.0, f64::INFINITY, Datum::Wgs84), Err(GeoError::NotFinite { .. })));
    assert_eq!(Coord::new(91.0, 0.0, Datum::Wgs84), Err(GeoError::LatitudeOutOfRange(91.0)));
    assert_eq!(Coord::new(0.0, -180.5, Datum::Wgs84), Err(GeoError::LongitudeOutOfRange(-180.5)));
    // A Chinese point given as (lon, lat).
    assert_eq!(Coord::new(116.3975, 39.9087, Datum::Gcj02), Err(GeoError::LatLonSwapped { lat: 116.3975, lon: 39.9087 }));
    assert_eq!("BD-09".parse::<Datum>(), Ok(Datum::Bd09));
    assert!(matches!("osgb36".parse::<Datum>(), Err(GeoError::UnknownDatum(_))));
}

#[test]
fn a_coordinate_without_datum_does_not_deserialize() {
    let err = serde_json::from_value::<Coord>(json!({"lat": 30.0, "lon": 120.0})).unwrap_err();
    assert!(err.to_string().contains("no datum"), "{err}");
    let ok: Coord = serde_json::from_value(json!({"lat": 30.0, "lon": 120.0, "datum": "gcj02"})).unwrap();
    assert_eq!(ok.datum(), Datum::Gcj02);
}

fn priorities() -> Vec<(String, i64)> {
    vec![("urban".into(), 30), ("suburban".into(), 20), ("out_of_town".into(), 10)]
}

fn square(lon0: f64, lat0: f64, size: f64) -> serde_json::Value {
    json!([[[lon0, lat0], [lon0 + size, lat0], [lon0 + size, lat0 + size], [lon0, lat0 + size], [lon0, lat0]]])
}

fn feature(zone: &str, name: &str, geometry: serde_json::Value) -> serde_json::Value {
    json!({"type": "Feature", "properties": {"zone": zone, "name": name}, "geometry": geometry})
}

fn collection(features: Vec<serde_json::Value>) -> serde_json::Value {
    json!({"type": "FeatureCollection", "features": features})
}

#[test]
fn overlaps_are_resolved_by_priority_then_file_order() {
    let big = json!({"type": "Polygon", "coordinates": square(120.0, 30.0, 1.0)});
    let small = json!({"type": "Polygon", "coordinates": square(120.4, 30.4, 0.2)});
    // The suburban polygon comes first and covers the urban one: priority decides.
    let map = ZoneMap::from_geojson(
        &collection(vec![feature("suburban", "county", big.clone()), feature("urban", "centre", small.clone())]),
        Datum::Wgs84,
        &priorities(),
    )
    .unwrap();
    assert_eq!(map.locate(&c(30.5, 120.5, Datum::Wgs84)).unwrap().zone, "urban");
    assert_eq!(map.locate(&c(30.1, 120.1, Datum::Wgs84)).unwrap().zone, "suburban");
    assert!(map.locate(&c(31.5, 120.5, Datum::Wgs84)).is_none());
    // Equal priorities: the earlier feature wins.
    let same = vec![("a".to_string(), 1), ("b".to_string(), 1)];
    let map = ZoneMap::from_geojson(&collection(vec![feature("b", "first", big), feature("a", "second", small)]), Datum::Wgs84, &same)
        .unwrap();
    assert_eq!(map.locate(&c(30.5, 120.5, Datum::Wgs84)).unwrap().name, "first");
}

#[test]
fn holes_and_multipolygons_follow_the_even_odd_rule() {
    let ring = |lon0: f64, lat0: f64, s: f64| json!([[lon0, lat0], [lon0 + s, lat0], [lon0 + s, lat0 + s], [lon0, lat0 + s], [lon0, lat0]]);
    let geometry = json!({"type": "MultiPolygon", "coordinates": [
        [ring(120.0, 30.0, 1.0), ring(120.25, 30.25, 0.5)],
        [ring(122.0, 30.0, 0.5)]
    ]});
    let map = ZoneMap::from_geojson(&collection(vec![feature("urban", "donut", geometry)]), Datum::Wgs84, &priorities()).unwrap();
    assert!(map.locate(&c(30.1, 120.1, Datum::Wgs84)).is_some());
    assert!(map.locate(&c(30.5, 120.5, Datum::Wgs84)).is_none(), "inside the hole");
    assert!(map.locate(&c(30.2, 122.2, Datum::Wgs84)).is_some(), "second part");
    assert!(map.locate(&c(30.2, 121.5, Datum::Wgs84)).is_none(), "between parts");
}

#[test]
fn a_point_in_another_datum_is_converted_before_classification() {
    // A thin strip 0.002° wide (about 200 m) around lon 120.150 in WGS-84. The same place in
    // GCJ-02 reads about 0.0047° further east, outside the strip on paper.
    let strip = json!({"type": "Polygon", "coordinates": [[[120.149, 30.0], [120.151, 30.0], [120.151, 30.5], [120.149, 30.5], [120.149, 30.0]]]});
    let map = ZoneMap::from_geojson(&collection(vec![feature("urban", "strip", strip)]), Datum::Wgs84, &priorities()).unwrap();
    let scene_gcj = c(30.247677961254222, 120.15470694564496, Datum::Gcj02);
    assert!(map.locate(&scene_gcj).is_some());
    assert!(map.locate_xy(scene_gcj.lon(), scene_gcj.lat()).is_none(), "on paper it is outside");
}

fn load_err(features: Vec<serde_json::Value>) -> ZoneError {
    ZoneMap::from_geojson(&collection(features), Datum::Wgs84, &priorities()).unwrap_err()
}

#[test]
fn invalid_polygons_are_refused_with_their_reason() {
    let bowtie = json!({"type": "Polygon", "coordinates": [[[120.0, 30.0], [121.0, 31.0], [121.0, 30.0], [120.0, 31.0], [120.0, 30.0]]]});
    assert!(matches!(load_err(vec![feature("urban", "bowtie", bowtie)]), ZoneError::SelfIntersection { feature: 0, ring: 0, .. }));
    let spike = json!({"type": "Polygon", "coordinates": [[[120.0, 30.0], [121.0, 30.0], [121.0, 31.0], [121.0, 30.5], [120.0, 31.0], [120.0, 30.0]]]});
    assert!(matches!(load_err(vec![feature("urban", "spike", spike)]), ZoneError::SelfIntersection { .. }));
    let open = json!({"type": "Polygon", "coordinates": [[[120.0, 30.0], [121.0, 30.0], [121.0, 31.0], [120.0, 31.0]]]});
    assert!(matches!(load_err(vec![feature("urban", "open", open)]), ZoneError::RingNotClosed { .. }));
    let flat = json!({"type": "Polygon", "coordinates": [[[120.0, 30.0], [121.0, 30.0], [122.0, 30.0], [120.0, 30.0]]]});
    assert!(matches!(load_err(vec![feature("urban", "flat", flat)]), ZoneError::SelfIntersection { .. } | ZoneError::ZeroArea { .. }));
    let swapped = json!({"type": "Polygon", "coordinates": [[[30.0, 120.0], [30.0, 121.0], [31.0, 121.0], [30.0, 120.0]]]});
    assert!(matches!(
        load_err(vec![feature("urban", "swapped", swapped)]),
        ZoneError::BadCoordinate { source: GeoError::LatLonSwapped { .. }, .. }
    ));
    let point = json!({"type": "Point", "coordinates": [120.0, 30.0]});
    assert!(matches!(load_err(vec![feature("urban", "pt", point)]), ZoneError::UnsupportedGeometry { .. }));
    let ok = json!({"type": "Polygon", "coordinates": square(120.0, 30.0, 1.0)});
    match load_err(vec![feature("downtown", "x", ok.clone())]) {
        ZoneError::UnknownZone { zone, known, .. } => {
            assert_eq!(zone, "downtown");
            assert_eq!(known, "out_of_town, suburban, urban");
        }
        other => panic!("{other:?}"),
    }
    let unnamed = json!({"type": "Feature", "properties": {"zone": "urban"}, "geometry": ok});
    assert!(matches!(load_err(vec![unnamed]), ZoneError::MissingProperty { property: "name", .. }));
    assert_eq!(load_err(vec![]), ZoneError::NoAreas);
    assert!(matches!(
        ZoneMap::from_geojson(&json!({"type": "Feature"}), Datum::Wgs84, &priorities()),
        Err(ZoneError::NotFeatureCollection(_))
    ));
}

/// Plain even-odd over every ring of every feature, with the same priority rule: the reference.
fn brute_force(features: &[serde_json::Value], prio: &[(String, i64)], lon: f64, lat: f64) -> Option<usize> {
    let mut best: Option<(i64, usize)> = None;
    for (i, f) in features.iter().enumerate() {
        let zone = f["properties"]["zone"].as_str().unwrap();
        let p = prio.iter().find(|(z, _)| z == zone).unwrap().1;
        let g = &f["geometry"];
        let polys: Vec<&serde_json::Value> = match g["type"].as_str().unwrap() {
            "Polygon" => vec![&g["coordinates"]],
            _ => g["coordinates"].as_array().unwrap().iter().collect(),
        };
        let inside = polys.iter().any(|poly| {
            let mut odd = false;
            for ring in poly.as_array().unwrap() {
                let pts: Vec<(f64, f64)> =
                    ring.as_array().unwrap().iter().map(|q| (q[0].as_f64().unwrap(), q[1].as_f64().unwrap())).collect();
                for w in pts.windows(2) {
                    let ((x1, y1), (x2, y2)) = (w[0], w[1]);
                    if (y1 > lat) != (y2 > lat) && lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1) {
                        odd = !odd;
                    }
                }
            }
            odd
        });
        if inside && best.is_none_or(|(bp, _)| p > bp) {
            best = Some((p, i));
        }
    }
    best.map(|(_, i)| i)
}

#[test]
fn the_index_agrees_with_a_plain_scan_on_a_real_city() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/policies/default-30-60.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let features = doc["areas"]["features"].as_array().unwrap();
    let map = ZoneMap::from_geojson(&doc["areas"], Datum::Wgs84, &priorities()).unwrap();
    assert_eq!(map.areas().len(), 13);
    assert!(map.areas().iter().map(|a| a.vertices).sum::<usize>() > 9000);
    // A deterministic scatter over the city's bounding box and a little beyond.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut inside, mut n) = (0, 0);
    while n < 4000 {
        let lon = 118.2 + next() * 2.7;
        let lat = 29.1 + next() * 1.6;
        let got = map.locate_xy(lon, lat).map(|h| h.area);
        assert_eq!(got, brute_force(features, &priorities(), lon, lat), "at {lat},{lon}");
        inside += usize::from(got.is_some());
        n += 1;
    }
    assert!(inside > 1000 && inside < 3900, "the scatter should hit both inside and outside: {inside}");
}
