use kancha_core::geo::*;
use kancha_core::sla::*;
#[test]
fn scratch() {
    let p = ZonePolicy::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/policies/default-30-60.json"))).unwrap();
    for (lat, lon) in [(30.2741, 120.1551), (29.80, 119.69), (29.6, 119.0), (31.23, 121.47), (30.25, 120.16)] {
        let c = Coord::new(lat, lon, Datum::Wgs84).unwrap();
        println!("{lat},{lon} -> {:?}", p.classify(&c));
    }
    let s = ZonePolicy::load(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/policies/strict-20-40.json"))).unwrap();
    for (lat, lon) in [(39.9087, 116.3975), (40.3, 116.5), (31.0, 121.0)] {
        let c = Coord::new(lat, lon, Datum::Wgs84).unwrap();
        println!("{lat},{lon} -> {:?}", s.classify(&c));
    }
    let w = Coord::new(39.9087, 116.3975, Datum::Wgs84).unwrap();
    let g = w.to(Datum::Gcj02); let b = w.to(Datum::Bd09);
    println!("{g} {b} d={} back={} {}", w.distance_m(&Coord::new(g.lat(), g.lon(), Datum::Wgs84).unwrap()), g.to(Datum::Wgs84), b.to(Datum::Wgs84));
}
