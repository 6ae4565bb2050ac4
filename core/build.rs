//! Compresses the shipped zone policy for embedding: its district outlines are 222 KB of JSON
//! coordinates, the largest piece of read-only data in the mobile library. zlib takes it to
//! about a third; it is inflated once, when the policy is first loaded.

use flate2::write::ZlibEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::PathBuf;

const SHIPPED_POLICY: &str = "data/policies/default-30-60.json";

fn main() {
    println!("cargo:rerun-if-changed={SHIPPED_POLICY}");
    let text = std::fs::read(SHIPPED_POLICY).expect("the shipped policy is readable");
    let mut zlib = ZlibEncoder::new(Vec::new(), Compression::best());
    zlib.write_all(&text).expect("compressing into memory");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("default-30-60.json.zlib"), zlib.finish().expect("compressing into memory"))
        .expect("OUT_DIR is writable");
}
