//! The enumerations of DOMAIN.md §3, stored as lower-case text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// An unknown enumeration value (the text that did not parse).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownVariant {
    /// The enumeration's name.
    pub kind: &'static str,
    /// The rejected text.
    pub value: String,
}

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[doc = $text] #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, in the order of §3.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownVariant;
            /// Case-insensitive, surrounding spaces ignored.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(t))
                    .ok_or_else(|| UnknownVariant { kind: stringify!($name), value: s.to_owned() })
            }
        }
    };
}

text_enum!(
    /// A listing's condition.
    Condition { New = "new", Refurb = "refurb", Used = "used" }
);
text_enum!(
    /// Deal classes, best to worst (§5.3).
    DealClass {
        GreatDeal = "great_deal", GoodDeal = "good_deal", LightSaving = "light_saving",
        Neutral = "neutral", LightPremium = "light_premium", Premium = "premium",
    }
);
text_enum!(
    /// A listing's status; recalculation jobs cover active and pending.
    ListingStatus { Active = "active", Pending = "pending", Archived = "archived" }
);
text_enum!(
    /// RAM generation of a RAM spec.
    RamGeneration {
        Ddr3 = "ddr3", Ddr4 = "ddr4", Ddr5 = "ddr5", Lpddr4 = "lpddr4", Lpddr4x = "lpddr4x",
        Lpddr5 = "lpddr5", Lpddr5x = "lpddr5x", Hbm2 = "hbm2", Hbm3 = "hbm3", Unknown = "unknown",
    }
);
text_enum!(
    /// Storage medium of a storage profile.
    StorageMedium {
        Nvme = "nvme", SataSsd = "sata_ssd", Hdd = "hdd", Hybrid = "hybrid", Emmc = "emmc",
        Ufs = "ufs", Unknown = "unknown",
    }
);
text_enum!(
    /// A port of a ports profile.
    PortType {
        UsbA = "usb_a", UsbC = "usb_c", Thunderbolt = "thunderbolt", Hdmi = "hdmi",
        DisplayPort = "displayport", Rj45_1g = "rj45_1g", Rj45_2_5g = "rj45_2_5g",
        Rj45_10g = "rj45_10g", Audio = "audio", Sdxc = "sdxc", PcieX16 = "pcie_x16",
        PcieX8 = "pcie_x8", M2Slot = "m2_slot", SataBay = "sata_bay", Other = "other",
    }
);
text_enum!(
    /// A listing component (not valued).
    ComponentType {
        Ram = "ram", Ssd = "ssd", Hdd = "hdd", OsLicense = "os_license", Wifi = "wifi",
        Gpu = "gpu", Misc = "misc",
    }
);
text_enum!(
    /// The entity a custom field belongs to.
    CustomFieldEntity { Listing = "listing", Cpu = "cpu", Gpu = "gpu", PortsProfile = "ports_profile" }
);
text_enum!(
    /// The data type of a custom field.
    CustomFieldType {
        String = "string", Text = "text", Number = "number", Boolean = "boolean", Enum = "enum",
        MultiSelect = "multi_select", Json = "json",
    }
);
text_enum!(
    /// Who may see a custom field.
    Visibility { Public = "public", Internal = "internal" }
);
text_enum!(
    /// Import session lifecycle.
    ImportStatus {
        MappingRequired = "mapping_required", Ready = "ready", Committing = "committing",
        Completed = "completed", Failed = "failed", Cancelled = "cancelled", Expired = "expired",
    }
);
text_enum!(
    /// Why a listing was (re)valued.
    ValuationCause {
        ListingCreated = "listing_created", ListingEdit = "listing_edit",
        RuleChange = "rule_change", RulesetChange = "ruleset_change", CpuChange = "cpu_change",
        GpuChange = "gpu_change", CatalogChange = "catalog_change",
        CustomFieldChange = "custom_field_change", Import = "import", Baseline = "baseline",
        PackageInstall = "package_install", Manual = "manual",
    }
);
text_enum!(
    /// Recalculation job lifecycle.
    JobStatus {
        Queued = "queued", Running = "running", Succeeded = "succeeded", Failed = "failed",
        Cancelled = "cancelled", Coalesced = "coalesced",
    }
);
text_enum!(
    /// What a recalculation job recomputes (§8): everything, one profile's scores, or deal
    /// classes only.
    JobWork { Full = "full", Scores = "scores", DealClass = "deal_class" }
);
text_enum!(
    /// The role of an API token.
    ApiRole { Viewer = "viewer", Editor = "editor", Admin = "admin" }
);
text_enum!(
    /// What a rule audit row records.
    RuleAuditAction {
        RulesetCreated = "ruleset_created", RulesetUpdated = "ruleset_updated",
        RulesetDeleted = "ruleset_deleted", GroupCreated = "group_created",
        GroupUpdated = "group_updated", GroupDeleted = "group_deleted",
        RuleCreated = "rule_created", RuleUpdated = "rule_updated", RuleDeleted = "rule_deleted",
        PackageInstalled = "package_installed", BaselineInstantiated = "baseline_instantiated",
        BaselineAdopted = "baseline_adopted",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_insensitively_and_round_trips() {
        assert_eq!("  Refurb ".parse::<Condition>(), Ok(Condition::Refurb));
        assert_eq!(PortType::Rj45_2_5g.as_str(), "rj45_2_5g");
        assert!("bogus".parse::<JobStatus>().is_err());
        for v in StorageMedium::ALL {
            assert_eq!(v.as_str().parse::<StorageMedium>().ok(), Some(*v));
        }
        let json = serde_json::to_string(&ApiRole::Admin).unwrap_or_default();
        assert_eq!(json, "\"admin\"");
    }
}
