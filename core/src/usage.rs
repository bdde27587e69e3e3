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
/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

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

/// One organization's resources under management over one UTC day, as the usage
/// rollup keeps it: one row per day on which some stack reported, so that a summary
/// reads one row per day of its window however many updates were reported.
///
/// `resource_ms` is the day's area (resources × milliseconds) as if `end_level` held
/// until the day's end; for a closed day that is final, for today the part still to
/// come is taken off when read (changes are never recorded in the future).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DayRollup {
    /// Unix milliseconds at 00:00 UTC.
    pub day: i64,
    pub resource_ms: i64,
    /// The organization's total at the end of the day.
    pub end_level: i64,
}

/// The most resources an organization may have under management at once. Usage is
/// kept as resources × milliseconds per day in 64 bits: under this bound a day's area
/// stays a hundred times inside them whatever members report (each stack's count is
/// bounded, the number of stacks is not), and a bucket's sum is taken in 128.
pub const MAX_ORG_RESOURCES: i64 = 1_000_000_000;

/// A report that would take the organization's total past [`MAX_ORG_RESOURCES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("This report would take the organization past 1,000,000,000 resources under management.")]
pub struct TooManyResources;

/// Whether an organization may have `total` resources under management.
pub fn check_org_total(total: i64) -> Result<(), TooManyResources> {
    if total <= MAX_ORG_RESOURCES {
        Ok(())
    } else {
        Err(TooManyResources)
    }
}

/// The start (00:00 UTC) of the day holding `ms`.
pub const fn day_of(ms: i64) -> i64 {
    ms - ms.rem_euclid(DAY_MS)
}

impl DayRollup {
    /// A day on which nothing changed, at `level` throughout.
    pub const fn flat(day: i64, level: i64) -> DayRollup {
        DayRollup {
            day,
            resource_ms: level * DAY_MS,
            end_level: level,
        }
    }

    /// The day after the total changes by `delta` at `at` (a time within the day)
    /// and holds from then on.
    pub fn changed(self, at: i64, delta: i64) -> DayRollup {
        debug_assert_eq!(day_of(at), self.day);
        DayRollup {
            day: self.day,
            resource_ms: self.resource_ms + delta * (self.day + DAY_MS - at),
            end_level: self.end_level + delta,
        }
    }

    /// The same day when a change of `delta` happened on an earlier day.
    pub const fn shifted(self, delta: i64) -> DayRollup {
        DayRollup {
            day: self.day,
            resource_ms: self.resource_ms + delta * DAY_MS,
            end_level: self.end_level + delta,
        }
    }

    /// The area from the day's start up to `until` (the day's end, or now for today).
    fn area_until(&self, until: i64) -> i64 {
        let end = self.day + DAY_MS;
        self.resource_ms - self.end_level * (end - until.min(end))
    }
}

/// Summarises `[from, now)` by day or month from the rollups: `level_before` is the
/// total when the window opens (the last rollup before it, or 0), `days` the rollups
/// inside the window in any order. `from` is the start of a day (windows are whole
/// days up to now). Reads one value per day of the window, whatever the
/// organization's history.
pub fn summarize_days(
    level_before: i64,
    days: &[DayRollup],
    from: i64,
    now: i64,
    granularity: Granularity,
) -> Vec<Bucket> {
    debug_assert_eq!(day_of(from), from);
    let rolled: std::collections::HashMap<i64, &DayRollup> =
        days.iter().map(|d| (d.day, d)).collect();
    let mut buckets: Vec<Bucket> = Vec::new();
    let mut open: Option<OpenBucket> = None;
    let mut level = level_before;
    let mut day = from;
    while day < now {
        let row = rolled
            .get(&day)
            .map_or(DayRollup::flat(day, level), |r| **r);
        level = row.end_level;
        let (year, month, d) = date_of(day);
        let label = (year, month, (granularity == Granularity::Day).then_some(d));
        match &mut open {
            Some(bucket) if bucket.label == label => bucket.area += i128::from(row.area_until(now)),
            _ => {
                buckets.extend(open.take().map(|b| b.close(day)));
                open = Some(OpenBucket {
                    label,
                    start: day,
                    area: i128::from(row.area_until(now)),
                });
            }
        }
        day += DAY_MS;
    }
    buckets.extend(open.map(|b| b.close(now)));
    buckets
}

/// A bucket being summed: its (year, month, day), where it starts, and its area so far
/// (in 128 bits: rollups written before [`MAX_ORG_RESOURCES`] existed may be larger).
struct OpenBucket {
    label: (i32, u32, Option<u32>),
    start: i64,
    area: i128,
}

impl OpenBucket {
    fn close(self, end: i64) -> Bucket {
        let hours = self.area as f64 / HOUR_MS;
        let span_hours = (end - self.start) as f64 / HOUR_MS;
        let (year, month, day) = self.label;
        Bucket {
            year,
            month,
            day,
            resources: (hours / span_hours).round() as i64,
            resource_hours: hours.round() as i64,
        }
    }
}

