//! Finding the page: edges and their outlines on a reduced copy of the photo, the best four-sided
//! outline, then each side fitted to the edge it lies on, with a confidence from how much of
//! each side an edge actually supports. Corners from a platform detector go through the same fit.

use super::error::ScanError;
use super::geometry::{Point, Quad};
use image::RgbImage;

/// Long side of the reduced copy the search runs on, in pixels.
const REDUCED_LONG_SIDE: u32 = 512;
/// Candidate outlines examined, largest first.
const MAX_CANDIDATES: usize = 12;
/// Smallest share of the photo a page outline may cover.
const MIN_AREA_FRACTION: f64 = 0.02;

/// A page outline found or refined, in original-image pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Corners clockwise from the top-left.
    pub corners: Quad,
    /// 0..1: how much of the outline's four sides real edges support.
    pub confidence: f32,
}

/// Edge strength and direction of a reduced copy of the photo.
pub struct EdgeMap {
    w: usize,
    h: usize,
    /// Original pixels per reduced pixel.
    factor: u32,
    gx: Vec<f32>,
    gy: Vec<f32>,
    mag: Vec<f32>,
    /// Gradient magnitude above which a pixel counts as an edge.
    threshold: f32,
}

impl EdgeMap {
    /// Reduces the photo (box average), smooths it and takes the colour gradient.
    pub fn new(img: &RgbImage) -> EdgeMap {
        let (iw, ih) = img.dimensions();
        let factor = iw.max(ih).div_ceil(REDUCED_LONG_SIDE).max(1);
        let (w, h) = ((iw / factor).max(1) as usize, (ih / factor).max(1) as usize);
        let mut planes = [vec![0f32; w * h], vec![0f32; w * h], vec![0f32; w * h]];
        let raw = img.as_raw();
        let f = factor as usize;
        let norm = 1.0 / (f * f) as f32;
        // Each photo row is read once, front to back, into one row of per-block sums.
        let mut acc = vec![[0u32; 3]; w];
        let row_len = iw as usize * 3;
        for y in 0..h {
            acc.fill([0; 3]);
            for row in raw[y * f * row_len..(y * f + f).min(ih as usize) * row_len].chunks_exact(row_len) {
                for (a, block) in acc.iter_mut().zip(row.chunks_exact(3 * f)) {
                    for px in block.chunks_exact(3) {
                        a[0] += px[0] as u32;
                        a[1] += px[1] as u32;
                        a[2] += px[2] as u32;
                    }
                }
            }
            for (x, a) in acc.iter().enumerate() {
                for c in 0..3 {
                    planes[c][y * w + x] = a[c] as f32 * norm;
                }
            }
        }
        for p in planes.iter_mut() {
            smooth(p, w, h);
        }
        let mut gx = vec![0f32; w * h];
        let mut gy = vec![0f32; w * h];
        let mut mag = vec![0f32; w * h];
        // The outermost ring keeps zero gradient: an image border is not a page edge.
        for y in 1..h.saturating_sub(1) {
            for x in 1..w.saturating_sub(1) {
                let i = y * w + x;
                let mut best = (0f32, 0f32, -1f32);
                for p in planes.iter() {
                    let at = |dx: isize, dy: isize| p[(i as isize + dy * w as isize + dx) as usize];
                    // Sobel divided by 8: about the intensity step per pixel.
                    let sx = (at(1, -1) + 2.0 * at(1, 0) + at(1, 1) - at(-1, -1) - 2.0 * at(-1, 0) - at(-1, 1)) / 8.0;
                    let sy = (at(-1, 1) + 2.0 * at(0, 1) + at(1, 1) - at(-1, -1) - 2.0 * at(0, -1) - at(1, -1)) / 8.0;
                    let m = sx * sx + sy * sy;
                    if m > best.2 {
                        best = (sx, sy, m);
                    }
                }
                gx[i] = best.0;
                gy[i] = best.1;
                mag[i] = best.2.sqrt();
            }
        }
        let mut sorted: Vec<f32> = mag.iter().copied().filter(|m| *m > 0.0).collect();
        let median = if sorted.is_empty() {
            0.0
        } else {
            let mid = sorted.len() / 2;
            *sorted.select_nth_unstable_by(mid, |a, b| a.total_cmp(b)).1
        };
        // Above the texture and sensor noise of the background, and never below a faint paper edge.
        let threshold = (4.0 * median).clamp(4.0, 14.0);
        EdgeMap { w, h, factor, gx, gy, mag, threshold }
    }

