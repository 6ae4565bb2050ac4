//! Page outlines and plane-to-plane mappings: points, the four-corner quad and its homography.
//!
//! Coordinates are image pixels with the centre of the top-left pixel at (0, 0), x to the right
//! and y down, as most imaging libraries use them.

use super::error::ScanError;
use serde::{Deserialize, Serialize};

/// A point in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Column, growing to the right.
    pub x: f64,
    /// Row, growing downwards.
    pub y: f64,
}

impl Point {
    /// A point at (x, y).
    pub const fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    /// Distance to another point.
    pub fn dist(self, o: Point) -> f64 {
        (self.x - o.x).hypot(self.y - o.y)
    }

    fn sub(self, o: Point) -> Point {
        Point::new(self.x - o.x, self.y - o.y)
    }
}

/// Smallest side a page outline may have, in pixels of the image it lies on.
const MIN_SIDE_PX: f64 = 8.0;

/// A page outline: four corners clockwise from the top-left, in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Quad(pub [Point; 4]);

/// z of the cross product (b - a) × (c - b): positive when a→b→c turns clockwise on screen.
fn turn(a: Point, b: Point, c: Point) -> f64 {
    let u = b.sub(a);
    let v = c.sub(b);
    u.x * v.y - u.y * v.x
}

/// True when segments ab and cd cross at a point inside both.
fn segments_cross(a: Point, b: Point, c: Point, d: Point) -> bool {
    let d1 = turn(a, b, c);
    let d2 = turn(a, b, d);
    let d3 = turn(c, d, a);
    let d4 = turn(c, d, b);
    d1 * d2 < 0.0 && d3 * d4 < 0.0
}

impl Quad {
    /// Reads `x1,y1,…,x4,y4` numbers (as the CLI and the platform detectors give them).
    pub fn from_flat(v: &[f64]) -> Result<Quad, ScanError> {
        if v.len() != 8 {
            return Err(ScanError::CornerCount(v.len()));
        }
        if let Some(i) = v.iter().position(|c| !c.is_finite()) {
            return Err(ScanError::DegenerateCorners(format!("coordinate {} is not a finite number", i + 1)));
        }
        Ok(Quad([0, 1, 2, 3].map(|i| Point::new(v[2 * i], v[2 * i + 1]))))
    }

    /// The corners as `[x1, y1, …, x4, y4]`.
    pub fn to_flat(&self) -> [f64; 8] {
        let p = &self.0;
        [p[0].x, p[0].y, p[1].x, p[1].y, p[2].x, p[2].y, p[3].x, p[3].y]
    }

    /// The quad with every coordinate multiplied by `s`.
    pub fn scaled(&self, s: f64) -> Quad {
        Quad(self.0.map(|p| Point::new(p.x * s, p.y * s)))
    }

    /// Signed area by the shoelace formula; positive when clockwise on screen.
    pub fn signed_area(&self) -> f64 {
        let p = &self.0;
        (0..4).map(|i| p[i].x * p[(i + 1) % 4].y - p[(i + 1) % 4].x * p[i].y).sum::<f64>() / 2.0
    }

    /// Side lengths: top, right, bottom, left.
    pub fn sides(&self) -> [f64; 4] {
        let p = &self.0;
        [0, 1, 2, 3].map(|i| p[i].dist(p[(i + 1) % 4]))
    }

    /// Mean of the two diagonals' lengths.
    pub fn diagonal(&self) -> f64 {
        (self.0[0].dist(self.0[2]) + self.0[1].dist(self.0[3])) / 2.0
    }

    /// Interior angles in degrees, at each corner in order.
    pub fn angles(&self) -> [f64; 4] {
        let p = &self.0;
        [0, 1, 2, 3].map(|i| {
            let a = p[(i + 3) % 4].sub(p[i]);
            let b = p[(i + 1) % 4].sub(p[i]);
            let c = (a.x * b.x + a.y * b.y) / (a.x.hypot(a.y) * b.x.hypot(b.y));
            c.clamp(-1.0, 1.0).acos().to_degrees()
        })
    }

