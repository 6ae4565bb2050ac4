//! Synthetic evidence: real JPEGs with chosen EXIF, for tests, benchmarks and the demo.
//!
//! Every value written is kept in the [`PhotoSpec`], so tests can check what capture reads
//! against what was written, including deliberately broken EXIF.

mod scene;
pub mod tiff;

pub use scene::Scene;
pub use tiff::Damage;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};
use tiff::{Ifds, Val};

/// Everything about a sample photo: pixels, JPEG quality and EXIF.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoSpec {
    /// Stored width in pixels.
    pub width: u32,
    /// Stored height in pixels.
    pub height: u32,
    /// What the picture shows.
    pub scene: Scene,
    /// JPEG quality 1–100.
    pub jpeg_quality: u8,
    /// EXIF to write; `None` writes no EXIF at all.
    pub exif: Option<ExifSpec>,
}

/// EXIF tags to write, exactly as given (strings are written verbatim, even when invalid).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExifSpec {
    /// Write big-endian (`MM`) instead of little-endian (`II`).
    pub big_endian: bool,
    /// Make.
    pub make: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Software.
    pub software: Option<String>,
    /// Orientation (written even when outside 1..=8).
    pub orientation: Option<u16>,
    /// DateTime (last modified).
    pub date_time: Option<String>,
    /// DateTimeOriginal.
    pub date_time_original: Option<String>,
    /// SubSecTimeOriginal.
    pub sub_sec_time_original: Option<String>,
    /// OffsetTimeOriginal.
    pub offset_time_original: Option<String>,
    /// PixelXDimension / PixelYDimension.
    pub pixel_dimensions: Option<(u32, u32)>,
    /// GPS block.
    pub gps: Option<GpsSpec>,
    /// Deliberate damage to the TIFF structure.
    pub damage: Option<Damage>,
}

/// GPS tags to write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpsSpec {
    /// Latitude, north positive (its absolute value is written with the ref).
    pub lat: f64,
    /// Longitude, east positive.
    pub lon: f64,
    /// Overrides the latitude ref (normally N or S).
    pub lat_ref: Option<String>,
    /// Overrides the longitude ref (normally E or W).
    pub lon_ref: Option<String>,
    /// Altitude in metres (negative writes AltitudeRef 1).
    pub altitude_m: Option<f64>,
    /// GPSHPositioningError in metres.
    pub h_error_m: Option<f64>,
    /// GPSDateStamp + GPSTimeStamp.
    pub time: Option<DateTime<Utc>>,
    /// GPSImgDirection in degrees (true north).
    pub img_direction_deg: Option<f64>,
}

/// A named sample photo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// File name.
    pub name: String,
    /// How it is made.
    pub spec: PhotoSpec,
}

impl PhotoSpec {
    /// A sharp street scene of the given size with no EXIF.
    pub fn plain(width: u32, height: u32) -> Self {
        PhotoSpec { width, height, scene: Scene::Street { seed: 1 }, jpeg_quality: 90, exif: None }
    }

    /// The same spec with EXIF.
    pub fn with_exif(mut self, exif: ExifSpec) -> Self {
        self.exif = Some(exif);
        self
    }

    /// The same spec with another scene.
    pub fn with_scene(mut self, scene: Scene) -> Self {
        self.scene = scene;
        self
    }

    /// Renders and encodes the photo.
    pub fn jpeg(&self) -> Vec<u8> {
        let img = self.scene.render(self.width, self.height);
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, self.jpeg_quality)
            .encode_image(&img)
            .expect("encoding an in-memory image cannot fail");
        match &self.exif {
            Some(exif) => tiff::splice_app1(&out, &exif.tiff()),
            None => out,
        }
    }
}

impl ExifSpec {
    /// What a phone camera writes: make, model, times with offset, dimensions, and a GPS fix.
    pub fn phone(taken: DateTime<Utc>, offset_hours: i32, width: u32, height: u32, lat: f64, lon: f64) -> Self {
        let local = taken + chrono::Duration::hours(offset_hours as i64);
        let stamp = local.format("%Y:%m:%d %H:%M:%S").to_string();
        let millis = local.timestamp_subsec_millis();
        ExifSpec {
            make: Some("Kancha".into()),
            model: Some("SampleCam 1".into()),
            orientation: Some(1),
            date_time: Some(stamp.clone()),
            date_time_original: Some(stamp),
            sub_sec_time_original: Some(format!("{millis:03}")),
            offset_time_original: Some(format!("{}{:02}:00", if offset_hours < 0 { '-' } else { '+' }, offset_hours.abs())),
            pixel_dimensions: Some((width, height)),
            gps: Some(GpsSpec {
                lat,
                lon,
                lat_ref: None,
                lon_ref: None,
                altitude_m: Some(12.5),
                h_error_m: Some(4.0),
                time: Some(taken - chrono::Duration::seconds(2)),
                img_direction_deg: Some(87.25),
            }),
            ..Default::default()
        }
    }

