pub mod dialog;
pub mod invitations;
pub mod settings_nav;
pub mod stripe_card;
pub mod stripe_js;
pub mod usage_chart;
