//! Scans of synthetic photos whose true corners are known.

use super::synth::{photograph, render_page, Shot, Surface};
use super::*;

const W: u32 = 960;
const H: u32 = 720;

fn quad(v: [f64; 8]) -> Quad {
    Quad::from_flat(&v).unwrap()
}

/// A4 pages and ID-1 cards on four surfaces, at angles, blurred, shadowed and noisy.
fn synthetic_set() -> Vec<(Shot, RgbImage)> {
    let a4 = render_page(420, 594, 1);
    let card = render_page(428, 270, 2);
    let shots = [
        (&a4, [300.0, 90.0, 640.0, 110.0, 680.0, 620.0, 270.0, 600.0], Surface::Wood, 1.0, 0.0, 4.0),
        (&a4, [380.0, 60.0, 700.0, 150.0, 570.0, 640.0, 240.0, 560.0], Surface::DarkDesk, 1.5, 0.4, 3.0),
        (&a4, [330.0, 120.0, 610.0, 100.0, 700.0, 660.0, 250.0, 680.0], Surface::GreyCloth, 1.2, 0.0, 6.0),
        (&a4, [250.0, 130.0, 580.0, 70.0, 680.0, 560.0, 330.0, 640.0], Surface::Clutter, 2.0, 0.3, 4.0),
        (&card, [200.0, 200.0, 760.0, 230.0, 740.0, 560.0, 190.0, 530.0], Surface::Wood, 1.0, 0.0, 4.0),
        (&card, [260.0, 120.0, 760.0, 370.0, 600.0, 650.0, 120.0, 400.0], Surface::DarkDesk, 1.0, 0.0, 8.0),
        (&card, [230.0, 250.0, 730.0, 210.0, 800.0, 560.0, 160.0, 580.0], Surface::GreyCloth, 1.4, 0.5, 4.0),
        (&card, [170.0, 190.0, 700.0, 160.0, 760.0, 500.0, 220.0, 540.0], Surface::Clutter, 1.2, 0.0, 5.0),
        (&a4, [320.0, 80.0, 660.0, 80.0, 690.0, 640.0, 290.0, 640.0], Surface::Wood, 2.5, 0.6, 4.0),
        (&card, [480.0, 90.0, 800.0, 400.0, 560.0, 640.0, 230.0, 330.0], Surface::DarkDesk, 1.0, 0.2, 4.0),
    ];
    shots
        .iter()
        .enumerate()
        .map(|(i, (page, c, surface, blur, shadow, noise))| {
            let shot = Shot {
                width: W,
                height: H,
                corners: Some(quad(*c)),
                surface: *surface,
                blur: *blur,
                shadow: *shadow,
                noise: *noise,
                glare: false,
                seed: 100 + i as u64,
            };
            let photo = photograph(page, &shot);
            (shot, photo)
        })
        .collect()
}

/// Mean corner distance between two outlines, allowing the starting corner to differ.
fn corner_error(found: &Quad, truth: &Quad) -> f64 {
    let t = truth.ordered();
    (0..4)
        .map(|shift| (0..4).map(|i| found.0[i].dist(t.0[(i + shift) % 4])).sum::<f64>() / 4.0)
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn detected_corners_are_within_1_5_percent_of_the_page_diagonal() {
    let mut errors = Vec::new();
    for (i, (shot, photo)) in synthetic_set().iter().enumerate() {
        let truth = shot.corners.unwrap();
        let d = detect::find_page(photo, 0.5).unwrap_or_else(|e| panic!("photo {i}: {e}"));
        let rel = corner_error(&d.corners, &truth) / truth.diagonal();
        eprintln!("photo {i}: error {:.3} % of diagonal, confidence {:.2}", rel * 100.0, d.confidence);
        errors.push(rel);
    }
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    eprintln!("mean corner error {:.3} % of the page diagonal", mean * 100.0);
    assert!(mean <= 0.015, "mean corner error {:.2} %", mean * 100.0);
}

#[test]
#[ignore]
fn dump_synthetic_set() {
    for (i, (_, photo)) in synthetic_set().iter().enumerate() {
        let mut p = photo.clone();
        if let Ok(d) = detect::find_page(photo, 0.5) {
            eprintln!("{i}: {:?}", d.corners.to_flat().map(|v| v.round()));
            for c in d.corners.0 {
                for dy in -3i32..=3 { for dx in -3i32..=3 {
                    let (x, y) = (c.x as i32 + dx, c.y as i32 + dy);
                    if x >= 0 && y >= 0 && (x as u32) < W && (y as u32) < H { p.put_pixel(x as u32, y as u32, image::Rgb([255, 0, 0])); }
                }}
            }
        }
        p.save(format!("/tmp/synth{i}.png")).unwrap();
    }
}
