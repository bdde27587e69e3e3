pub mod dialog;
pub mod invitations;
pub mod settings_nav;
pub mod usage_chart;