    /// Checks that the quad is a usable page outline on a `width`×`height` image and returns it
    /// clockwise from the corner nearest the image's top-left.
    ///
    /// Refuses corners outside the image, coincident or collinear corners, crossing sides and
    /// concave outlines: each is a mistake the caller must fix, not something to guess around.
    pub fn validated(&self, width: u32, height: u32) -> Result<Quad, ScanError> {
        let (w, h) = (width as f64, height as f64);
        for (i, p) in self.0.iter().enumerate() {
            // Half a pixel of slack: a corner on the outer edge of the last pixel is still inside.
            if !(p.x.is_finite() && p.y.is_finite()) || p.x < -0.5 || p.y < -0.5 || p.x > w - 0.5 || p.y > h - 0.5 {
                return Err(ScanError::CornerOutsideImage { index: i + 1, x: p.x, y: p.y, width, height });
            }
        }
        let p = self.0;
        for i in 0..4 {
            for j in i + 1..4 {
                if p[i].dist(p[j]) < MIN_SIDE_PX {
                    return Err(ScanError::DegenerateCorners(format!(
                        "corners {} and {} are {:.1} px apart (at least {MIN_SIDE_PX} needed)",
                        i + 1,
                        j + 1,
                        p[i].dist(p[j])
                    )));
                }
            }
        }
        if segments_cross(p[0], p[1], p[2], p[3]) || segments_cross(p[1], p[2], p[3], p[0]) {
            return Err(ScanError::SelfCrossingCorners);
        }
        let turns = [0, 1, 2, 3].map(|i| turn(p[i], p[(i + 1) % 4], p[(i + 2) % 4]));
        let scale = self.diagonal().powi(2);
        // A turn this small relative to the page means three corners on one line.
        if turns.iter().any(|t| t.abs() < 1e-3 * scale) {
            return Err(ScanError::DegenerateCorners("three corners lie on one line".into()));
        }
        if !(turns.iter().all(|t| *t > 0.0) || turns.iter().all(|t| *t < 0.0)) {
            return Err(ScanError::ConcaveCorners);
        }
        Ok(self.ordered())
    }

    /// The same outline, clockwise on screen and starting at the corner nearest the top-left.
    pub fn ordered(&self) -> Quad {
        let mut p = self.0;
        if self.signed_area() < 0.0 {
            p.reverse();
        }
        let start = (0..4)
            .min_by(|&a, &b| (p[a].x + p[a].y).partial_cmp(&(p[b].x + p[b].y)).unwrap_or(std::cmp::Ordering::Equal))
            .unwrap_or(0);
        Quad([0, 1, 2, 3].map(|i| p[(start + i) % 4]))
    }
}

/// A projective mapping between two planes (3×3, row-major, last entry 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// The mapping that sends each `from[i]` to `to[i]`; `None` when the points are degenerate.
    pub fn from_points(from: &[Point; 4], to: &[Point; 4]) -> Option<Homography> {
        // Normalise both point sets (centre, mean distance √2) so the 8×8 system is well conditioned
        // at 12-megapixel coordinates.
        let (nf, tf) = normaliser(from);
        let (nt, tt) = normaliser(to);
        let mut a = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let (x, y) = (nf[i].x, nf[i].y);
            let (u, v) = (nt[i].x, nt[i].y);
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        let h = solve8(a)?;
        let hn = Homography([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]);
        // Undo the normalisation: H = Tt⁻¹ · Hn · Tf.
        let full = tt.inverse()?.then_after(&hn).then_after(&tf);
        full.normalised()
    }

    /// Applies the mapping to a point.
    pub fn apply(&self, p: Point) -> Point {
        let m = &self.0;
        let w = m[6] * p.x + m[7] * p.y + m[8];
        Point::new((m[0] * p.x + m[1] * p.y + m[2]) / w, (m[3] * p.x + m[4] * p.y + m[5]) / w)
    }

    /// The inverse mapping; `None` when singular.
    pub fn inverse(&self) -> Option<Homography> {
        let m = &self.0;
        let c = [
            m[4] * m[8] - m[5] * m[7],
            m[2] * m[7] - m[1] * m[8],
            m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8],
            m[0] * m[8] - m[2] * m[6],
            m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6],
            m[1] * m[6] - m[0] * m[7],
            m[0] * m[4] - m[1] * m[3],
        ];
        let det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6];
        if det.abs() < 1e-300 || !det.is_finite() {
            return None;
        }
        Homography(c.map(|v| v / det)).normalised()
    }

    /// `self · other`: apply `other` first, then `self`.
    fn then_after(&self, other: &Homography) -> Homography {
        let (a, b) = (&self.0, &other.0);
        let mut r = [0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                r[3 * i + j] = (0..3).map(|k| a[3 * i + k] * b[3 * k + j]).sum();
            }
        }
        Homography(r)
    }

    fn normalised(self) -> Option<Homography> {
        let s = self.0[8];
        if s.abs() < 1e-12 || self.0.iter().any(|v| !v.is_finite()) {
            return None;
        }
        Some(Homography(self.0.map(|v| v / s)))
    }
}

/// Points moved to their centroid and scaled to mean distance √2, with the matrix that does it.
fn normaliser(p: &[Point; 4]) -> ([Point; 4], Homography) {
    let cx = p.iter().map(|q| q.x).sum::<f64>() / 4.0;
    let cy = p.iter().map(|q| q.y).sum::<f64>() / 4.0;
    let mean = p.iter().map(|q| (q.x - cx).hypot(q.y - cy)).sum::<f64>() / 4.0;
    let s = if mean > 0.0 { std::f64::consts::SQRT_2 / mean } else { 1.0 };
    let t = Homography([s, 0.0, -s * cx, 0.0, s, -s * cy, 0.0, 0.0, 1.0]);
    (p.map(|q| Point::new(s * (q.x - cx), s * (q.y - cy))), t)
}

