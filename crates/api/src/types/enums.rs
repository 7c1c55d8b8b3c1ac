//! GraphQL enums mirroring the domain enumerations (§3), converted both ways.

use async_graphql::Enum;
use domain::model as m;

macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident => $dom:path { $($v:ident = $n:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(non_camel_case_types)]
        pub enum $name {
            $(#[doc = concat!("`", $n, "`")] #[graphql(name = $n)] $v,)+
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
    Condition => m::Condition { New = "NEW", Refurb = "REFURB", Used = "USED" }
);
mirror!(
    /// A listing's status; recalculation covers active and pending listings.
    ListingStatus => m::ListingStatus { Active = "ACTIVE", Pending = "PENDING", Archived = "ARCHIVED" }
);
mirror!(
    /// Deal classes, best to worst (§5.3).
    DealClass => m::DealClass { GreatDeal = "GREAT_DEAL", GoodDeal = "GOOD_DEAL", LightSaving = "LIGHT_SAVING", Neutral = "NEUTRAL", LightPremium = "LIGHT_PREMIUM", Premium = "PREMIUM" }
);
mirror!(
    /// RAM generation of a RAM spec.
    RamGeneration => m::RamGeneration { Ddr3 = "DDR3", Ddr4 = "DDR4", Ddr5 = "DDR5", Lpddr4 = "LPDDR4", Lpddr4x = "LPDDR4X", Lpddr5 = "LPDDR5", Lpddr5x = "LPDDR5X", Hbm2 = "HBM2", Hbm3 = "HBM3", Unknown = "UNKNOWN" }
);
mirror!(
    /// Storage medium of a storage profile.
    StorageMedium => m::StorageMedium { Nvme = "NVME", SataSsd = "SATA_SSD", Hdd = "HDD", Hybrid = "HYBRID", Emmc = "EMMC", Ufs = "UFS", Unknown = "UNKNOWN" }
);
mirror!(
    /// A kind of port.
    PortType => m::PortType { UsbA = "USB_A", UsbC = "USB_C", Thunderbolt = "THUNDERBOLT", Hdmi = "HDMI", DisplayPort = "DISPLAYPORT", Rj45_1g = "RJ45_1G", Rj45_2_5g = "RJ45_2_5G", Rj45_10g = "RJ45_10G", Audio = "AUDIO", Sdxc = "SDXC", PcieX16 = "PCIE_X16", PcieX8 = "PCIE_X8", M2Slot = "M2_SLOT", SataBay = "SATA_BAY", Other = "OTHER" }
);
mirror!(
    /// Kind of an extra component of a listing.
    ComponentType => m::ComponentType { Ram = "RAM", Ssd = "SSD", Hdd = "HDD", OsLicense = "OS_LICENSE", Wifi = "WIFI", Gpu = "GPU", Misc = "MISC" }
);
mirror!(
    /// Which entity a custom field belongs to.
    CustomFieldEntity => m::CustomFieldEntity { Listing = "LISTING", Cpu = "CPU", Gpu = "GPU", PortsProfile = "PORTS_PROFILE" }
);
mirror!(
    /// A custom field's data type.
    CustomFieldType => m::CustomFieldType { String = "STRING", Text = "TEXT", Number = "NUMBER", Boolean = "BOOLEAN", Enum = "ENUM", MultiSelect = "MULTI_SELECT", Json = "JSON" }
);
mirror!(
    /// Why a valuation was recorded.
    ValuationCause => m::ValuationCause { ListingCreated = "LISTING_CREATED", ListingEdit = "LISTING_EDIT", RuleChange = "RULE_CHANGE", RulesetChange = "RULESET_CHANGE", CpuChange = "CPU_CHANGE", GpuChange = "GPU_CHANGE", CatalogChange = "CATALOG_CHANGE", CustomFieldChange = "CUSTOM_FIELD_CHANGE", Import = "IMPORT", Baseline = "BASELINE", PackageInstall = "PACKAGE_INSTALL", Manual = "MANUAL" }
);
mirror!(
    /// An API token's role: viewer reads, editor writes data and rules, admin manages
    /// settings and tokens.
    ApiRole => m::ApiRole { Viewer = "VIEWER", Editor = "EDITOR", Admin = "ADMIN" }
);
mirror!(
    /// A recalculation job's state (§8).
    JobStatus => m::JobStatus { Queued = "QUEUED", Running = "RUNNING", Succeeded = "SUCCEEDED", Failed = "FAILED", Cancelled = "CANCELLED", Coalesced = "COALESCED" }
);
mirror!(
    /// What a recalculation job recomputes: everything, one profile's scores, or deal classes.
    JobWork => m::JobWork { Full = "FULL", Scores = "SCORES", DealClass = "DEAL_CLASS" }
);
