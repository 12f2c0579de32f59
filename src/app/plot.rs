//! The report's plot: how many colliding lengths each profile has up to a
//! given blob size, drawn from the proved rows (`reports/colliding_lengths.svg`).
//!
//! One panel per maximum key length, one line per profile, both axes
//! logarithmic. A line starts at the profile's bound (the first colliding
//! length) and rises by one at every later colliding length, so a user can
//! read off "how exposed am I if my blobs stay below L". The SVG is drawn
//! with plotters' SVG backend and its built-in text metrics (no system
//! fonts), so the same rows give byte-identical files on any machine.

use std::path::Path;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

use crate::msgpack::{FirstChar, Kmax, Profile};
use crate::proof::search::LIMIT;

use super::report::Row;

pub(crate) const PLOT: &str = "colliding_lengths.svg";

/// The smallest length drawn: 128 bytes (every bound is at least 223).
const X_MIN: u64 = 128;
/// The y axis tops out above the largest count (about 3.1 million), and
/// starts below 1 so a count of 1 is not hidden by the axis.
const Y_RANGE: std::ops::Range<f64> = 0.6..1e7;

/// Sample lengths from `X_MIN` to `LIMIT`, about 3% apart, computed in
/// integers so every machine draws the same points.
fn sample_lengths() -> Vec<u64> {
    let mut xs = vec![X_MIN];
    while let Some(&x) = xs.last() {
        if x >= LIMIT {
            break;
        }
        xs.push((x + (x / 32).max(1)).min(LIMIT));
    }
    xs
}

/// `(L, number of colliding lengths <= L)` from the bound on.
fn cumulative(colliding: &[u32], xs: &[u64]) -> Vec<(f64, f64)> {
    let Some(&first) = colliding.first() else {
        return Vec::new();
    };
    let mut points = vec![(first as f64, 1.0)];
    for &x in xs.iter().filter(|&&x| x > first as u64) {
        let count = colliding.partition_point(|&l| l as u64 <= x);
        points.push((x as f64, count as f64));
    }
    points
}

/// "1k", "10M", "1G": axis labels (the log axes put them at powers of 10).
fn human(x: f64) -> String {
    for (size, unit) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] {
        if x >= size {
            return format!("{}{unit}", (x / size).round());
        }
    }
    format!("{}", x.round())
}

/// One colour and width per profile, in `Profile::REPORTED` order. Several
/// profiles share lines (canonical, legacy and any-width coincide over
/// long stretches), so earlier lines are drawn wider and stay visible as
/// an outline under the later ones.
const STYLE: [((u8, u8, u8), u32); 5] = [
    ((31, 119, 180), 7),
    ((255, 127, 14), 5),
    ((44, 160, 44), 4),
    ((214, 39, 40), 3),
    ((148, 103, 189), 2),
];

/// Draw the plot for the alnum rows of `rows` into `dir/colliding_lengths.svg`.
pub(crate) fn write(dir: &Path, rows: &[Row]) -> Result<()> {
    let path = dir.join(PLOT);
    draw(&path, rows).map_err(|e| anyhow!("drawing {}: {e}", path.display()))
}

fn draw(path: &Path, rows: &[Row]) -> Result<(), Box<dyn std::error::Error>> {
    let xs = sample_lengths();
    let root = SVGBackend::new(path, (1100, 820)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        "Colliding lengths up to L, by profile (first char [A-Za-z0-9_])",
        ("sans-serif", 22),
    )?;
    for (panel, kmax) in root.split_evenly((2, 2)).iter().zip(Kmax::REPORTED) {
        let caption = match kmax {
            Kmax::Bounded(k) => format!("keys of at most {k} bytes"),
            Kmax::Unbounded => "keys of any length".to_string(),
        };
        let mut chart = ChartBuilder::on(panel)
            .caption(caption, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d((X_MIN as f64..LIMIT as f64).log_scale(), Y_RANGE.log_scale())?;
        chart
            .configure_mesh()
            .x_desc("blob length L (bytes)")
            .y_desc("colliding lengths <= L")
            .x_label_formatter(&|x| human(*x))
            .y_label_formatter(&|y| human(*y))
            .draw()?;
        for (profile, ((r, g, b), width)) in Profile::REPORTED.iter().zip(STYLE) {
            let Some(row) = rows.iter().find(|r| {
                r.config.profile == *profile && r.config.first_char == FirstChar::Alnum && r.config.kmax == kmax
            }) else {
                continue;
            };
            let style = RGBColor(r, g, b).stroke_width(width);
            chart
                .draw_series(LineSeries::new(cumulative(&row.proof.colliding, &xs), style))?
                .label(match row.proof.bound {
                    Some(b) => format!("{profile} (bound {b})"),
                    None => format!("{profile} (none)"),
                })
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RGBColor(r, g, b).stroke_width(3)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_cover_the_range_in_order() {
        let xs = sample_lengths();
        assert_eq!(xs.first(), Some(&X_MIN));
        assert_eq!(xs.last(), Some(&LIMIT));
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn cumulative_counts_start_at_the_bound() {
        let colliding = [300u32, 400, 401, 5000];
        let points = cumulative(&colliding, &[128, 299, 300, 400, 1000, 10_000]);
        assert_eq!(points, vec![(300.0, 1.0), (400.0, 2.0), (1000.0, 3.0), (10_000.0, 4.0)]);
        assert!(cumulative(&[], &[128]).is_empty());
    }

    #[test]
    fn human_units() {
        assert_eq!(human(223.0), "223");
        assert_eq!(human(1000.0), "1k");
        assert_eq!(human(10_000_000.0), "10M");
        assert_eq!(human(1e9), "1G");
    }
}
