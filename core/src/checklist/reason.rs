//! Plain-word reasons why a photo does not count, in Chinese and English, for people who are not experts.

use super::format::Label;
use serde::{Deserialize, Serialize};

/// A common reason a capture is not accepted; [`Rejection::words`] gives the sentence to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Rejection {
    /// The photo is blurred.
    Blurred,
    /// The photo is too dark.
    TooDark,
    /// The photo is too bright or washed out.
    TooBright,
    /// The photo is smaller than the minimum size.
    TooSmall {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// No trustworthy capture time.
    NoTime,
    /// No location at all.
    NoLocation,
    /// Taken this far from the scene.
    FarFromScene {
        /// Distance in metres.
        metres: f64,
    },
    /// Taken this long before the accident.
    BeforeAccident {
        /// Minutes before the reported accident time.
        minutes: i64,
    },
    /// The capture time lies in the future.
    InTheFuture,
    /// The location came from a mock location provider.
    MockLocation,
    /// The same or a near-identical photo was already used.
    Duplicate {
        /// True when it was used in another case.
        other_case: bool,
    },
}

impl Rejection {
    /// The sentence to show, in both languages.
    pub fn words(&self) -> Label {
        match self {
            Rejection::Blurred => Label::new("照片模糊", "blurred"),
            Rejection::TooDark => Label::new("照片太暗", "too dark"),
            Rejection::TooBright => Label::new("照片过亮", "too bright"),
            Rejection::TooSmall { width, height } => Label::new(
                format!("照片太小（{width}×{height}）"),
                format!("too small ({width}×{height})"),
            ),
            Rejection::NoTime => Label::new("没有可信的拍摄时间", "no trustworthy capture time"),
            Rejection::NoLocation => Label::new("没有拍摄位置", "no location"),
            Rejection::FarFromScene { metres } => {
                let (zh, en) = distance_words(*metres);
                Label::new(format!("在距现场{zh}处拍摄"), format!("taken {en} from the scene"))
            }
            Rejection::BeforeAccident { minutes } => Label::new(
                format!("在事故发生前{}拍摄", duration_zh(*minutes)),
                format!("taken {} before the accident", duration_en(*minutes)),
            ),
            Rejection::InTheFuture => {
                Label::new("拍摄时间晚于当前时间", "capture time is in the future")
            }
            Rejection::MockLocation => Label::new("定位来自模拟位置", "the location was faked (mock location)"),
            Rejection::Duplicate { other_case: false } => {
                Label::new("与本案已有照片重复", "duplicate of an earlier photo in this case")
            }
            Rejection::Duplicate { other_case: true } => {
                Label::new("与其他案件的照片重复", "duplicate of a photo from another case")
            }
        }
    }
}

fn distance_words(metres: f64) -> (String, String) {
    if metres >= 1000.0 {
        let km = metres / 1000.0;
        (format!("{km:.1}公里"), format!("{km:.1} km"))
    } else {
        (format!("{metres:.0}米"), format!("{metres:.0} m"))
    }
}

fn duration_zh(minutes: i64) -> String {
    if minutes >= 2880 {
        format!("{:.1}天", minutes as f64 / 1440.0)
    } else if minutes >= 120 {
        format!("{:.1}小时", minutes as f64 / 60.0)
    } else {
        format!("{minutes}分钟")
    }
}

fn duration_en(minutes: i64) -> String {
    if minutes >= 2880 {
        format!("{:.1} days", minutes as f64 / 1440.0)
    } else if minutes >= 120 {
        format!("{:.1} hours", minutes as f64 / 60.0)
    } else {
        format!("{minutes} minutes")
    }
}