/// Solves the 8 equations `a[i][..8] · h = a[i][8]` by Gaussian elimination with partial pivoting.
fn solve8(mut a: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let piv = (col..8).max_by(|&i, &j| a[i][col].abs().partial_cmp(&a[j][col].abs()).unwrap_or(std::cmp::Ordering::Equal))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        for r in 0..8 {
            if r != col {
                let f = a[r][col] / a[col][col];
                if f != 0.0 {
                    let pivot_row = a[col];
                    for (x, p) in a[r][col..].iter_mut().zip(&pivot_row[col..]) {
                        *x -= f * p;
                    }
                }
            }
        }
    }
    let mut h = [0.0; 8];
    for i in 0..8 {
        h[i] = a[i][8] / a[i][i];
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(v: [f64; 8]) -> Quad {
        Quad::from_flat(&v).unwrap()
    }

    #[test]
    fn homography_sends_each_corner_to_its_target() {
        let from = [Point::new(0.0, 0.0), Point::new(1653.0, 0.0), Point::new(1653.0, 2338.0), Point::new(0.0, 2338.0)];
        let to = [Point::new(812.3, 433.1), Point::new(3301.0, 610.0), Point::new(3520.5, 3702.2), Point::new(640.0, 3390.9)];
        let h = Homography::from_points(&from, &to).unwrap();
        for i in 0..4 {
            assert!(h.apply(from[i]).dist(to[i]) < 1e-6, "corner {i}");
        }
        let back = h.inverse().unwrap();
        assert!(back.apply(to[2]).dist(from[2]) < 1e-6);
    }

    #[test]
    fn homography_of_collinear_points_is_refused() {
        let from = [Point::new(0.0, 0.0), Point::new(1.0, 0.0), Point::new(2.0, 0.0), Point::new(3.0, 0.0)];
        let to = [Point::new(0.0, 0.0), Point::new(1.0, 0.0), Point::new(1.0, 1.0), Point::new(0.0, 1.0)];
        assert!(Homography::from_points(&from, &to).is_none());
    }

    #[test]
    fn anticlockwise_corners_are_reordered_from_top_left() {
        let quad = q([100.0, 900.0, 900.0, 950.0, 950.0, 80.0, 90.0, 100.0]).validated(1000, 1000).unwrap();
        assert_eq!(quad.0[0], Point::new(90.0, 100.0));
        assert_eq!(quad.0[1], Point::new(950.0, 80.0));
        assert!(quad.signed_area() > 0.0);
    }

    #[test]
    fn self_crossing_corners_are_refused() {
        let err = q([100.0, 100.0, 900.0, 900.0, 900.0, 100.0, 100.0, 900.0]).validated(1000, 1000).unwrap_err();
        assert!(matches!(err, ScanError::SelfCrossingCorners), "{err}");
    }

    #[test]
    fn concave_corners_are_refused() {
        let err = q([100.0, 100.0, 900.0, 100.0, 300.0, 300.0, 100.0, 900.0]).validated(1000, 1000).unwrap_err();
        assert!(matches!(err, ScanError::ConcaveCorners), "{err}");
    }

    #[test]
    fn coincident_and_collinear_corners_are_degenerate() {
        let same = q([100.0, 100.0, 102.0, 101.0, 900.0, 900.0, 100.0, 900.0]).validated(1000, 1000).unwrap_err();
        assert!(matches!(same, ScanError::DegenerateCorners(_)), "{same}");
        let line = q([100.0, 100.0, 500.0, 100.0, 900.0, 100.0, 500.0, 800.0]).validated(1000, 1000).unwrap_err();
        assert!(matches!(line, ScanError::DegenerateCorners(_)), "{line}");
    }

    #[test]
    fn corners_outside_the_image_are_refused() {
        let err = q([-20.0, 10.0, 900.0, 10.0, 900.0, 700.0, 10.0, 700.0]).validated(1000, 750).unwrap_err();
        assert!(matches!(err, ScanError::CornerOutsideImage { index: 1, .. }), "{err}");
        let err = q([10.0, 10.0, 900.0, 10.0, 900.0, 750.0, 10.0, 700.0]).validated(1000, 750).unwrap_err();
        assert!(matches!(err, ScanError::CornerOutsideImage { index: 3, .. }), "{err}");
    }

    #[test]
    fn wrong_number_of_coordinates_is_refused() {
        assert!(matches!(Quad::from_flat(&[1.0; 6]), Err(ScanError::CornerCount(6))));
        assert!(matches!(Quad::from_flat(&[1.0, f64::NAN, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]), Err(ScanError::DegenerateCorners(_))));
    }
}
