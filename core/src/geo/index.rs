//! The spatial index behind zone classification: a uniform grid over all areas, plus
//! horizontal strips inside each polygon.
//!
//! Each grid cell lists the polygons that may contain its points, best priority first, and
//! marks those that cover the whole cell (no edge crosses it and its centre is inside). Most
//! points land in a cell that one polygon covers entirely and are answered with one lookup.
//! Cells on a boundary test only their candidate polygons, and each test reads only the edges
//! of one horizontal strip of that polygon (an exact even-odd ray cast, half-open in y).

/// One polygon (exterior plus holes) of an area, as handed to the index.
#[derive(Debug, Clone)]
pub(crate) struct PartShape {
    /// Index of the area (feature) it belongs to.
    pub area: usize,
    /// Priority of the area's zone: higher wins where polygons overlap.
    pub priority: i64,
    /// Closed rings as [lon, lat] positions.
    pub rings: Vec<Vec<[f64; 2]>>,
}

/// A polygon's edges bucketed by horizontal strip.
#[derive(Debug, Clone)]
struct Strips {
    y0: f64,
    inv_h: f64,
    count: usize,
    /// `starts[k]..starts[k + 1]` indexes `edges` for strip k.
    starts: Vec<u32>,
    edges: Vec<[f64; 4]>,
}

impl Strips {
    fn build(rings: &[Vec<[f64; 2]>], bbox: [f64; 4]) -> Strips {
        let all: Vec<[f64; 4]> = rings
            .iter()
            .flat_map(|r| r.windows(2).map(|w| [w[0][0], w[0][1], w[1][0], w[1][1]]))
            .filter(|e| e[1] != e[3]) // horizontal edges never cross a horizontal ray
            .collect();
        let count = (all.len() / 2).clamp(1, 4096);
        let h = ((bbox[3] - bbox[1]) / count as f64).max(1e-12);
        let inv_h = 1.0 / h;
        let strip = |y: f64| (((y - bbox[1]) * inv_h) as usize).min(count - 1);
        let mut per: Vec<Vec<[f64; 4]>> = vec![Vec::new(); count];
        for e in &all {
            let (lo, hi) = (e[1].min(e[3]), e[1].max(e[3]));
            for bucket in per.iter_mut().take(strip(hi) + 1).skip(strip(lo)) {
                bucket.push(*e);
            }
        }
        let mut starts = Vec::with_capacity(count + 1);
        let mut edges = Vec::new();
        for bucket in per {
            starts.push(edges.len() as u32);
            edges.extend(bucket);
        }
        starts.push(edges.len() as u32);
        Strips { y0: bbox[1], inv_h, count, starts, edges }
    }