    /// The TIFF block for these tags.
    pub fn tiff(&self) -> Vec<u8> {
        let mut ifds = Ifds::default();
        let ascii = |v: &Option<String>| v.clone().map(Val::Ascii);
        for (tag, val) in [
            (0x010F, ascii(&self.make)),
            (0x0110, ascii(&self.model)),
            (0x0112, self.orientation.map(|o| Val::Short(vec![o]))),
            (0x0131, ascii(&self.software)),
            (0x0132, ascii(&self.date_time)),
        ] {
            if let Some(v) = val {
                ifds.ifd0.push((tag, v));
            }
        }
        for (tag, val) in [
            (0x9003, ascii(&self.date_time_original)),
            (0x9011, ascii(&self.offset_time_original)),
            (0x9291, ascii(&self.sub_sec_time_original)),
            (0xA002, self.pixel_dimensions.map(|(w, _)| Val::Long(vec![w]))),
            (0xA003, self.pixel_dimensions.map(|(_, h)| Val::Long(vec![h]))),
        ] {
            if let Some(v) = val {
                ifds.exif.push((tag, v));
            }
        }
        if let Some(g) = &self.gps {
            ifds.gps.push((0x0000, Val::Byte(vec![2, 3, 0, 0])));
            let lat_ref = g.lat_ref.clone().unwrap_or_else(|| if g.lat < 0.0 { "S" } else { "N" }.into());
            let lon_ref = g.lon_ref.clone().unwrap_or_else(|| if g.lon < 0.0 { "W" } else { "E" }.into());
            ifds.gps.push((0x0001, Val::Ascii(lat_ref)));
            ifds.gps.push((0x0002, Val::Rational(dms(g.lat.abs()))));
            ifds.gps.push((0x0003, Val::Ascii(lon_ref)));
            ifds.gps.push((0x0004, Val::Rational(dms(g.lon.abs()))));
            if let Some(alt) = g.altitude_m {
                ifds.gps.push((0x0005, Val::Byte(vec![(alt < 0.0) as u8])));
                ifds.gps.push((0x0006, Val::Rational(vec![((alt.abs() * 100.0).round() as u32, 100)])));
            }
            if let Some(t) = g.time {
                let secs = t.second() as f64 + t.nanosecond() as f64 / 1e9;
                ifds.gps.push((
                    0x0007,
                    Val::Rational(vec![(t.hour(), 1), (t.minute(), 1), ((secs * 1000.0).round() as u32, 1000)]),
                ));
                ifds.gps.push((0x001D, Val::Ascii(format!("{:04}:{:02}:{:02}", t.year(), t.month(), t.day()))));
            }
            if let Some(d) = g.img_direction_deg {
                ifds.gps.push((0x0010, Val::Ascii("T".into())));
                ifds.gps.push((0x0011, Val::Rational(vec![((d * 100.0).round() as u32, 100)])));
            }
            if let Some(e) = g.h_error_m {
                ifds.gps.push((0x001F, Val::Rational(vec![((e * 100.0).round() as u32, 100)])));
            }
        }
        tiff::write(&ifds, self.big_endian, self.damage)
    }
}

/// Degrees as the (degrees, minutes, seconds) rationals EXIF uses; seconds to 1/10000.
fn dms(deg: f64) -> Vec<(u32, u32)> {
    let d = deg.trunc();
    let m_total = (deg - d) * 60.0;
    let m = m_total.trunc();
    let s = (m_total - m) * 60.0;
    vec![(d as u32, 1), (m as u32, 1), ((s * 10_000.0).round() as u32, 10_000)]
}

/// The accident time of the sample case: 2026-11-21 10:00 China Standard Time.
pub fn sample_accident_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T02:00:00Z").expect("valid").with_timezone(&Utc)
}

/// The sample scene: People's Square, Shanghai (WGS-84).
pub const SAMPLE_SCENE_WGS84: (f64, f64) = (31.2304, 121.4737);