    /// Reduced-image coordinates of an original-image point.
    fn to_reduced(&self, p: Point) -> Point {
        let f = self.factor as f64;
        let off = (f - 1.0) / 2.0;
        Point::new((p.x - off) / f, (p.y - off) / f)
    }

    /// Original-image coordinates of a reduced-image point.
    fn to_original(&self, p: Point) -> Point {
        let f = self.factor as f64;
        let off = (f - 1.0) / 2.0;
        Point::new(p.x * f + off, p.y * f + off)
    }

    fn quad_to_reduced(&self, q: &Quad) -> Quad {
        Quad(q.0.map(|p| self.to_reduced(p)))
    }

    fn quad_to_original(&self, q: &Quad) -> Quad {
        Quad(q.0.map(|p| self.to_original(p)))
    }

    /// Bilinear sample of the gradient at a reduced-image point; zero outside.
    fn gradient(&self, p: Point) -> (f32, f32) {
        if !(p.x >= 0.0 && p.y >= 0.0 && p.x <= (self.w - 1) as f64 && p.y <= (self.h - 1) as f64) {
            return (0.0, 0.0);
        }
        let (x0, y0) = (p.x.floor() as usize, p.y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = ((p.x - x0 as f64) as f32, (p.y - y0 as f64) as f32);
        let s = |v: &Vec<f32>| {
            let a = v[y0 * self.w + x0] * (1.0 - fx) + v[y0 * self.w + x1] * fx;
            let b = v[y1 * self.w + x0] * (1.0 - fx) + v[y1 * self.w + x1] * fx;
            a * (1.0 - fy) + b * fy
        };
        (s(&self.gx), s(&self.gy))
    }
}

/// Separable [1 4 6 4 1]/16 smoothing (a Gaussian of σ≈1), edges clamped.
fn smooth(p: &mut [f32], w: usize, h: usize) {
    const K: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
    let mut tmp = vec![0f32; w * h];
    for y in 0..h {
        for x in 0..w {
            tmp[y * w + x] = (0..5).map(|k| K[k] * p[y * w + (x + k).saturating_sub(2).min(w - 1)]).sum();
        }
    }
    for y in 0..h {
        for x in 0..w {
            p[y * w + x] = (0..5).map(|k| K[k] * tmp[(y + k).saturating_sub(2).min(h - 1) * w + x]).sum();
        }
    }
}

/// Finds the document page in a photo, or says there is none it can trust.
pub fn find_page(img: &RgbImage, min_confidence: f32) -> Result<Detection, ScanError> {
    let edges = EdgeMap::new(img);
    let (w, h) = (edges.w, edges.h);
    let image_area = (w * h) as f64;
    let mut best: Option<(f64, Detection)> = None;
    let mut best_confidence = 0f32;
    let mut candidates: Vec<Quad> = outline_hulls(&edges).iter().filter_map(|h| largest_inscribed_quad(h)).collect();
    candidates.extend(line_quads(&edges));
    for quad in candidates {
        if quad.signed_area().abs() < MIN_AREA_FRACTION * image_area {
            continue;
        }
        let (fitted, confidence) = fit_sides(&edges, &quad, &[5.0, 3.0, 2.0]);
        best_confidence = best_confidence.max(confidence);
        if confidence < min_confidence || fitted.validated(w as u32, h as u32).is_err() {
            continue;
        }
        // Prefer the larger of two trusted outlines (a page over the photo printed on it), but
        // let a much clearer outline win over a slightly larger doubtful one.
        let score = (confidence as f64).powi(2) * fitted.signed_area().abs().sqrt();
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, Detection { corners: edges.quad_to_original(&fitted).ordered(), confidence }));
        }
    }
    best.map(|(_, d)| d).ok_or(ScanError::NoPageFound { confidence: best_confidence, needed: min_confidence })
}

/// Fits corners given by a platform detector (already checked) to the edges near them.
///
/// Keeps the given corners when the edges do not support a better outline nearby.
pub fn refine_corners(img: &RgbImage, given: &Quad) -> (Detection, bool) {
    let edges = EdgeMap::new(img);
    let reduced = edges.quad_to_reduced(given);
    let band = (0.03 * reduced.diagonal()).clamp(4.0, 12.0);
    let (_, given_conf) = fit_sides(&edges, &reduced, &[1.5]);
    let (fitted, conf) = fit_sides(&edges, &reduced, &[band, 4.0, 2.0]);
    let moved = (0..4).map(|i| fitted.0[i].dist(reduced.0[i])).fold(0.0, f64::max);
    if conf > given_conf && moved <= 2.0 * band && fitted.validated(edges.w as u32, edges.h as u32).is_ok() {
        (Detection { corners: edges.quad_to_original(&fitted).ordered(), confidence: conf }, true)
    } else {
        (Detection { corners: *given, confidence: given_conf }, false)
    }
}

