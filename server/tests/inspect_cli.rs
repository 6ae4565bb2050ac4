//! `kancha inspect --json` prints what the generator wrote, agrees with exiftool, and reports refusals.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn kancha(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kancha")).args(args).output().expect("kancha runs")
}

fn write_samples(dir: &Path) -> Vec<Value> {
    let out = kancha(&["sample", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str::<Value>(&std::fs::read_to_string(dir.join("samples.json")).unwrap())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn inspect_json_reports_the_values_the_generator_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let samples = write_samples(dir.path());
    let files: Vec<String> = samples.iter().map(|s| dir.path().join(s["name"].as_str().unwrap()).display().to_string()).collect();
    let mut args = vec!["inspect", "--json"];
    args.extend(files.iter().map(String::as_str));
    let out = kancha(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reports.len(), samples.len());
    for (report, sample) in reports.iter().zip(&samples) {
        let name = sample["name"].as_str().unwrap();
        assert_eq!(report["ok"], true, "{name}");
        assert_eq!(report["width"], sample["spec"]["width"], "{name}");
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        assert_eq!(report["size"], bytes.len(), "{name}");
        assert_eq!(report["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(report["phash"].as_str().unwrap().len(), 16);
        let exif = &sample["spec"]["exif"];
        if exif.is_null() || !exif["damage"].is_null() {
            continue;
        }
        assert_eq!(report["exif"]["make"], exif["make"], "{name}");
        assert_eq!(report["exif"]["date_time_original"], exif["date_time_original"], "{name}");
        assert_eq!(report["exif"]["orientation"], exif["orientation"], "{name}");
        let gps = &exif["gps"];
        let lat_ok = gps["lat"].as_f64().unwrap().abs() <= 90.0 && gps["lat_ref"].is_null();
        if lat_ok {
            let pos = &report["exif"]["gps"]["position"];
            assert!((pos["lat"].as_f64().unwrap() - gps["lat"].as_f64().unwrap()).abs() < 1e-6, "{name}");
            assert!((pos["lon"].as_f64().unwrap() - gps["lon"].as_f64().unwrap()).abs() < 1e-6, "{name}");
            assert_eq!(pos["datum"], "wgs84", "coordinates carry their datum");
        }
        // Times are RFC 3339 with an offset.
        if let Some(t) = report["exif"]["captured_at"].as_str() {
            assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{name}: {t}");
            assert!(t.ends_with(exif["offset_time_original"].as_str().unwrap_or("+08:00")), "{name}: {t}");
        }
    }
}

#[test]
fn inspect_agrees_with_exiftool() {
    let exiftool = match which("exiftool") {
        Some(p) => p,
        None => {
            assert!(std::env::var("KANCHA_REQUIRE_PEERS").as_deref() != Ok("1"), "exiftool is required");
            eprintln!("skipped: exiftool not installed");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    write_samples(dir.path());
    for name in ["front_45.jpg", "rear_45_no_offset.jpg", "santiago_southwest.jpg", "orientation_6.jpg"] {
        let path = dir.path().join(name);
        let theirs = Command::new(&exiftool).args(["-json", "-n"]).arg(&path).output().unwrap();
        assert!(theirs.status.success());
        let theirs: Value = serde_json::from_slice::<Vec<Value>>(&theirs.stdout).unwrap().remove(0);
        let ours = kancha(&["inspect", "--json", path.to_str().unwrap()]);
        let ours: Value = serde_json::from_slice::<Vec<Value>>(&ours.stdout).unwrap().remove(0);
        let e = &ours["exif"];
        assert_eq!(e["make"], theirs["Make"], "{name}");
        assert_eq!(e["model"], theirs["Model"], "{name}");
        assert_eq!(e["date_time_original"], theirs["DateTimeOriginal"], "{name}");
        assert_eq!(e["orientation"], theirs["Orientation"], "{name}");
        assert_eq!(ours["width"], theirs["ImageWidth"], "{name}");
        let close = |a: &Value, b: &Value| (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-6;
        assert!(close(&e["gps"]["position"]["lat"], &theirs["GPSLatitude"]), "{name}");
        assert!(close(&e["gps"]["position"]["lon"], &theirs["GPSLongitude"]), "{name}");
        assert!(close(&e["gps"]["altitude_m"], &theirs["GPSAltitude"]), "{name}");
        assert!(close(&e["gps"]["img_direction_deg"], &theirs["GPSImgDirection"]), "{name}");
        assert!(close(&e["gps"]["h_positioning_error_m"], &theirs["GPSHPositioningError"]), "{name}");
    }
}

#[test]
fn refused_files_get_a_code_and_exit_status_one() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.jpg");
    std::fs::write(&bad, b"this is a text file").unwrap();
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    let out = kancha(&["inspect", "--json", bad.to_str().unwrap(), empty.to_str().unwrap(), "/no/such/file.jpg"]);
    assert_eq!(out.status.code(), Some(1));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = reports.iter().map(|r| r["error"]["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["not_jpeg", "empty", "unreadable_file"]);
    assert!(reports.iter().all(|r| r["ok"] == false));
}

fn which(bin: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(bin)).find(|p| p.is_file())
}
