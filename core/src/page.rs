//! A page of a list: what every list answers, on both surfaces, so that a request costs
//! the same however long the list is.

use serde::{Deserialize, Serialize};

/// A page of a list, and where the next page starts (an opaque token), when more
/// follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Whether more entries follow this page.
    pub fn more(&self) -> bool {
        self.next.is_some()
    }

    /// The same page with each item converted (to a view, or to a wire shape).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }

    /// The same page with each item converted, leaving out those `f` answers `None`
    /// for (what a viewer may not see); where the next page starts does not change.
    pub fn filter_map<U>(self, f: impl FnMut(T) -> Option<U>) -> Page<U> {
        Page {
            items: self.items.into_iter().filter_map(f).collect(),
            next: self.next,
        }
    }
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            next: None,
        }
    }
}