/// Convex hulls of the large connected groups of edge pixels, largest first.
fn outline_hulls(e: &EdgeMap) -> Vec<Vec<Point>> {
    let (w, h) = (e.w, e.h);
    let mut label = vec![u32::MAX; w * h];
    let mut hulls: Vec<(f64, Vec<Point>)> = Vec::new();
    let mut stack = Vec::new();
    let mut next = 0u32;
    for start in 0..w * h {
        if e.mag[start] < e.threshold || label[start] != u32::MAX {
            continue;
        }
        // Row extremes are enough for the convex hull of a group.
        let mut rows: Vec<(i32, i32)> = vec![(i32::MAX, i32::MIN); h];
        label[start] = next;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = ((i % w) as i32, (i / w) as i32);
            let r = &mut rows[y as usize];
            r.0 = r.0.min(x);
            r.1 = r.1.max(x);
            // A 5×5 neighbourhood bridges one- or two-pixel gaps in a faint page edge.
            for dy in -2..=2i32 {
                for dx in -2..=2i32 {
                    let (nx, ny) = (x + dx, y + dy);
                    if nx < 0 || ny < 0 || nx >= w as i32 || ny >= h as i32 {
                        continue;
                    }
                    let j = ny as usize * w + nx as usize;
                    if label[j] == u32::MAX && e.mag[j] >= e.threshold {
                        label[j] = next;
                        stack.push(j);
                    }
                }
            }
        }
        next += 1;
        let (mut x0, mut x1, mut y0, mut y1) = (i32::MAX, i32::MIN, i32::MAX, i32::MIN);
        let mut pts = Vec::new();
        for (y, r) in rows.iter().enumerate() {
            if r.0 <= r.1 {
                x0 = x0.min(r.0);
                x1 = x1.max(r.1);
                y0 = y0.min(y as i32);
                y1 = y1.max(y as i32);
                pts.push(Point::new(r.0 as f64, y as f64));
                if r.1 != r.0 {
                    pts.push(Point::new(r.1 as f64, y as f64));
                }
            }
        }
        if ((x1 - x0) as f64) < 0.1 * w as f64 && ((y1 - y0) as f64) < 0.1 * h as f64 {
            continue;
        }
        let hull = convex_hull(pts);
        let area = Quad::hull_area(&hull);
        if area >= MIN_AREA_FRACTION * (w * h) as f64 {
            hulls.push((area, hull));
        }
    }
    hulls.sort_by(|a, b| b.0.total_cmp(&a.0));
    hulls.into_iter().take(MAX_CANDIDATES).map(|(_, h)| h).collect()
}

impl Quad {
    /// Area of a polygon given by its vertices in order.
    fn hull_area(p: &[Point]) -> f64 {
        let n = p.len();
        (0..n).map(|i| p[i].x * p[(i + 1) % n].y - p[(i + 1) % n].x * p[i].y).sum::<f64>().abs() / 2.0
    }
}

