//! GraphQL enums mirroring the domain enumerations (§3), converted both ways.

use async_graphql::Enum;
use domain::model as m;

macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident => $dom:path { $($v:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(non_camel_case_types)]
        pub enum $name {
            $(#[doc = concat!("`", stringify!($v), "`")] $v,)+
        }
        impl From<$dom> for $name {
            fn from(v: $dom) -> Self {
                use $dom as D;
                match v { $(D::$v => $name::$v,)+ }
            }
        }
        impl From<$name> for $dom {
            fn from(v: $name) -> Self {
                use $dom as D;
                match v { $($name::$v => D::$v,)+ }
            }
        }
    };
}

mirror!(
    /// A listing's condition.
    Condition => m::Condition { New, Refurb, Used }
);
mirror!(
    /// A listing's status; recalculation covers active and pending listings.
    ListingStatus => m::ListingStatus { Active, Pending, Archived }
);
mirror!(
    /// Deal classes, best to worst (§5.3).
    DealClass => m::DealClass { GreatDeal, GoodDeal, LightSaving, Neutral, LightPremium, Premium }
);
mirror!(
    /// RAM generation of a RAM spec.
    RamGeneration => m::RamGeneration {
        Ddr3, Ddr4, Ddr5, Lpddr4, Lpddr4x, Lpddr5, Lpddr5x, Hbm2, Hbm3, Unknown
    }
);
mirror!(
    /// Storage medium of a storage profile.
    StorageMedium => m::StorageMedium { Nvme, SataSsd, Hdd, Hybrid, Emmc, Ufs, Unknown }
);
mirror!(
    /// A kind of port.
    PortType => m::PortType {
        UsbA, UsbC, Thunderbolt, Hdmi, DisplayPort, Rj45_1g, Rj45_2_5g, Rj45_10g, Audio, Sdxc,
        PcieX16, PcieX8, M2Slot, SataBay, Other
    }
);
mirror!(
    /// Kind of an extra component of a listing.
    ComponentType => m::ComponentType { Ram, Ssd, Hdd, OsLicense, Wifi, Gpu, Misc }
);
mirror!(
    /// Which entity a custom field belongs to.
    CustomFieldEntity => m::CustomFieldEntity { Listing, Cpu, Gpu, PortsProfile }
);
mirror!(
    /// A custom field's data type.
    CustomFieldType => m::CustomFieldType { String, Text, Number, Boolean, Enum, MultiSelect, Json }
);
mirror!(
    /// Why a valuation was recorded.
    ValuationCause => m::ValuationCause {
        ListingCreated, ListingEdit, RuleChange, RulesetChange, CpuChange, GpuChange,
        CatalogChange, CustomFieldChange, Import, Baseline, PackageInstall, Manual
    }
);
mirror!(
    /// An API token's role: viewer reads, editor writes data and rules, admin manages
    /// settings and tokens.
    ApiRole => m::ApiRole { Viewer, Editor, Admin }
);
