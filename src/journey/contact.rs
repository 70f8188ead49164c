//! The 一人一档 data the journey handles: the lookup key and the reusable contact
//! fields. Pure data; the encrypted store that keeps them is the `profile` module.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// An ID number used as a lookup key. Masked in Debug, wiped on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct ProfileId(String);

impl ProfileId {
    pub fn new(id_number: &str) -> Self {
        Self(id_number.trim().to_ascii_uppercase())
    }

    /// The normalised ID number (for the store's salted hash only).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ProfileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProfileId({})", kiosk_hardware::pii::mask_id(&self.0))
    }
}

/// The reusable contact fields. Masked in Debug, wiped on drop.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct Contact {
    pub phone: String,
    pub address: String,
}

impl std::fmt::Debug for Contact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Contact({})", kiosk_hardware::pii::mask_phone(&self.phone))
    }
}