    /// Even-odd test: does a ray from (x, y) towards +x cross the boundary an odd number of times?
    #[inline]
    fn contains(&self, x: f64, y: f64) -> bool {
        let k = (((y - self.y0) * self.inv_h) as usize).min(self.count - 1);
        let (a, b) = (self.starts[k] as usize, self.starts[k + 1] as usize);
        let mut inside = false;
        for e in &self.edges[a..b] {
            if (e[1] > y) != (e[3] > y) {
                let xi = e[0] + (y - e[1]) * (e[2] - e[0]) / (e[3] - e[1]);
                if x < xi {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

#[derive(Debug, Clone)]
struct Part {
    area: usize,
    bbox: [f64; 4],
    strips: Strips,
}

impl Part {
    #[inline]
    fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.bbox[0] && x <= self.bbox[2] && y >= self.bbox[1] && y <= self.bbox[3] && self.strips.contains(x, y)
    }
}

/// Set on a cell entry when the polygon covers the whole cell.
const FULL: u32 = 1 << 31;

/// Grid plus per-polygon strips; answers "which area contains this point".
#[derive(Debug, Clone)]
pub(crate) struct ZoneIndex {
    parts: Vec<Part>,
    bbox: [f64; 4],
    nx: usize,
    ny: usize,
    sx: f64,
    sy: f64,
    /// `cell_starts[c]..cell_starts[c + 1]` indexes `cell_items` for cell c.
    cell_starts: Vec<u32>,
    cell_items: Vec<u32>,
}

impl ZoneIndex {
    /// Builds the index; `shapes` in file order, so equal priorities resolve to the earlier area.
    pub fn build(shapes: Vec<PartShape>) -> ZoneIndex {
        let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        let mut total_edges = 0;
        let mut parts = Vec::with_capacity(shapes.len());
        let mut priorities = Vec::with_capacity(shapes.len());
        for s in &shapes {
            let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            for p in s.rings.iter().flatten() {
                b = [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])];
                total_edges += 1;
            }
            bbox = [bbox[0].min(b[0]), bbox[1].min(b[1]), bbox[2].max(b[2]), bbox[3].max(b[3])];
            parts.push(Part { area: s.area, bbox: b, strips: Strips::build(&s.rings, b) });
            priorities.push(s.priority);
        }
        // About four cells per edge keeps boundary cells few while the grid stays small.
        let side = ((total_edges as f64 * 4.0).sqrt() as usize).clamp(16, 1024);
        let (w, h) = ((bbox[2] - bbox[0]).max(1e-9), (bbox[3] - bbox[1]).max(1e-9));
        let (nx, ny) = if w >= h {
            (side, ((side as f64 * h / w).ceil() as usize).max(1))
        } else {
            (((side as f64 * w / h).ceil() as usize).max(1), side)
        };
        let (sx, sy) = (nx as f64 / w, ny as f64 / h);
        let mut grid = ZoneIndex { parts, bbox, nx, ny, sx, sy, cell_starts: Vec::new(), cell_items: Vec::new() };

        // For each cell: (priority, part order, part | FULL) of every polygon that may contain it.
        let mut cells: Vec<Vec<(i64, u32, u32)>> = vec![Vec::new(); nx * ny];
        let mut crossed = vec![u32::MAX; nx * ny];
        for (pi, shape) in shapes.iter().enumerate() {
            let tag = pi as u32;
            for ring in &shape.rings {
                for w in ring.windows(2) {
                    grid.mark_segment(w[0], w[1], |c| crossed[c] = tag);
                }
            }
            let b = grid.parts[pi].bbox;
            let (cx0, cy0) = grid.cell_of(b[0], b[1]);
            let (cx1, cy1) = grid.cell_of(b[2], b[3]);
            for cy in cy0..=cy1 {
                for cx in cx0..=cx1 {
                    let c = cy * nx + cx;
                    let entry = if crossed[c] == tag {
                        Some(tag)
                    } else {
                        // No edge of this polygon touches the cell: it is all inside or all outside.
                        let (x, y) = grid.centre(cx, cy);
                        grid.parts[pi].strips.contains(x, y).then_some(tag | FULL)
                    };
                    if let Some(e) = entry {
                        cells[c].push((priorities[pi], tag, e));
                    }
                }
            }
        }
        let mut starts = Vec::with_capacity(nx * ny + 1);
        let mut items = Vec::new();
        for mut list in cells {
            starts.push(items.len() as u32);
            list.sort_by(|a, b| b.0.cmp(&a.0).then(shapes[a.1 as usize].area.cmp(&shapes[b.1 as usize].area)));
            for (_, _, e) in list {
                items.push(e);
                if e & FULL != 0 {
                    break; // nothing below a covering polygon can win
                }
            }
        }
        starts.push(items.len() as u32);
        grid.cell_starts = starts;
        grid.cell_items = items;
        grid
    }

    /// The area containing (x = lon, y = lat), if any.
    #[inline]
    pub fn query(&self, x: f64, y: f64) -> Option<usize> {
        if !(x >= self.bbox[0] && x <= self.bbox[2] && y >= self.bbox[1] && y <= self.bbox[3]) {
            return None;
        }
        let (cx, cy) = self.cell_of(x, y);
        let c = cy * self.nx + cx;
        for &e in &self.cell_items[self.cell_starts[c] as usize..self.cell_starts[c + 1] as usize] {
            let part = &self.parts[(e & !FULL) as usize];
            if e & FULL != 0 || part.contains(x, y) {
                return Some(part.area);
            }
        }
        None
    }

    #[inline]
    fn cell_of(&self, x: f64, y: f64) -> (usize, usize) {
        let cx = (((x - self.bbox[0]) * self.sx).max(0.0) as usize).min(self.nx - 1);
        let cy = (((y - self.bbox[1]) * self.sy).max(0.0) as usize).min(self.ny - 1);
        (cx, cy)
    }

    fn centre(&self, cx: usize, cy: usize) -> (f64, f64) {
        (self.bbox[0] + (cx as f64 + 0.5) / self.sx, self.bbox[1] + (cy as f64 + 0.5) / self.sy)
    }

    /// Calls `mark` for every cell the segment a–b touches (closed cells, so conservative).
    fn mark_segment(&self, a: [f64; 2], b: [f64; 2], mut mark: impl FnMut(usize)) {
        let (cx0, cy0) = self.cell_of(a[0].min(b[0]), a[1].min(b[1]));
        let (cx1, cy1) = self.cell_of(a[0].max(b[0]), a[1].max(b[1]));
        // A little slack so that floating-point rounding never leaves a touched cell unmarked.
        let (ex, ey) = (1e-9 / self.sx.max(1e-300) + 1e-12, 1e-9 / self.sy.max(1e-300) + 1e-12);
        for cy in cy0..=cy1 {
            for cx in cx0..=cx1 {
                let x0 = self.bbox[0] + cx as f64 / self.sx - ex;
                let x1 = self.bbox[0] + (cx + 1) as f64 / self.sx + ex;
                let y0 = self.bbox[1] + cy as f64 / self.sy - ey;
                let y1 = self.bbox[1] + (cy + 1) as f64 / self.sy + ey;
                if segment_hits_box(a, b, [x0, y0, x1, y1]) {
                    mark(cy * self.nx + cx);
                }
            }
        }
    }
}

/// Liang–Barsky clipping: does segment a–b meet the box [x0, y0, x1, y1]?
fn segment_hits_box(a: [f64; 2], b: [f64; 2], r: [f64; 4]) -> bool {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a[0] - r[0]), (dx, r[2] - a[0]), (-dy, a[1] - r[1]), (dy, r[3] - a[1])] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return false;
            }
        }
    }
    true
}
