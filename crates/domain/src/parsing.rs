//! Text parsers for import and derivation (DOMAIN.md §7.3).

/// The storage medium named by free text: first hit in the order of §7.3, else `unknown`.
pub fn storage_medium(text: &str) -> &'static str {
    let t = text.to_lowercase();
    let has = |needle: &str| t.contains(needle);
    if has("nvme") {
        "nvme"
    } else if has("hybrid") || has("sshd") {
        "hybrid"
    } else if has("emmc") {
        "emmc"
    } else if has("ufs") {
        "ufs"
    } else if has("ssd") || has("sata") {
        "sata_ssd"
    } else if has("hard drive") || has("hard disk") || has("hdd") {
        "hdd"
    } else if has("flash") {
        "emmc"
    } else if has("pcie") {
        "nvme"
    } else {
        "unknown"
    }
}
