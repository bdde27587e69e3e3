//! The server functions of Settings → Identity provider's single sign-on form.
// A server function takes its form's fields as arguments (flat: a nested form struct
// costs the browser bundle a second decoder), so this one takes many.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use purser_core::error::AppError;
use purser_core::sso::JoinAs;
#[cfg(feature = "ssr")]
use {
    super::ssr::{in_org, run},
    purser_services::sso,
};

/// Saves the OpenID Connect connection (after reading the issuer's discovery
/// document); single sign-on turns on separately, after a test sign-in. An empty
/// `client_secret` keeps the saved one; `teams_from_groups` is `group = team` lines.
#[server(prefix = "/fn", endpoint = "save_oidc")]
pub async fn save_oidc(
    org: String,
    issuer: String,
    client_id: String,
    client_secret: String,
    join_as: JoinAs,
    groups_claim: String,
    teams_from_groups: String,
    lifetime_hours: i64,
    recovery_admin: String,
) -> Result<(), AppError> {
    run(async {
        let (state, at) = in_org(&org).await?;
        if !(1..=720).contains(&lifetime_hours) {
            return Err(purser_core::ValueError {
                field: "lifetime_hours",
                message: "The SSO lifetime is between 1 and 720 hours.".into(),
            }
            .into());
        }
        let setup = sso::OidcSetup {
            issuer,
            client_id,
            client_secret: Some(client_secret).filter(|s| !s.is_empty()),
            join_as,
            groups_claim: Some(groups_claim),
            teams_from_groups: purser_core::sso::parse_group_teams(&teams_from_groups)?,
            lifetime_secs: Some(lifetime_hours * 3600),
            recovery_admin: Some(recovery_admin),
        };
        let settings = &state.settings;
        sso::configure(
            &state.db,
            &state.sso,
            &settings.base_url,
            &at,
            setup,
            sso::Switch::Later,
        )
        .await
        .map(|_| ())
    })
    .await
}
