//! `setListingPorts`: a listing's ports as a list, kept in a ports profile of its own so a
//! profile shared with other listings is never changed behind their backs.

use std::collections::HashSet;

use async_graphql::{Context, ID, Object};
use domain::model::{self as m, ApiRole, ValuationCause};

use super::catalogue::PortInput;
use super::listings::{current, value_now};
use crate::auth::require;
use crate::error::{ApiError, ApiResultExt};
use crate::query::store;
use crate::types::listing::Listing;
use crate::types::scalars::id_of;

/// Most port entries one listing may list.
const MAX_PORTS: usize = 32;

/// The name of the profile a listing owns.
fn own_profile_name(listing_id: i64) -> String {
    format!("Listing {listing_id} ports")
}

fn ports(input: Vec<PortInput>) -> Result<Vec<m::Port>, ApiError> {
    if input.len() > MAX_PORTS {
        return Err(ApiError::invalid(
            "ports",
            "too_large",
            format!("at most {MAX_PORTS} port entries"),
        ));
    }
    let mut seen = HashSet::new();
    input
        .into_iter()
        .enumerate()
        .map(|(n, p)| {
            if !(1..=64).contains(&p.count) {
                return Err(ApiError::invalid(
                    format!("ports[{n}].count"),
                    "invalid_value",
                    "count must be 1–64",
                ));
            }
            let notes = p.spec_notes.trim().to_owned();
            if notes.chars().count() > 255 {
                return Err(ApiError::invalid(
                    format!("ports[{n}].specNotes"),
                    "invalid_value",
                    "at most 255 characters",
                ));
            }
            // The store's unique key is (profile, type, notes): refuse duplicates here, by
            // name, instead of answering a CONFLICT about a profile the caller never named.
            let port_type: m::PortType = p.port_type.into();
            if !seen.insert((port_type.as_str(), notes.clone())) {
                return Err(ApiError::invalid(
                    format!("ports[{n}]"),
                    "duplicate",
                    "the same port type and notes are listed twice; add up the counts",
                ));
            }
            Ok(m::Port {
                port_type,
                count: p.count,
                spec_notes: notes,
            })
        })
        .collect()
}

/// Listing port mutations.
#[derive(Debug, Default)]
pub struct ListingPortsMutation;

#[Object]
impl ListingPortsMutation {
    /// Sets a listing's ports (editor) and values it at once. The ports live in a profile named `Listing <id> ports` that only this listing uses (created or replaced); an empty list removes the ports and that profile.
    async fn set_listing_ports(
        &self,
        ctx: &Context<'_>,
        id: ID,
        ports: Vec<PortInput>,
    ) -> async_graphql::Result<Listing> {
        require(ctx, ApiRole::Editor)?;
        let s = store(ctx);
        let lid = id_of("Listing", &id, "id").api()?;
        let list = self::ports(ports).api()?;
        let mut w = current(s, lid).await.api()?;
        let name = own_profile_name(lid);
        let own = s.ports_profile_id_by_name(&name).await.api()?;
        if list.is_empty() {
            w.data.ports_profile_id = None;
            s.update_listing(lid, &w).await.api()?;
            if let Some(p) = own {
                s.delete_ports_profile(p).await.api()?;
            }
        } else {
            let data = m::PortsProfileData {
                name,
                description: Some(format!("the ports of listing {lid}")),
                attributes: serde_json::json!({}),
                ports: list,
            };
            let profile = match own {
                Some(p) => s.update_ports_profile(p, &data).await.api()?,
                None => s.create_ports_profile(&data).await.api()?,
            };
            w.data.ports_profile_id = Some(profile.id);
            s.update_listing(lid, &w).await.api()?;
        }
        value_now(s, lid, ValuationCause::ListingEdit).await
    }
}
