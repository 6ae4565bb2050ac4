//! Synthetic evidence: real JPEGs with chosen EXIF, for tests, benchmarks and the demo.
