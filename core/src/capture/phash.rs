//! A 64-bit difference hash (dHash) of the thumbnail, for finding near-identical photos.

use image::{imageops, GrayImage};

/// dHash: shrink to 9×8 grey, one bit per horizontal neighbour pair (left brighter than right).
pub fn dhash(luma: &GrayImage) -> u64 {
    let small = imageops::resize(luma, 9, 8, imageops::FilterType::Triangle);
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            let left = small.get_pixel(x, y)[0];
            let right = small.get_pixel(x + 1, y)[0];
            hash = (hash << 1) | (left > right) as u64;
        }
    }
    hash
}

/// Number of differing bits between two hashes (0 = same picture, ≤ 10 usually near-identical).
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}
