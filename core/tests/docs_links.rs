//! Every link between the README and the manual in `docs/` leads somewhere: the file
//! exists, and the heading a `#fragment` names is in it (as GitHub makes a heading's
//! anchor). Links to other sites are not followed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The Markdown files of the documentation: the README and every file in `docs/`.
fn documents() -> Vec<PathBuf> {
    let root = workspace();
    let mut files = vec![root.join("README.md")];
    let mut manual: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    manual.sort();
    files.extend(manual);
    files
}

/// The lines of a Markdown text outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// GitHub's anchor for a heading: lower case, spaces to hyphens, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    prose(text)
        .into_iter()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|rest| anchor(rest.trim_start_matches('#')))
        .collect()
}

/// The targets of the inline links `[text](target)` of a text (the part up to a space,
/// which would start a title).
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in prose(text) {
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            if let Some(end) = rest.find(')') {
                let target = rest[..end].split_whitespace().next().unwrap_or_default();
                found.push(target.to_owned());
                rest = &rest[end..];
            }
        }
    }
    found
}

#[test]
fn every_link_of_the_documentation_leads_somewhere() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for document in documents() {
        let text = std::fs::read_to_string(&document).unwrap();
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (path, fragment) = match target.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                document.clone()
            } else {
                document.parent().unwrap().join(path)
            };
            if !file.exists() {
                broken.push(format!("{}: {target} (no such file)", document.display()));
                continue;
            }
            if let Some(fragment) = fragment {
                let found = std::fs::read_to_string(&file)
                    .map(|t| anchors(&t).contains(fragment))
                    .unwrap_or(false);
                if !found {
                    broken.push(format!(
                        "{}: {target} (no such heading)",
                        document.display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(
        checked >= 10,
        "the README links the manual: {checked} links found"
    );
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    for (heading, expected) in [
        ("How the code is laid out", "how-the-code-is-laid-out"),
        ("The two commands", "the-two-commands"),
        (
            "Configuration and the command line",
            "configuration-and-the-command-line",
        ),
        ("`purser serve` options", "purser-serve-options"),
        ("Rate limits", "rate-limits"),
    ] {
        assert_eq!(anchor(heading), expected);
    }
}

/// The repository paths a text names in code spans (`server/src/http/retry.rs`): those
/// that start at one of the workspace's top folders.
fn named_paths(text: &str) -> Vec<String> {
    const ROOTS: [&str; 7] = [
        "core/",
        "app/",
        "server/",
        "migrations/",
        "scripts/",
        "end2end/",
        "docs/",
    ];
    let mut found = Vec::new();
    for line in prose(text) {
        for (i, span) in line.split('`').enumerate() {
            // Odd pieces are inside a code span.
            if i % 2 == 1 && ROOTS.iter().any(|r| span.starts_with(r)) && !span.contains(' ') {
                // (`file.rs::function` names a file.)
                let path = span.split("::").next().unwrap_or(span);
                found.push(path.trim_end_matches(['.', ',', ':', ';']).to_owned());
            }
        }
    }
    found
}

/// A file or folder the manual points a reader to is there: moving code without its
/// description fails here.
#[test]
fn every_path_the_documentation_names_exists() {
    let root = workspace();
    let mut missing = Vec::new();
    let mut checked = 0;
    for document in documents() {
        let text = std::fs::read_to_string(&document).unwrap();
        for path in named_paths(&text) {
            checked += 1;
            if !root.join(&path).exists() {
                missing.push(format!("{}: {path}", document.display()));
            }
        }
    }
    assert!(missing.is_empty(), "no such path:\n{}", missing.join("\n"));
    assert!(
        checked >= 10,
        "the manual names the code: {checked} paths found"
    );
}
