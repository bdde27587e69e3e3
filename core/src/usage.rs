//! Resources under management: from the resource counts stacks report, the resource
//! count over time, and per day or month the average resources and the resource-hours
//! (one resource managed for one hour is one resource-hour).

use serde::{Deserialize, Serialize};

/// One report: after an update, a stack manages `resources` resources.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Sample {
    pub stack: String,
    /// Unix milliseconds.
    pub at: i64,
    pub resources: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    Month,
}

impl Granularity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Month => "month",
        }
    }
}

/// Also Pulumi's names (`daily`, `monthly`).
impl std::str::FromStr for Granularity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "day" | "daily" => Ok(Granularity::Day),
            "month" | "monthly" => Ok(Granularity::Month),
            _ => Err("granularity must be daily (or day) or monthly (or month).".to_owned()),
        }
    }
}

/// One day or month of the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub year: i32,
    pub month: u32,
    /// Present with day granularity.
    pub day: Option<u32>,
    /// Average resources under management over the part of the bucket in the window.
    pub resources: i64,
    /// Rounded half up to a whole number, as Pulumi's `ResourceCountSummary` has it.
    pub resource_hours: i64,
}

impl Bucket {
    /// `YYYY-MM-DD` for a day, `YYYY-MM` for a month.
    pub fn label(&self) -> String {
        match self.day {
            Some(d) => format!("{}-{:02}-{d:02}", self.year, self.month),
            None => format!("{}-{:02}", self.year, self.month),
        }
    }
}

/// The lookbacks the usage chart offers, in days.
pub const LOOKBACK_CHOICES: [i64; 3] = [30, 90, 365];

const HOUR_MS: f64 = 3_600_000.0;
const DAY_MS: i64 = 86_400_000;

