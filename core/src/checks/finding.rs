//! The finding record: a code, a severity, a sentence and the numbers behind it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How much a finding should weigh with the person who reviews the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; no doubt on the evidence.
    Info,
    /// Weakens the evidence; a reviewer should look.
    Warning,
    /// The evidence cannot be trusted as it is.
    Critical,
}

/// A stable, machine-readable name for what was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    /// The photo carries no EXIF block at all.
    ExifMissing,
    /// An EXIF block is present but could not be parsed.
    ExifUnreadable,
    /// No DateTimeOriginal, so the camera's capture time is unknown.
    ExifTimeMissing,
    /// DateTimeOriginal (or its sub-second/offset tags) holds an impossible value.
    ExifTimeInvalid,
    /// DateTimeOriginal has no OffsetTimeOriginal; the policy's time zone was assumed.
    ExifTimeZoneAssumed,
    /// No GPS position in EXIF.
    ExifGpsMissing,
    /// GPS tags are present but hold impossible values (range, refs, shapes).
    ExifGpsInvalid,
    /// GPSDateStamp/GPSTimeStamp are present but impossible.
    ExifGpsTimeInvalid,
    /// A Software tag names a known image editor.
    EditedBySoftware,
    /// EXIF DateTime (last modified) is later than DateTimeOriginal.
    ModifiedAfterCapture,
    /// EXIF pixel dimensions differ from the image's own.
    DimensionMismatch,
    /// The Orientation tag holds a value outside 1..=8; the image is shown as stored.
    OrientationInvalid,
    /// The device gave no location fix at capture time.
    DeviceFixMissing,
    /// The device fix came from a mock location provider.
    MockLocation,
    /// The case has no accident time, so capture times cannot be set against it.
    AccidentTimeMissing,
    /// No clock (EXIF, device or GPS) gave a capture time.
    CaptureTimeMissing,
    /// A capture time lies before the accident, beyond the tolerance.
    CapturedBeforeAccident,
    /// A capture time lies after the present, beyond the tolerance.
    CapturedInFuture,
    /// Two clocks (EXIF, device, GPS) disagree beyond the tolerance.
    ClockDisagreement,
    /// Neither EXIF GPS nor a device fix located the photo.
    LocationMissing,
    /// The photo was taken farther from the scene than the radius allows.
    FarFromScene,
    /// EXIF GPS and the device fix place the photo far apart.
    LocationDisagreement,
    /// A distance could not be computed between the photo and the scene.
    DistanceUnavailable,
    /// The same bytes were already captured in this case.
    DuplicateInCase,
    /// A near-identical image (perceptual hash) is already in this case.
    SimilarInCase,
    /// The same bytes were captured for an earlier case.
    ReusedFromEarlierCase,
    /// A near-identical image (perceptual hash) was captured for an earlier case.
    SimilarToEarlierCase,
    /// A VIN that is not 17 characters long.
    VinWrongLength,
    /// A VIN with I, O, Q or a character that is not a letter or digit.
    VinForbiddenCharacter,
    /// A VIN whose check digit (position 9) does not match the other sixteen characters.
    VinCheckDigitMismatch,
    /// A self-service claim falls outside the branch's self-service rules.
    SelfServiceIneligible,
    /// A scanned document covers too few pixels in the photo to be read.
    ScanTooSmall,
    /// A scanned document was photographed at too steep an angle to trust.
    ScanTooSkewed,
    /// A scanned document is blurred.
    ScanBlurred,
    /// A reflection washes out part of a scanned document.
    ScanGlare,
    /// The page outline of a scan was found with low confidence.
    ScanCornersUncertain,
}

/// One finding about an item or a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable code for machines.
    pub code: FindingCode,
    /// How much it should weigh.
    pub severity: Severity,
    /// A sentence a reviewer understands.
    pub message: String,
    /// The numbers and values behind the finding.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub facts: Map<String, Value>,
}

impl Finding {
    /// A finding with no facts yet.
    pub fn new(code: FindingCode, severity: Severity, message: impl Into<String>) -> Self {
        Finding { code, severity, message: message.into(), facts: Map::new() }
    }

    /// Adds one fact (a number or value behind the finding).
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.facts.insert(key.to_string(), value.into());
        self
    }
}
