//! Modal dialogs on the native `<dialog>` element: `showModal()` moves focus into the
//! dialog, makes the rest of the page inert (a focus trap) and closes on Escape.

use leptos::html;
use leptos::prelude::*;

pub type DialogRef = NodeRef<html::Dialog>;

/// Opens the dialog. Closing gives the focus back to what had it: for an item of a ⋯
/// menu, which shuts (and hides the item) as the dialog opens, that is the menu's own
/// button, focused here first.
pub fn open(dialog: DialogRef) {
    #[cfg(feature = "hydrate")]
    if let Some(d) = dialog.get() {
        use wasm_bindgen::JsCast;
        let summary = document()
            .active_element()
            .and_then(|el| el.closest("details").ok().flatten())
            .and_then(|menu| menu.query_selector("summary").ok().flatten())
            .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(summary) = summary {
            let _ = summary.focus();
        }
        let _ = d.show_modal();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = dialog;
}

pub fn close(dialog: DialogRef) {
    #[cfg(feature = "hydrate")]
    if let Some(d) = dialog.get() {
        d.close();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = dialog;
}

/// Closes the `<details>` menu around a click's target: a row's ⋯ menu shuts once an
/// item is chosen (and so is not found open when the table re-renders around it).
pub fn close_menu(ev: leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let details = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("details").ok().flatten());
        if let Some(details) = details {
            let _ = details.remove_attribute("open");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// A dialog labelled by its title.
#[component]
pub fn Dialog(
    node_ref: DialogRef,
    id: &'static str,
    #[prop(into)] title: String,
    children: Children,
) -> impl IntoView {
    let title_id = format!("{id}-title");
    view! {
        <dialog node_ref=node_ref id=id class="dialog" aria-labelledby=title_id>
            <h2 id=title_id.clone()>{title}</h2>
            {children()}
        </dialog>
    }
}
