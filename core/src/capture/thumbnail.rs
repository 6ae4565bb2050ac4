//! The thumbnail: decoded at a reduced DCT scale, resized to its final size, orientation applied.

use image::{imageops, DynamicImage, GrayImage, ImageBuffer, Rgb, RgbImage};
use jpeg_decoder::{Decoder, PixelFormat};

/// Why a JPEG could not be decoded into a thumbnail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the image data cannot be decoded: {0}")]
pub struct DecodeError(pub String);

/// Decodes `bytes` at the smallest DCT scale that still gives `long_side` pixels, then resizes.
///
/// Decoding at 1/8 scale skips most of the inverse DCT and never allocates a full-size frame,
/// which is what keeps capture of a 12 MP photo close to the cost of reading it.
pub fn thumbnail(bytes: &[u8], long_side: u32, orientation: Option<u16>) -> Result<RgbImage, DecodeError> {
    let decoded = std::panic::catch_unwind(|| decode_scaled(bytes, long_side))
        .map_err(|_| DecodeError("the decoder rejected the image data".into()))??;
    let (w, h) = decoded.dimensions();
    let scale = long_side as f64 / w.max(h) as f64;
    let resized = if scale < 1.0 {
        let nw = ((w as f64 * scale).round() as u32).max(1);
        let nh = ((h as f64 * scale).round() as u32).max(1);
        imageops::resize(&decoded, nw, nh, imageops::FilterType::Triangle)
    } else {
        decoded
    };
    Ok(orient(resized, orientation.unwrap_or(1)))
}

fn decode_scaled(bytes: &[u8], long_side: u32) -> Result<RgbImage, DecodeError> {
    let mut decoder = Decoder::new(bytes);
    decoder.read_info().map_err(|e| DecodeError(e.to_string()))?;
    let info = decoder.info().ok_or_else(|| DecodeError("no frame header".into()))?;
    let (w, h) = (info.width as u32, info.height as u32);
    let ratio = long_side as f64 / w.max(h) as f64;
    let req_w = ((w as f64 * ratio).ceil() as u32).clamp(1, u16::MAX as u32) as u16;
    let req_h = ((h as f64 * ratio).ceil() as u32).clamp(1, u16::MAX as u32) as u16;
    let (sw, sh) = decoder.scale(req_w, req_h).map_err(|e| DecodeError(e.to_string()))?;
    let pixels = decoder.decode().map_err(|e| DecodeError(e.to_string()))?;
    let (sw, sh) = (sw as u32, sh as u32);
    let rgb: Vec<u8> = match info.pixel_format {
        PixelFormat::RGB24 => pixels,
        PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        PixelFormat::L16 => pixels.chunks_exact(2).flat_map(|c| [c[0], c[0], c[0]]).collect(),
        PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .flat_map(|c| {
                let k = c[3] as u16;
                [c[0], c[1], c[2]].map(|v| ((v as u16 * k) / 255) as u8)
            })
            .collect(),
    };
    ImageBuffer::<Rgb<u8>, _>::from_raw(sw, sh, rgb)
        .ok_or_else(|| DecodeError("decoded data is shorter than the frame".into()))
}

/// Applies an EXIF orientation (1..=8) so the image shows as the camera held it.
pub fn orient(img: RgbImage, orientation: u16) -> RgbImage {
    match orientation {
        2 => imageops::flip_horizontal(&img),
        3 => imageops::rotate180(&img),
        4 => imageops::flip_vertical(&img),
        5 => imageops::flip_horizontal(&imageops::rotate90(&img)),
        6 => imageops::rotate90(&img),
        7 => imageops::flip_horizontal(&imageops::rotate270(&img)),
        8 => imageops::rotate270(&img),
        _ => img,
    }
}

/// The thumbnail as grey levels (Rec. 601 luma).
pub fn luma(img: &RgbImage) -> GrayImage {
    DynamicImage::ImageRgb8(img.clone()).into_luma8()
}

/// Encodes the thumbnail as a small JPEG for lists and review screens.
pub fn encode(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    // Encoding an in-memory RGB buffer into a Vec cannot fail.
    enc.encode_image(img).expect("thumbnail encodes");
    out
}
