//! Photo intake: EXIF, hashes, thumbnail, quality metrics. Originals are never re-encoded.