/// The standard sample set used by tests and the demo: good photos, bad quality, broken EXIF.
pub fn standard_set() -> Vec<Sample> {
    let t0 = sample_accident_time() + chrono::Duration::minutes(25);
    let (lat, lon) = SAMPLE_SCENE_WGS84;
    let (w, h) = (1280, 960);
    let phone = |minutes: i64| ExifSpec::phone(t0 + chrono::Duration::minutes(minutes), 8, w, h, lat, lon);
    let base = PhotoSpec::plain(w, h);
    let mut set = vec![
        Sample { name: "front_45.jpg".into(), spec: base.clone().with_exif(phone(0)) },
        Sample {
            name: "rear_45_no_offset.jpg".into(),
            spec: base.clone().with_scene(Scene::Street { seed: 2 }).with_exif(ExifSpec {
                offset_time_original: None,
                big_endian: true,
                ..phone(1)
            }),
        },
        Sample {
            name: "santiago_southwest.jpg".into(),
            spec: base.clone().with_scene(Scene::Street { seed: 3 }).with_exif(ExifSpec::phone(
                t0,
                -3,
                w,
                h,
                -33.4489,
                -70.6693,
            )),
        },
        Sample { name: "blurred.jpg".into(), spec: base.clone().with_scene(Scene::Blurred { seed: 4 }).with_exif(phone(2)) },
        Sample { name: "dark.jpg".into(), spec: base.clone().with_scene(Scene::Dark { seed: 5 }).with_exif(phone(3)) },
        Sample { name: "bright.jpg".into(), spec: base.clone().with_scene(Scene::Bright { seed: 6 }).with_exif(phone(4)) },
        Sample {
            name: "small_640x480.jpg".into(),
            spec: PhotoSpec::plain(640, 480).with_exif(ExifSpec::phone(t0, 8, 640, 480, lat, lon)),
        },
        Sample { name: "no_exif.jpg".into(), spec: base.clone().with_scene(Scene::Street { seed: 7 }) },
        Sample {
            name: "edited.jpg".into(),
            spec: base.clone().with_scene(Scene::Street { seed: 8 }).with_exif(ExifSpec {
                software: Some("Adobe Photoshop 25.0 (Windows)".into()),
                date_time: Some("2026:11:23 09:00:00".into()),
                pixel_dimensions: Some((4032, 3024)),
                ..phone(5)
            }),
        },
        Sample {
            name: "broken_offsets.jpg".into(),
            spec: base.clone().with_scene(Scene::Street { seed: 9 }).with_exif(ExifSpec {
                damage: Some(Damage::OffsetsOutOfRange),
                ..phone(6)
            }),
        },
        Sample {
            name: "ifd_loop.jpg".into(),
            spec: base.clone().with_scene(Scene::Street { seed: 10 }).with_exif(ExifSpec { damage: Some(Damage::IfdLoop), ..phone(7) }),
        },
        Sample {
            name: "lat_over_90.jpg".into(),
            spec: base.clone().with_scene(Scene::Street { seed: 11 }).with_exif(ExifSpec {
                gps: phone(8).gps.map(|g| GpsSpec { lat: 95.5, ..g }),
                ..phone(8)
            }),
        },
        Sample {
            name: "bad_lat_ref.jpg".into(),
            spec: base.clone().with_scene(Scene::Street { seed: 12 }).with_exif(ExifSpec {
                gps: phone(9).gps.map(|g| GpsSpec { lat_ref: Some("X".into()), ..g }),
                ..phone(9)
            }),
        },
        Sample {
            name: "zero_date.jpg".into(),
            spec: base.clone().with_scene(Scene::Street { seed: 13 }).with_exif(ExifSpec {
                date_time_original: Some("0000:00:00 00:00:00".into()),
                date_time: Some("0000:00:00 00:00:00".into()),
                ..phone(10)
            }),
        },
    ];
    for o in 1..=8u16 {
        set.push(Sample {
            name: format!("orientation_{o}.jpg"),
            spec: PhotoSpec::plain(1024, 768)
                .with_scene(Scene::Quadrants)
                .with_exif(ExifSpec { orientation: Some(o), big_endian: o % 2 == 0, ..ExifSpec::phone(t0, 8, 1024, 768, lat, lon) }),
        });
    }
    set
}

/// A 12-megapixel photo like a phone's (about 4–5 MB), for benchmarks.
pub fn twelve_megapixel() -> PhotoSpec {
    let (lat, lon) = SAMPLE_SCENE_WGS84;
    PhotoSpec { width: 4000, height: 3000, scene: Scene::Detailed { seed: 42 }, jpeg_quality: 92, exif: None }
        .with_exif(ExifSpec::phone(sample_accident_time(), 8, 4000, 3000, lat, lon))
}

/// A phone photo (JPEG, 1000×750) of a synthetic driving licence lying at an angle on a dark
/// desk, with the licence's true corners (x1,y1,…,x4,y4 in photo pixels, clockwise from its
/// top-left): test input for document scans.
pub fn document_photo() -> (Vec<u8>, [f64; 8]) {
    use crate::scan::synth::{photograph, render_page, Shot, Surface};
    use crate::scan::Quad;
    const CORNERS: [f64; 8] = [120.0, 130.0, 850.0, 150.0, 830.0, 600.0, 110.0, 590.0];
    let card = render_page(856, 540, 3);
    let corners = Quad::from_flat(&CORNERS).expect("the sample corners are a valid quad");
    let shot = Shot {
        width: 1000,
        height: 750,
        corners: Some(corners),
        surface: Surface::DarkDesk,
        blur: 1.0,
        shadow: 0.0,
        noise: 3.0,
        glare: false,
        seed: 5,
    };
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92)
        .encode_image(&photograph(&card, &shot))
        .expect("encoding to memory cannot fail");
    (jpeg, CORNERS)
}
