//! The bench's figures: a table on the terminal and `bench/results/<date>.md`.

use anyhow::Context as _;
use std::{fmt::Write as _, path::Path, time::Duration};

use crate::cmd::{self, Result};

/// One figure: what, its value, the target and whether it is met.
#[derive(Debug, Clone)]
pub struct Row {
    /// Section: `portal`, `round trips`, `size`, `start-up`, `memory`, `build`.
    pub section: &'static str,
    /// What was measured, e.g. `GET /api/v1/children p99`.
    pub name: String,
    /// The value with its unit.
    pub value: String,
    /// The target, e.g. `≤ 10 ms`; empty when the figure has none.
    pub target: String,
    /// `Some(true)` met, `Some(false)` missed, `None` no target or not measurable.
    pub met: Option<bool>,
}

/// Everything one run measured, plus notes (method, missed targets and what would fix them).
#[derive(Debug, Default)]
pub struct Report {
    /// The figures in the order they were measured.
    pub rows: Vec<Row>,
    /// Free-text notes, one paragraph each.
    pub notes: Vec<String>,
}

impl Report {
    /// A figure without a target.
    pub fn info(
        &mut self,
        section: &'static str,
        name: impl Into<String>,
        value: impl Into<String>,
    ) {
        self.rows.push(Row {
            section,
            name: name.into(),
            value: value.into(),
            target: String::new(),
            met: None,
        });
    }

    /// A figure with a target and whether it is met.
    pub fn target(
        &mut self,
        section: &'static str,
        name: impl Into<String>,
        value: impl Into<String>,
        target: impl Into<String>,
        met: bool,
    ) {
        self.rows.push(Row {
            section,
            name: name.into(),
            value: value.into(),
            target: target.into(),
            met: Some(met),
        });
    }

    /// A note for the results file (method, caveat, why a target is missed).
    pub fn note(&mut self, text: impl Into<String>) {
        let text = text.into();
        println!("  note: {text}");
        self.notes.push(text);
    }

    /// The figures as a Markdown table.
    pub fn table(&self) -> String {
        let mut out =
            String::from("| section | figure | value | target | met |\n|---|---|---|---|---|\n");
        for row in &self.rows {
            let met = match row.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {met} |",
                row.section, row.name, row.value, row.target
            );
        }
        out
    }

    /// Prints the table.
    pub fn print(&self) {
        println!("\n== bench results ==\n");
        let w = self.rows.iter().map(|r| r.name.chars().count()).max().unwrap_or(10);
        let v = self.rows.iter().map(|r| r.value.chars().count()).max().unwrap_or(10);
        for row in &self.rows {
            let met = match row.met {
                Some(true) => "ok",
                Some(false) => "MISSED",
                None => "",
            };
            println!(
                "{:<12} {:<w$}  {:>v$}  {:<14} {met}",
                row.section,
                row.name,
                row.value,
                row.target,
                w = w,
                v = v
            );
        }
        let missed = self.rows.iter().filter(|r| r.met == Some(false)).count();
        println!("\n{missed} target(s) missed; notes in the results file.");
    }

    /// Writes `bench/results/<date>.md` (a second run the same day gets `<date>-2.md`…) and
    /// returns its path.
    ///
    /// # Errors
    /// The folder or the file cannot be written.
    pub fn write(&self, root: &Path, machine: &str, took: Duration) -> Result<std::path::PathBuf> {
        let dir = root.join("bench/results");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let date = today();
        let mut path = dir.join(format!("{date}.md"));
        let mut n = 2;
        while path.exists() {
            path = dir.join(format!("{date}-{n}.md"));
            n += 1;
        }
        // `-dirty` when the measured tree had uncommitted changes.
        let root = root.to_string_lossy();
        let commit = cmd::output("git", &["-C", &root, "describe", "--always", "--dirty"])
            .unwrap_or_else(|| "unknown".to_owned());
        let mut text = format!(
            "# Bench results, {date}\n\n`cargo xtask bench` at commit `{commit}`; the measuring took {:.0} s \
             (build times, when `--build` was given, are in the `build` rows and not included).\n\n\
             ## Machine\n\n{machine}\n\n## Figures\n\n{}\n",
            took.as_secs_f64(),
            self.table()
        );
        if !self.notes.is_empty() {
            text.push_str("## Notes\n\n");
            for note in &self.notes {
                let _ = writeln!(text, "- {note}");
            }
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }
}

/// Today's date, UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{:04}-{:02}-{:02}", now.year(), u8::from(now.month()), now.day())
}

/// The machine, as the results file states it: CPU, cores, RAM, kernel, distribution.
pub fn machine() -> String {
    let cpu = cmd::output("sh", &["-c", "lscpu | sed -n 's/^Model name: *//p' | head -1"])
        .unwrap_or_default();
    let cores = cmd::output("nproc", &[]).unwrap_or_default();
    let ram = cmd::output("sh", &["-c", "free -g | awk '/^Mem:/ {print $2}'"]).unwrap_or_default();
    let kernel = cmd::output("uname", &["-sr"]).unwrap_or_default();
    let os = cmd::output("sh", &["-c", ". /etc/os-release && echo \"$PRETTY_NAME\""])
        .unwrap_or_default();
    let debian = cmd::output("cat", &["/etc/debian_version"]).unwrap_or_default();
    let rustc = cmd::output("rustc", &["--version"]).unwrap_or_default();
    let webkit = cmd::output("sh", &["-c", "dpkg-query -W -f '${Version}' libwebkit2gtk-4.1-0"])
        .unwrap_or_default();
    format!(
        "- CPU: {cpu}, {cores} cores available\n- RAM: {ram} GiB\n- Kernel: {kernel}\n- OS: {os} (Debian {debian})\n\
         - Toolchain: {rustc}\n- WebKitGTK: {webkit}"
    )
}

/// Milliseconds with one decimal.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Bytes as KB (1000) with one decimal, or MB with two above 1 MB.
pub fn bytes(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    if n >= 1_000_000 { format!("{:.2} MB", f / 1e6) } else { format!("{:.1} KB", f / 1e3) }
}

/// The median of some durations (the mean of the middle two for an even count).
pub fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    let n = values.len();
    match n {
        0 => Duration::ZERO,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2,
    }
}

/// The `p`-th percentile (nearest rank) of some durations.
pub fn percentile(values: &mut [Duration], p: f64) -> Duration {
    values.sort();
    if values.is_empty() {
        return Duration::ZERO;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_percentile() {
        let ms = |n: u64| Duration::from_millis(n);
        assert_eq!(median(&mut [ms(3), ms(1), ms(2)]), ms(2));
        assert_eq!(median(&mut [ms(4), ms(1), ms(2), ms(3)]), Duration::from_micros(2500));
        let mut hundred: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&mut hundred, 99.0), ms(99));
        assert_eq!(percentile(&mut hundred, 50.0), ms(50));
    }

    #[test]
    fn units() {
        assert_eq!(bytes(350_000), "350.0 KB");
        assert_eq!(bytes(20_500_000), "20.50 MB");
        assert_eq!(ms(Duration::from_micros(1234)), "1.2 ms");
    }
}
