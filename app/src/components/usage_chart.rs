//! The usage chart: average resources under management per day or month, as an SVG
//! bar chart with labelled axes and dates, and the same numbers as a table (which is
//! what a screen reader reads; the picture is described by its label).

use leptos::prelude::*;
use purser_core::usage::{Bucket, Granularity};

/// The drawing's coordinate system; the SVG scales to its container.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 10.0;

/// The smallest "round" number (1, 2 or 5 times a power of ten) at or above `max`, so
/// the y axis ends on a value people read at a glance.
pub fn nice_ceiling(max: i64) -> i64 {
    let mut step = 1_i64;
    loop {
        for m in [1, 2, 5] {
            if step.saturating_mul(m) >= max {
                return step.saturating_mul(m);
            }
        }
        step = step.saturating_mul(10);
    }
}

/// Which buckets get a date under the x axis: the first, the last, and a few evenly
/// spaced between, never so many that they overlap.
pub fn labelled(count: usize) -> Vec<usize> {
    match count {
        0 => vec![],
        1 => vec![0],
        n => {
            let gaps = (n - 1).min(4);
            (0..=gaps).map(|i| i * (n - 1) / gaps).collect()
        }
    }
}

#[component]
pub fn UsageChart(buckets: Vec<Bucket>, granularity: Granularity) -> impl IntoView {
    let top = nice_ceiling(
        buckets
            .iter()
            .map(|b| b.resources)
            .max()
            .unwrap_or(0)
            .max(1),
    );
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / buckets.len().max(1) as f64;
    let y = move |v: i64| TOP + plot_h - (v as f64 / top as f64) * plot_h;
    let unit = match granularity {
        Granularity::Day => "day",
        Granularity::Month => "month",
    };
    let label = match (buckets.first(), buckets.last()) {
        (Some(first), Some(last)) => format!(
            "Bar chart: average resources under management per {unit}, {} to {}, highest {}.",
            first.label(),
            last.label(),
            buckets.iter().map(|b| b.resources).max().unwrap_or(0)
        ),
        _ => "No usage in this period.".to_owned(),
    };
    let x_labels = labelled(buckets.len());
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label data-testid="usage-chart">
            <g class="grid">
                {[0, top / 2, top].into_iter().map(|v| view! {
                    <line x1=LEFT x2=WIDTH y1=y(v) y2=y(v)/>
                    <text x=LEFT - 6.0 y=y(v) + 4.0 text-anchor="end">{v}</text>
                }).collect_view()}
            </g>
            <g class="bars">
                {buckets.iter().enumerate().map(|(i, b)| view! {
                    <rect x=LEFT + i as f64 * slot + slot * 0.1 y=y(b.resources)
                        width=(slot * 0.8).max(0.5) height=(TOP + plot_h - y(b.resources)).max(0.0)/>
                }).collect_view()}
            </g>
            <g class="axis">
                {x_labels.into_iter().map(|i| {
                    let anchor = if i == 0 { "start" } else if i + 1 == buckets.len() { "end" } else { "middle" };
                    let x = if i == 0 { LEFT } else if i + 1 == buckets.len() { WIDTH } else { LEFT + (i as f64 + 0.5) * slot };
                    view! { <text x=x y=HEIGHT - 8.0 text-anchor=anchor>{buckets[i].label()}</text> }
                }).collect_view()}
            </g>
        </svg>
        <p class="axis-title muted">{format!("Average resources under management per {unit} (UTC dates)")}</p>
        <details class="chart-table">
            <summary>"Show the numbers as a table"</summary>
            <table class="table" data-testid="usage-table">
                <caption class="visually-hidden">{format!("Resources under management per {unit}")}</caption>
                <thead><tr>
                    <th scope="col">{match granularity { Granularity::Day => "Date", Granularity::Month => "Month" }}</th>
                    <th scope="col">"Average resources"</th>
                    <th scope="col">"Resource-hours"</th>
                </tr></thead>
                <tbody>
                    {buckets.iter().rev().map(|b| view! {
                        <tr><td>{b.label()}</td><td>{b.resources}</td><td>{b.resource_hours}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_ends_on_a_round_number() {
        for (max, top) in [
            (0, 1),
            (1, 1),
            (2, 2),
            (3, 5),
            (7, 10),
            (42, 50),
            (99, 100),
            (101, 200),
            (4_999, 5_000),
        ] {
            assert_eq!(nice_ceiling(max), top, "{max}");
        }
    }

    #[test]
    fn dates_label_the_ends_and_a_few_between() {
        assert_eq!(labelled(0), Vec::<usize>::new());
        assert_eq!(labelled(1), [0]);
        assert_eq!(labelled(2), [0, 1]);
        assert_eq!(labelled(3), [0, 1, 2]);
        assert_eq!(labelled(30), [0, 7, 14, 21, 29]);
        assert_eq!(labelled(365), [0, 91, 182, 273, 364]);
    }
}