/// The civil date (UTC) of a Unix-millisecond time (Howard Hinnant's algorithm).
pub fn date_of(ms: i64) -> (i32, u32, u32) {
    let z = ms.div_euclid(DAY_MS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// Unix milliseconds at the start of a civil date (UTC).
pub fn start_of(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * DAY_MS
}

/// `YYYY-MM-DD` of a Unix-millisecond time.
pub fn format_date(ms: i64) -> String {
    let (y, m, d) = date_of(ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// A Unix-millisecond time as `YYYY-MM-DD HH:MM UTC`, for logs read by people.
pub fn format_date_time(ms: i64) -> String {
    let minutes = ms.rem_euclid(86_400_000) / 60_000;
    format!(
        "{} {:02}:{:02} UTC",
        format_date(ms),
        minutes / 60,
        minutes % 60
    )
}

/// The resources under management at `at`: each stack's latest report, summed.
pub fn current_resources(samples: &[Sample], at: i64) -> i64 {
    let mut latest: std::collections::HashMap<&str, (i64, i64)> = std::collections::HashMap::new();
    for s in samples.iter().filter(|s| s.at <= at) {
        let entry = latest.entry(&s.stack).or_insert((s.at, s.resources));
        if s.at >= entry.0 {
            *entry = (s.at, s.resources);
        }
    }
    latest.values().map(|(_, n)| n).sum()
}

/// Summarises `[from, to)` by day or month. Buckets are calendar days or months (UTC);
/// the first and last may be partial, and their averages cover only the part inside.
pub fn summarize(samples: &[Sample], from: i64, to: i64, granularity: Granularity) -> Vec<Bucket> {
    if to <= from {
        return Vec::new();
    }
    // The total as a step function: a change point wherever a stack reports.
    let mut sorted: Vec<&Sample> = samples.iter().collect();
    sorted.sort_by_key(|s| s.at);
    let mut last: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    let mut changes: Vec<(i64, i64)> = Vec::new();
    for s in sorted {
        let before = last.insert(&s.stack, s.resources).unwrap_or(0);
        changes.push((s.at, s.resources - before));
    }
    let mut total: i64 = changes
        .iter()
        .filter(|(t, _)| *t <= from)
        .map(|(_, d)| d)
        .sum();
    let mut pending = changes.into_iter().filter(|(t, _)| *t > from).peekable();

    let mut buckets = Vec::new();
    let mut start = from;
    while start < to {
        let (y, m, d) = date_of(start);
        let next = match granularity {
            Granularity::Day => start_of(y, m, d) + DAY_MS,
            Granularity::Month if m == 12 => start_of(y + 1, 1, 1),
            Granularity::Month => start_of(y, m + 1, 1),
        };
        let end = next.min(to);
        let mut area = 0.0;
        let mut cursor = start;
        while let Some(&(t, delta)) = pending.peek() {
            if t >= end {
                break;
            }
            area += total as f64 * (t - cursor) as f64;
            total += delta;
            cursor = t;
            pending.next();
        }
        area += total as f64 * (end - cursor) as f64;
        let hours = area / HOUR_MS;
        let span_hours = (end - start) as f64 / HOUR_MS;
        buckets.push(Bucket {
            year: y,
            month: m,
            day: (granularity == Granularity::Day).then_some(d),
            resources: (hours / span_hours).round() as i64,
            resource_hours: hours.round() as i64,
        });
        start = end;
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    #[test]
    fn buckets_are_labelled_by_day_or_month() {
        let b = |day| Bucket {
            year: 2026,
            month: 3,
            day,
            resources: 0,
            resource_hours: 0,
        };
        assert_eq!(b(Some(7)).label(), "2026-03-07");
        assert_eq!(b(None).label(), "2026-03");
    }

    fn sample(stack: &str, at: i64, resources: i64) -> Sample {
        Sample {
            stack: stack.into(),
            at,
            resources,
        }
    }

    #[test]
    fn calendar() {
        assert_eq!(date_of(0), (1970, 1, 1));
        assert_eq!(date_of(951_782_400_000), (2000, 2, 29));
        assert_eq!(start_of(2026, 11, 29), 1_795_910_400_000);
        assert_eq!(
            format_date(start_of(2024, 12, 31) + DAY_MS - 1),
            "2024-12-31"
        );
        for ms in [0, 951_782_400_000, 1_795_910_400_000, -86_400_000] {
            let (y, m, d) = date_of(ms);
            assert_eq!(start_of(y, m, d), ms - ms.rem_euclid(DAY_MS));
        }
    }

    #[test]
    fn one_resource_for_one_hour_is_one_resource_hour() {
        let day = start_of(2026, 11, 1);
        let samples = [sample("a", day, 1), sample("a", day + H, 0)];
        let b = summarize(&samples, day, day + DAY_MS, Granularity::Day);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].resource_hours, 1);
        assert_eq!(
            b[0].resources, 0,
            "one resource for 1 hour of 24 averages to 0"
        );
    }

    #[test]
    fn stacks_add_up_and_days_split() {
        let day = start_of(2026, 11, 1);
        // Stack a: 10 resources from the start; stack b: 20 from noon of day 1; a drops to 4 at the start of day 2.
        let samples = [
            sample("a", day - H, 10),
            sample("b", day + 12 * H, 20),
            sample("a", day + DAY_MS, 4),
        ];
        let b = summarize(&samples, day, day + 2 * DAY_MS, Granularity::Day);
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].year, b[0].month, b[0].day), (2026, 11, Some(1)));
        assert_eq!(b[0].resource_hours, 10 * 24 + 20 * 12);
        assert_eq!(b[0].resources, 20);
        assert_eq!(b[1].resource_hours, 24 * 24);
        assert_eq!(b[1].resources, 24);
        assert_eq!(current_resources(&samples, day + 2 * DAY_MS), 24);
    }

    #[test]
    fn granularity_names() {
        for (name, g) in [
            ("day", Some(Granularity::Day)),
            ("daily", Some(Granularity::Day)),
            ("month", Some(Granularity::Month)),
            ("monthly", Some(Granularity::Month)),
            ("weekly", None),
            ("Daily", None),
        ] {
            assert_eq!(name.parse::<Granularity>().ok(), g, "{name}");
        }
    }

    #[test]
    fn months_and_partial_windows() {
        let from = start_of(2026, 10, 31) + 12 * H;
        let to = start_of(2026, 11, 1) + 6 * H;
        let samples = [sample("a", 0, 3)];
        let b = summarize(&samples, from, to, Granularity::Month);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].month, b[0].resource_hours, b[0].resources),
            (10, 36, 3)
        );
        assert_eq!(
            (b[1].month, b[1].resource_hours, b[1].resources, b[1].day),
            (11, 18, 3, None)
        );
        assert!(summarize(&samples, to, from, Granularity::Day).is_empty());
    }

    #[test]
    fn no_reports_means_zero() {
        let b = summarize(&[], 0, 3 * DAY_MS, Granularity::Day);
        assert_eq!(b.len(), 3);
        assert!(b.iter().all(|b| b.resources == 0 && b.resource_hours == 0));
    }
}