/// Convex hull by the monotone chain; clockwise on screen.
fn convex_hull(mut pts: Vec<Point>) -> Vec<Point> {
    pts.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let cross = |o: Point, a: Point, b: Point| (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
    let mut hull: Vec<Point> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Point>> = if pass == 0 { Box::new(pts.iter()) } else { Box::new(pts.iter().rev()) };
        for &p in iter {
            while hull.len() >= start + 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0 {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// The four hull vertices enclosing the largest area, found by moving one corner at a time.
fn largest_inscribed_quad(hull: &[Point]) -> Option<Quad> {
    let n = hull.len();
    if n < 4 {
        return None;
    }
    let area = |idx: &[usize; 4]| Quad(idx.map(|i| hull[i])).signed_area().abs();
    // Start from the extremes along the two diagonals.
    let key = |f: &dyn Fn(&Point) -> f64| (0..n).max_by(|&a, &b| f(&hull[a]).total_cmp(&f(&hull[b]))).unwrap_or(0);
    let mut idx = [key(&|p| -(p.x + p.y)), key(&|p| p.x - p.y), key(&|p| p.x + p.y), key(&|p| p.y - p.x)];
    idx.sort_unstable();
    if idx.windows(2).any(|w| w[0] == w[1]) {
        idx = [0, n / 4, n / 2, 3 * n / 4];
    }
    let mut best = area(&idx);
    for _ in 0..8 {
        let mut improved = false;
        for k in 0..4 {
            // Keep the vertices in hull order: corner k moves between its neighbours.
            let (lo, hi) = (idx[(k + 3) % 4], idx[(k + 1) % 4]);
            let mut j = (lo + 1) % n;
            while j != hi {
                let mut trial = idx;
                trial[k] = j;
                let a = area(&trial);
                if a > best + 1e-9 {
                    best = a;
                    idx = trial;
                    improved = true;
                }
                j = (j + 1) % n;
            }
        }
        if !improved {
            break;
        }
    }
    Some(Quad(idx.map(|i| hull[i])).ordered())
}

/// Outlines made of four strong straight edges (a Hough transform on edge direction), for pages
/// whose outline touches other edges in the photo so no closed outline stands alone.
fn line_quads(e: &EdgeMap) -> Vec<Quad> {
    const ANGLES: usize = 360;
    let (w, h) = (e.w, e.h);
    let diag = ((w * w + h * h) as f64).sqrt().ceil() as usize;
    let rhos = 2 * diag + 1;
    let mut acc = vec![0u32; ANGLES * rhos];
    let (cos, sin): (Vec<f64>, Vec<f64>) =
        (0..ANGLES).map(|a| (a as f64).to_radians()).map(|t| (t.cos(), t.sin())).unzip();
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            if e.mag[i] < e.threshold {
                continue;
            }
            // The gradient is the line's normal; its sign (paper brighter or darker) is kept.
            let a = (e.gy[i] as f64).atan2(e.gx[i] as f64).to_degrees().rem_euclid(360.0).round() as isize;
            for da in -2..=2isize {
                let t = (a + da).rem_euclid(ANGLES as isize) as usize;
                let rho = (x as f64 * cos[t] + y as f64 * sin[t]).round() as isize + diag as isize;
                acc[t * rhos + rho as usize] += 1;
            }
        }
    }
    let min_votes = (0.12 * w.min(h) as f64) as u32;
    let mut peaks: Vec<(u32, usize, usize)> = Vec::new();
    for t in 0..ANGLES {
        for r in 2..rhos - 2 {
            let v = acc[t * rhos + r];
            if v < min_votes {
                continue;
            }
            let mut is_max = true;
            'n: for dt in -4..=4isize {
                let tt = (t as isize + dt).rem_euclid(ANGLES as isize) as usize;
                for dr in -4..=4isize {
                    let rr = r as isize + dr;
                    if rr < 0 || rr >= rhos as isize || (dt == 0 && dr == 0) {
                        continue;
                    }
                    let o = acc[tt * rhos + rr as usize];
                    if o > v || (o == v && (dt, dr) < (0, 0)) {
                        is_max = false;
                        break 'n;
                    }
                }
            }
            if is_max {
                peaks.push((v, t, r));
            }
        }
    }
    peaks.sort_by_key(|b| std::cmp::Reverse(b.0));
    peaks.truncate(20);
    let lines: Vec<(f64, Line)> = peaks
        .iter()
        .map(|&(_, t, r)| {
            let (c, s, rho) = (cos[t], sin[t], r as f64 - diag as f64);
            // The point of the line nearest the origin, and its direction along the line.
            ((t % 180) as f64, Line { point: Point::new(rho * c, rho * s), dir: Point::new(-s, c) })
        })
        .collect();
    let angle_gap = |a: f64, b: f64| {
        let d = (a - b).abs() % 180.0;
        d.min(180.0 - d)
    };
    let mut pairs = Vec::new();
    for i in 0..lines.len() {
        for j in i + 1..lines.len() {
            if angle_gap(lines[i].0, lines[j].0) < 30.0 && distance(lines[i].1, lines[j].1.point) > 0.1 * w.min(h) as f64 {
                pairs.push((i, j));
            }
        }
    }
    let mut scored: Vec<(f64, Quad)> = Vec::new();
    for (pi, &(a, b)) in pairs.iter().enumerate() {
        for &(c, d) in &pairs[pi + 1..] {
            if angle_gap(lines[a].0, lines[c].0) < 40.0 || [c, d].contains(&a) || [c, d].contains(&b) {
                continue;
            }
            let corners = [(a, c), (c, b), (b, d), (d, a)].map(|(p, q)| intersect(lines[p].1, lines[q].1));
            let [Some(p0), Some(p1), Some(p2), Some(p3)] = corners else { continue };
            let Ok(q) = Quad([p0, p1, p2, p3]).validated(w as u32, h as u32) else { continue };
            let sides = [0, 1, 2, 3].map(|s| quick_support(e, q.0[s], q.0[(s + 1) % 4]));
            let support = sides.iter().sum::<f32>() / 4.0 * sides.iter().copied().fold(1.0, f32::min);
            if support > 0.3 {
                scored.push((support as f64 * q.signed_area().sqrt(), q));
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(6).map(|(_, q)| q).collect()
}

/// Share of a side's stations with an edge of one polarity right on it (a quick first look).
fn quick_support(e: &EdgeMap, a: Point, b: Point) -> f32 {
    let len = a.dist(b);
    let normal = Point::new((b.y - a.y) / len, -(b.x - a.x) / len);
    let n = ((len / 3.0) as usize).clamp(8, 60);
    let (mut pos, mut neg) = (0, 0);
    for k in 0..n {
        let t = 0.1 + 0.8 * (k as f64 + 0.5) / n as f64;
        let s = Point::new(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
        let best = [-1.0, -0.5, 0.0, 0.5, 1.0]
            .map(|o| {
                let (gx, gy) = e.gradient(Point::new(s.x + o * normal.x, s.y + o * normal.y));
                gx * normal.x as f32 + gy * normal.y as f32
            })
            .into_iter()
            .max_by(|x, y| x.abs().total_cmp(&y.abs()))
            .unwrap_or(0.0);
        if best >= e.threshold {
            pos += 1;
        } else if best <= -e.threshold {
            neg += 1;
        }
    }
    pos.max(neg) as f32 / n as f32
}

/// A straight line through `point` along unit vector `dir`.
#[derive(Clone, Copy)]
struct Line {
    point: Point,
    dir: Point,
}

fn intersect(a: Line, b: Line) -> Option<Point> {
    let det = a.dir.x * b.dir.y - a.dir.y * b.dir.x;
    if det.abs() < 1e-6 {
        return None;
    }
    let (dx, dy) = (b.point.x - a.point.x, b.point.y - a.point.y);
    let t = (dx * b.dir.y - dy * b.dir.x) / det;
    Some(Point::new(a.point.x + t * a.dir.x, a.point.y + t * a.dir.y))
}

/// Moves each side of `quad` (reduced pixels) onto the strongest straight edge within each
/// search band in turn; returns the new outline and its confidence.
fn fit_sides(e: &EdgeMap, quad: &Quad, bands: &[f64]) -> (Quad, f32) {
    let mut q = *quad;
    let mut support = [0f32; 4];
    for &band in bands {
        let mut lines = [Line { point: Point::new(0.0, 0.0), dir: Point::new(1.0, 0.0) }; 4];
        for s in 0..4 {
            let (line, sup) = fit_side(e, q.0[s], q.0[(s + 1) % 4], band);
            lines[s] = line;
            support[s] = sup;
        }
        let mut next = q;
        for c in 0..4 {
            if let Some(p) = intersect(lines[(c + 3) % 4], lines[c]) {
                next.0[c] = p;
            }
        }
        q = next;
    }
    let mean = support.iter().sum::<f32>() / 4.0;
    let min = support.iter().copied().fold(1.0, f32::min);
    (q, 0.5 * mean + 0.5 * min)
}

/// Fits one side from `a` to `b`: the edge position across the side at many stations, then a
/// robust straight line through them. Support is the share of stations on that line.
fn fit_side(e: &EdgeMap, a: Point, b: Point, band: f64) -> (Line, f32) {
    let len = a.dist(b);
    let dir = Point::new((b.x - a.x) / len, (b.y - a.y) / len);
    let normal = Point::new(dir.y, -dir.x);
    let unchanged = Line { point: a, dir };
    let stations = ((len / 2.0) as usize).clamp(12, 160);
    let mut found: Vec<(Point, f32, bool)> = Vec::with_capacity(stations);
    let step = 0.5;
    let n_off = (band / step).round() as i32;
    for k in 0..stations {
        // Ends are left out: rounded card corners and corner shadows are not straight.
        let t = 0.08 + 0.84 * (k as f64 + 0.5) / stations as f64;
        let s = Point::new(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y));
        let mut profile = Vec::with_capacity((2 * n_off + 1) as usize);
        for o in -n_off..=n_off {
            let off = o as f64 * step;
            let (gx, gy) = e.gradient(Point::new(s.x + off * normal.x, s.y + off * normal.y));
            profile.push(gx * normal.x as f32 + gy * normal.y as f32);
        }
        let (im, &peak) = match profile.iter().enumerate().max_by(|x, y| x.1.abs().total_cmp(&y.1.abs())) {
            Some(v) => v,
            None => continue,
        };
        if peak.abs() < e.threshold || im == 0 || im == profile.len() - 1 {
            continue;
        }
        // Parabola through the peak and its neighbours for a sub-step position.
        let (l, c, r) = (profile[im - 1].abs(), peak.abs(), profile[im + 1].abs());
        let den = l - 2.0 * c + r;
        let sub = if den.abs() > 1e-6 { (0.5 * (l - r) / den).clamp(-0.5, 0.5) } else { 0.0 };
        let off = ((im as i32 - n_off) as f64 + sub as f64) * step;
        found.push((Point::new(s.x + off * normal.x, s.y + off * normal.y), peak.abs(), peak > 0.0));
    }
    // A page edge keeps one polarity (paper brighter or darker than the surface) along a side.
    let positive = found.iter().filter(|f| f.2).count();
    let keep_positive = positive * 2 >= found.len();
    let mut pts: Vec<(Point, f32)> = found.into_iter().filter(|f| f.2 == keep_positive).map(|f| (f.0, f.1)).collect();
    if pts.len() < 6 {
        return (unchanged, pts.len() as f32 / stations as f32);
    }
    let mut line = weighted_line(&pts).unwrap_or(unchanged);
    for tol in [2.0f64, 1.0] {
        pts.retain(|(p, _)| distance(line, *p) <= tol.max(0.25 * band));
        if pts.len() < 6 {
            return (unchanged, pts.len() as f32 / stations as f32);
        }
        line = weighted_line(&pts).unwrap_or(line);
    }
    let inliers = pts.iter().filter(|(p, _)| distance(line, *p) <= 1.0).count();
    (line, inliers as f32 / stations as f32)
}

fn distance(l: Line, p: Point) -> f64 {
    ((p.x - l.point.x) * l.dir.y - (p.y - l.point.y) * l.dir.x).abs()
}

/// Total-least-squares line through weighted points.
fn weighted_line(pts: &[(Point, f32)]) -> Option<Line> {
    let wsum: f64 = pts.iter().map(|(_, w)| *w as f64).sum();
    if wsum <= 0.0 {
        return None;
    }
    let cx = pts.iter().map(|(p, w)| p.x * *w as f64).sum::<f64>() / wsum;
    let cy = pts.iter().map(|(p, w)| p.y * *w as f64).sum::<f64>() / wsum;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for (p, w) in pts {
        let (dx, dy, w) = (p.x - cx, p.y - cy, *w as f64);
        sxx += w * dx * dx;
        sxy += w * dx * dy;
        syy += w * dy * dy;
    }
    let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    Some(Line { point: Point::new(cx, cy), dir: Point::new(angle.cos(), angle.sin()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_of_a_square_with_inner_points_is_its_corners() {
        let mut pts = vec![Point::new(0.0, 0.0), Point::new(10.0, 0.0), Point::new(10.0, 10.0), Point::new(0.0, 10.0)];
        pts.push(Point::new(5.0, 5.0));
        pts.push(Point::new(5.0, 0.0));
        let hull = convex_hull(pts);
        assert_eq!(hull.len(), 4);
        assert!((Quad::hull_area(&hull) - 100.0).abs() < 1e-9);
    }

    #[test]
    fn inscribed_quad_of_an_octagon_like_hull_keeps_the_page_corners() {
        // A page outline with slightly cut corners (rounded card corners).
        let hull = convex_hull(vec![
            Point::new(2.0, 0.0),
            Point::new(98.0, 0.0),
            Point::new(100.0, 2.0),
            Point::new(100.0, 58.0),
            Point::new(98.0, 60.0),
            Point::new(2.0, 60.0),
            Point::new(0.0, 58.0),
            Point::new(0.0, 2.0),
        ]);
        let q = largest_inscribed_quad(&hull).unwrap();
        assert!(q.signed_area() > 0.95 * 6000.0, "{q:?}");
    }
}
