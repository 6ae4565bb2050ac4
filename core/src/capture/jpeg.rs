//! The JPEG container: markers, frame size, the EXIF block and completeness, read without decoding.

use std::ops::Range;

/// What the marker walk learned about a JPEG file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpegLayout {
    /// Frame width in pixels, from the SOF marker.
    pub width: u32,
    /// Frame height in pixels, from the SOF marker.
    pub height: u32,
    /// Byte range of the TIFF structure inside the APP1 `Exif\0\0` segment, if any.
    pub exif: Option<Range<usize>>,
    /// True when an EOI marker follows the entropy-coded data.
    pub complete: bool,
}

/// Why the bytes are not a JPEG we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// The file does not start with the SOI marker.
    #[error("not a JPEG: the file does not start with FF D8")]
    NotJpeg,
    /// A segment runs past the end of the file before the image data starts.
    #[error("truncated JPEG: a header segment runs past the end of the file")]
    TruncatedHeader,
    /// No SOF (frame) marker before the image data.
    #[error("malformed JPEG: no frame header (SOF) before the image data")]
    NoFrame,
    /// The frame header declares zero width or height.
    #[error("malformed JPEG: frame declares {width}x{height} pixels")]
    EmptyFrame { width: u32, height: u32 },
}

/// Walks the header segments of a JPEG and scans its entropy-coded data for EOI.
pub fn layout(bytes: &[u8]) -> Result<JpegLayout, LayoutError> {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return Err(LayoutError::NotJpeg);
    }
    let mut pos = 2;
    let mut exif = None;
    let mut frame = None;
    loop {
        // Fill bytes (FF FF …) may precede a marker.
        while pos < bytes.len() && bytes[pos] == 0xFF && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if pos + 4 > bytes.len() {
            return Err(LayoutError::TruncatedHeader);
        }
        if bytes[pos] != 0xFF {
            return Err(LayoutError::TruncatedHeader);
        }
        let marker = bytes[pos + 1];
        // Standalone markers carry no length.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            pos += 2;
            continue;
        }
        if marker == 0xD9 {
            return Err(LayoutError::NoFrame);
        }
        let len = u16::from_be_bytes([bytes[pos + 2], bytes[pos + 3]]) as usize;
        if len < 2 || pos + 2 + len > bytes.len() {
            return Err(LayoutError::TruncatedHeader);
        }
        let body = pos + 4..pos + 2 + len;
        match marker {
            0xE1 if exif.is_none() && bytes[body.clone()].starts_with(b"Exif\0\0") => {
                exif = Some(body.start + 6..body.end);
            }
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                if body.len() < 5 {
                    return Err(LayoutError::TruncatedHeader);
                }
                let b = &bytes[body.clone()];
                let height = u16::from_be_bytes([b[1], b[2]]) as u32;
                let width = u16::from_be_bytes([b[3], b[4]]) as u32;
                if width == 0 || height == 0 {
                    return Err(LayoutError::EmptyFrame { width, height });
                }
                frame = Some((width, height));
            }
            0xDA => {
                let (width, height) = frame.ok_or(LayoutError::NoFrame)?;
                let complete = has_eoi_after(bytes, body.end);
                return Ok(JpegLayout { width, height, exif, complete });
            }
            _ => {}
        }
        pos = body.end;
    }
}

/// True when the bytes after `start` hold an EOI marker (FF D9) outside of stuffed bytes.
fn has_eoi_after(bytes: &[u8], start: usize) -> bool {
    // Entropy-coded data escapes FF as FF 00, so FF D9 can only be a real marker.
    // Search backwards first: phones often append trailers after EOI, but EOI is rarely far.
    bytes[start..].windows(2).rev().any(|w| w == [0xFF, 0xD9])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bytes_without_soi() {
        assert_eq!(layout(b"GIF89a....").unwrap_err(), LayoutError::NotJpeg);
        assert_eq!(layout(b"").unwrap_err(), LayoutError::NotJpeg);
    }

    #[test]
    fn header_running_past_the_end_is_truncated() {
        // SOI, then an APP0 segment claiming 100 bytes with only 4 present.
        let bytes = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x64, 1, 2, 3, 4];
        assert_eq!(layout(&bytes).unwrap_err(), LayoutError::TruncatedHeader);
    }
}
