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
    if let Some(menu) = menu_of(ev.target()) {
        shut(&menu);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// Escape shuts a menu, as it does a dialog.
pub fn menu_keydown(ev: leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    if ev.key() == "Escape" {
        if let Some(menu) = menu_of(ev.target()).filter(|m| m.has_attribute("open")) {
            ev.prevent_default();
            shut(&menu);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// A menu shuts when the focus moves to something outside it (Tab past its last item,
/// a click on another control), so that it never covers what has the focus. Focus
/// moving to nothing (a click on the page's background; Safari, which does not focus
/// a link on click) leaves it open: the click may be on one of its items.
pub fn menu_focusout(ev: leptos::ev::FocusEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let to = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok());
        if let (Some(menu), Some(to)) = (menu_of(ev.target()), to) {
            if !menu.contains(Some(&to)) {
                let _ = menu.remove_attribute("open");
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// The `<details>` menu an event happened in.
#[cfg(feature = "hydrate")]
fn menu_of(target: Option<web_sys::EventTarget>) -> Option<web_sys::Element> {
    use wasm_bindgen::JsCast;
    target
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.closest("details").ok().flatten())
}

/// Shuts a menu. If the focus was on one of its items (chosen with the keyboard), it
/// goes back to the menu's button instead of being lost with the hidden item.
#[cfg(feature = "hydrate")]
fn shut(menu: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    let focus_inside = document()
        .active_element()
        .is_some_and(|a| menu.contains(Some(&a)));
    let _ = menu.remove_attribute("open");
    if focus_inside {
        let summary = menu
            .query_selector("summary")
            .ok()
            .flatten()
            .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(summary) = summary {
            let _ = summary.focus();
        }
    }
}

/// A disclosure menu: its button (`text`, named `label` for assistive technology) and
/// its items. Choosing an item shuts it; Escape, and the focus moving elsewhere, shut
/// it too.
#[component]
pub fn Menu(
    class: &'static str,
    #[prop(into)] label: Signal<String>,
    #[prop(into)] text: Signal<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <details class=class on:keydown=menu_keydown on:focusout=menu_focusout>
            <summary aria-label=label>{text}</summary>
            <div class="menu-items" on:click=close_menu>{children()}</div>
        </details>
    }
}

/// A row's ⋯ menu.
#[component]
pub fn RowMenu(#[prop(into)] label: String, children: Children) -> impl IntoView {
    view! { <Menu class="menu" label text="⋯".to_owned()>{children()}</Menu> }
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