/// The rollups of a history of reports (each stack's first report counts from 0),
/// for seeding and rebuilding; the server keeps them one report at a time with
/// [`DayRollup::changed`] and [`DayRollup::shifted`], to the same result.
pub fn roll_up(samples: &[Sample]) -> Vec<DayRollup> {
    let mut sorted: Vec<&Sample> = samples.iter().collect();
    sorted.sort_by_key(|s| s.at);
    let mut last: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    let mut days: Vec<DayRollup> = Vec::new();
    for s in sorted {
        let delta = s.resources - last.insert(&s.stack, s.resources).unwrap_or(0);
        if delta == 0 {
            continue;
        }
        let day = day_of(s.at);
        let today = match days.last() {
            Some(d) if d.day == day => days.pop().expect("just seen"),
            Some(d) => DayRollup::flat(day, d.end_level),
            None => DayRollup::flat(day, 0),
        };
        days.push(today.changed(s.at, delta));
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organization_manages_at_most_a_billion_resources() {
        for (total, allowed) in [
            (0, true),
            (MAX_ORG_RESOURCES - 1, true),
            (MAX_ORG_RESOURCES, true),
            (MAX_ORG_RESOURCES + 1, false),
            (i64::MAX, false),
        ] {
            assert_eq!(check_org_total(total).is_ok(), allowed, "{total}");
        }
    }

    /// A year by day and by month at the largest total: exact figures, no overflow.
    #[test]
    fn the_largest_total_summarizes_without_overflow() {
        let from = 0; // 1970-01-01
        let now = from + 365 * DAY_MS;
        let days = [DayRollup::flat(from, 0).changed(from, MAX_ORG_RESOURCES)];
        for g in [Granularity::Day, Granularity::Month] {
            let buckets = summarize_days(0, &days, from, now, g);
            assert!(!buckets.is_empty());
            for b in &buckets {
                assert_eq!(b.resources, MAX_ORG_RESOURCES, "{g:?} {b:?}");
                assert!(b.resource_hours > 0, "{g:?} {b:?}");
            }
        }
        let january = summarize_days(0, &days, from, now, Granularity::Month)[0].resource_hours;
        assert_eq!(january, MAX_ORG_RESOURCES * 31 * 24);
    }

    // The definition the rollups must agree with: the total as a step function of
    // every report, integrated bucket by bucket.

    /// The resources under management at `at`: each stack's latest report, summed.
    fn current_resources(samples: &[Sample], at: i64) -> i64 {
        let mut latest: std::collections::HashMap<&str, (i64, i64)> =
            std::collections::HashMap::new();
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
    fn summarize(samples: &[Sample], from: i64, to: i64, granularity: Granularity) -> Vec<Bucket> {
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

    /// A small deterministic generator, so the comparison below covers many histories.
    fn histories() -> Vec<Vec<Sample>> {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let base = start_of(2026, 9, 1);
        (0..200)
            .map(|_| {
                let reports = next(40);
                let mut at = base - next(3) as i64 * DAY_MS;
                (0..reports)
                    .map(|_| {
                        // Gaps from minutes to weeks; several reports on one day.
                        at += [1, 7, 90, 600, 1_440, 4_320, 20_160][next(7) as usize] as i64
                            * 60_000
                            * (1 + next(3) as i64);
                        sample(["a", "b", "c"][next(3) as usize], at, next(500) as i64)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn rollups_agree_with_every_report() {
        let from = start_of(2026, 9, 15);
        for samples in histories() {
            let now = samples.last().map_or(from, |s| s.at) + 5 * H + 17;
            let days = roll_up(&samples);
            let before = days.iter().rfind(|d| d.day < from);
            let inside: Vec<DayRollup> = days.iter().filter(|d| d.day >= from).copied().collect();
            for g in [Granularity::Day, Granularity::Month] {
                assert_eq!(
                    summarize_days(before.map_or(0, |d| d.end_level), &inside, from, now, g),
                    summarize(&samples, from, now, g),
                    "{samples:?} {g:?}"
                );
            }
            assert_eq!(
                days.last().map_or(0, |d| d.end_level),
                current_resources(&samples, now)
            );
        }
    }

    #[test]
    fn a_report_on_an_earlier_day_shifts_the_later_ones() {
        let day = start_of(2026, 11, 1);
        // Stack b reports for day 2 first (already rolled up), then stack a, on day 1,
        // is recorded: day 2 moves up by a's count.
        let later = DayRollup::flat(day + DAY_MS, 0).changed(day + DAY_MS + 12 * H, 5);
        let earlier = DayRollup::flat(day, 0).changed(day + 18 * H, 3);
        assert_eq!(earlier.resource_ms, 3 * 6 * H);
        let shifted = later.shifted(3);
        assert_eq!(
            shifted,
            roll_up(&[
                sample("a", day + 18 * H, 3),
                sample("b", day + DAY_MS + 12 * H, 5)
            ])[1]
        );
    }

    #[test]
    fn today_counts_only_up_to_now() {
        let day = start_of(2026, 11, 1);
        let days = roll_up(&[sample("a", day + H, 10)]);
        let b = summarize_days(0, &days, day, day + 3 * H, Granularity::Day);
        assert_eq!((b[0].resource_hours, b[0].resources), (20, 7));
    }
}
