//! A small TIFF/EXIF writer for sample photos, able to write valid and deliberately broken blocks.

/// A TIFF field value.
#[derive(Debug, Clone)]
pub enum Val {
    /// ASCII text (a NUL is appended).
    Ascii(String),
    /// 16-bit unsigned integers.
    Short(Vec<u16>),
    /// 32-bit unsigned integers.
    Long(Vec<u32>),
    /// Unsigned rationals.
    Rational(Vec<(u32, u32)>),
    /// Raw bytes.
    Byte(Vec<u8>),
}

impl Val {
    fn type_and_count(&self) -> (u16, u32) {
        match self {
            Val::Ascii(s) => (2, s.len() as u32 + 1),
            Val::Short(v) => (3, v.len() as u32),
            Val::Long(v) => (4, v.len() as u32),
            Val::Rational(v) => (5, v.len() as u32),
            Val::Byte(v) => (1, v.len() as u32),
        }
    }

    fn encode(&self, be: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let u16b = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let u32b = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        match self {
            Val::Ascii(s) => {
                out.extend_from_slice(s.as_bytes());
                out.push(0);
            }
            Val::Short(v) => v.iter().for_each(|x| out.extend_from_slice(&u16b(*x))),
            Val::Long(v) => v.iter().for_each(|x| out.extend_from_slice(&u32b(*x))),
            Val::Rational(v) => v.iter().for_each(|(n, d)| {
                out.extend_from_slice(&u32b(*n));
                out.extend_from_slice(&u32b(*d));
            }),
            Val::Byte(v) => out.extend_from_slice(v),
        }
        out
    }
}

/// How to break the TIFF block on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Damage {
    /// Every out-of-line value offset points far past the end of the block.
    OffsetsOutOfRange,
    /// The GPS pointer points back at IFD0, and IFD0's next pointer at itself.
    IfdLoop,
}

/// Tags of the three IFDs a camera writes.
#[derive(Debug, Clone, Default)]
pub struct Ifds {
    /// IFD0 (primary image) entries.
    pub ifd0: Vec<(u16, Val)>,
    /// Exif sub-IFD entries.
    pub exif: Vec<(u16, Val)>,
    /// GPS sub-IFD entries.
    pub gps: Vec<(u16, Val)>,
}

const EXIF_POINTER: u16 = 0x8769;
const GPS_POINTER: u16 = 0x8825;

/// Serialises the IFDs as a TIFF block (big- or little-endian), optionally damaged.
pub fn write(ifds: &Ifds, big_endian: bool, damage: Option<Damage>) -> Vec<u8> {
    let mut ifd0 = ifds.ifd0.clone();
    if !ifds.exif.is_empty() {
        ifd0.push((EXIF_POINTER, Val::Long(vec![0])));
    }
    if !ifds.gps.is_empty() {
        ifd0.push((GPS_POINTER, Val::Long(vec![0])));
    }
    let mut tables = [ifd0, ifds.exif.clone(), ifds.gps.clone()];
    tables.iter_mut().for_each(|t| t.sort_by_key(|(tag, _)| *tag));
    // Layout: header, then each IFD followed by its out-of-line data.
    let size_of = |t: &Vec<(u16, Val)>| -> usize {
        if t.is_empty() {
            return 0;
        }
        let data: usize = t.iter().map(|(_, v)| v.encode(big_endian).len()).filter(|l| *l > 4).map(|l| l + (l & 1)).sum();
        2 + 12 * t.len() + 4 + data
    };
    let off0 = 8usize;
    let off_exif = off0 + size_of(&tables[0]);
    let off_gps = off_exif + size_of(&tables[1]);
    for (tag, val) in tables[0].iter_mut() {
        match *tag {
            EXIF_POINTER => *val = Val::Long(vec![off_exif as u32]),
            GPS_POINTER => {
                let target = if damage == Some(Damage::IfdLoop) { off0 } else { off_gps };
                *val = Val::Long(vec![target as u32]);
            }
            _ => {}
        }
    }
    let u16b = |v: u16| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    let u32b = |v: u32| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut out = Vec::new();
    out.extend_from_slice(if big_endian { b"MM" } else { b"II" });
    out.extend_from_slice(&u16b(42));
    out.extend_from_slice(&u32b(off0 as u32));
    for (i, table) in tables.iter().enumerate() {
        if table.is_empty() {
            continue;
        }
        let start = out.len();
        let mut data_at = start + 2 + 12 * table.len() + 4;
        let mut data = Vec::new();
        out.extend_from_slice(&u16b(table.len() as u16));
        for (tag, val) in table {
            let (ty, count) = val.type_and_count();
            let bytes = val.encode(big_endian);
            out.extend_from_slice(&u16b(*tag));
            out.extend_from_slice(&u16b(ty));
            out.extend_from_slice(&u32b(count));
            if bytes.len() <= 4 {
                let mut inline = bytes.clone();
                inline.resize(4, 0);
                out.extend_from_slice(&inline);
            } else {
                let offset = if damage == Some(Damage::OffsetsOutOfRange) { 0x00FF_FF00 } else { data_at as u32 };
                out.extend_from_slice(&u32b(offset));
                let padded = bytes.len() + (bytes.len() & 1);
                data.extend_from_slice(&bytes);
                data.resize(data.len() + (padded - bytes.len()), 0);
                data_at += padded;
            }
        }
        let next = if i == 0 && damage == Some(Damage::IfdLoop) { off0 as u32 } else { 0 };
        out.extend_from_slice(&u32b(next));
        out.extend_from_slice(&data);
    }
    out
}

/// Wraps a TIFF block as an APP1 `Exif` segment and splices it in right after SOI.
pub fn splice_app1(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    let len = tiff.len() + 6 + 2;
    assert!(len <= u16::MAX as usize, "EXIF block too large for one APP1 segment");
    let mut out = Vec::with_capacity(jpeg.len() + len + 2);
    out.extend_from_slice(&jpeg[..2]);
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}
