//! Which picture a home tile shows: a table from bundle id to a Tabler icon
//! (images/icons/, MIT; see the NOTICE there), by category for a bundle not in the
//! table (a new one from the platform's catalog), a document for a standalone matter.

use super::TileIcon;
use crate::catalog::{Bundle, Category, SINGLE_PREFIX};

/// The seed catalog's bundles (data/catalog/bundles/).
const BUNDLE_ICONS: [(&str, TileIcon); 21] = [
    ("newborn", TileIcon::BabyCarriage),
    ("school_entry", TileIcon::School),
    ("social_card", TileIcon::Id),
    ("disability", TileIcon::Wheelchair),
    ("retirement", TileIcon::Old),
    ("medical_reimburse", TileIcon::Stethoscope),
    ("housing_fund_loan", TileIcon::HomeDollar),
    ("public_rental", TileIcon::Key),
    ("veterans", TileIcon::Medal),
    ("study_abroad", TileIcon::Plane),
    ("enterprise_change", TileIcon::FilePencil),
    ("transport_company", TileIcon::Truck),
    ("restaurant", TileIcon::ToolsKitchen),
    ("utilities", TileIcon::Bolt),
    ("credit_repair", TileIcon::ShieldCheck),
    ("listing_check", TileIcon::ChartLine),
    ("bankruptcy_check", TileIcon::FileSearch),
    ("deregistration", TileIcon::FileX),
    ("enterprise_move", TileIcon::TruckDelivery),
    ("enterprise_reports", TileIcon::ReportAnalytics),
    ("oversize_transport", TileIcon::TruckLoading),
];

pub fn bundle_icon(b: &Bundle) -> TileIcon {
    if b.id.starts_with(SINGLE_PREFIX) {
        return TileIcon::FileText;
    }
    BUNDLE_ICONS.iter().find(|(id, _)| *id == b.id).map_or(
        match b.category {
            Category::Personal => TileIcon::User,
            Category::Enterprise => TileIcon::Building,
        },
        |(_, icon)| *icon,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_bundle_has_its_own_icon() {
        let cat = crate::catalog::Catalog::seed();
        let mut seen = Vec::new();
        for b in &cat.bundles {
            assert!(BUNDLE_ICONS.iter().any(|(id, _)| *id == b.id), "{} has no icon in the table", b.id);
            let icon = bundle_icon(b);
            assert!(!seen.contains(&icon), "{}: icon used twice", b.id);
            seen.push(icon);
        }
        let single = &cat.singles()[0];
        assert_eq!(bundle_icon(single), TileIcon::FileText);
        let mut new = cat.bundles[0].clone();
        new.id = "from_the_platform".into();
        new.category = Category::Enterprise;
        assert_eq!(bundle_icon(&new), TileIcon::Building);
    }

    /// Every icon the table names is a file under images/icons/ with the licence beside it.
    #[test]
    fn icon_files_and_licence_are_there() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("images/icons");
        let licence = std::fs::read_to_string(dir.join("LICENSE")).unwrap();
        assert!(
            licence.contains("MIT License") && licence.contains("Kuna"),
            "Tabler's MIT licence, with its copyright line"
        );
        let slint = std::fs::read_to_string(dir.join("../../ui/components/icons.slint")).unwrap();
        for f in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = f.file_name().to_string_lossy().to_string();
            if let Some(stem) = name.strip_suffix(".svg") {
                let svg = std::fs::read_to_string(f.path()).unwrap();
                assert!(svg.contains(r#"viewBox="0 0 24 24""#) && svg.contains(r#"stroke-width="2""#), "{name}");
                assert!(slint.contains(&format!("images/icons/{stem}.svg")), "{name} is not drawn anywhere");
            }
        }
    }
}
