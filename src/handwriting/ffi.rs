//! The part of Zinnia's C API (zinnia.h, libzinnia 0.06) the kiosk uses.
//!
//! Hand-written rather than generated or taken from a crate: no maintained crate binds
//! Zinnia, and these fourteen functions are all we call, so bindgen (and the libclang
//! it needs on every build machine) would cost more than it saves. The signatures are
//! copied from /usr/include/zinnia.h (Debian's libzinnia-dev); build.rs links
//! `-lzinnia` (libzinnia0 at run time, a dependency of the .deb).

use std::os::raw::{c_char, c_float, c_int};

/// `zinnia_recognizer_t`: a loaded model. Read-only once opened.
#[repr(C)]
pub struct ZinniaRecognizer {
    _opaque: [u8; 0],
}

/// `zinnia_character_t`: the strokes of one character to classify.
#[repr(C)]
pub struct ZinniaCharacter {
    _opaque: [u8; 0],
}

/// `zinnia_result_t`: the n best candidates, owned by the caller.
#[repr(C)]
pub struct ZinniaResult {
    _opaque: [u8; 0],
}

// Linked by build.rs (`cargo:rustc-link-lib=zinnia`).
extern "C" {
    pub fn zinnia_recognizer_new() -> *mut ZinniaRecognizer;
    pub fn zinnia_recognizer_destroy(recognizer: *mut ZinniaRecognizer);
    /// 1 on success, 0 on failure (then `zinnia_recognizer_strerror` says why).
    pub fn zinnia_recognizer_open(recognizer: *mut ZinniaRecognizer, filename: *const c_char) -> c_int;
    pub fn zinnia_recognizer_strerror(recognizer: *mut ZinniaRecognizer) -> *const c_char;
    /// Number of characters the model knows.
    pub fn zinnia_recognizer_size(recognizer: *mut ZinniaRecognizer) -> usize;
    /// NULL when the character has no strokes or cannot be classified.
    pub fn zinnia_recognizer_classify(
        recognizer: *mut ZinniaRecognizer,
        character: *const ZinniaCharacter,
        nbest: usize,
    ) -> *mut ZinniaResult;

    pub fn zinnia_character_new() -> *mut ZinniaCharacter;
    pub fn zinnia_character_destroy(character: *mut ZinniaCharacter);
    pub fn zinnia_character_set_width(character: *mut ZinniaCharacter, width: usize);
    pub fn zinnia_character_set_height(character: *mut ZinniaCharacter, height: usize);
    pub fn zinnia_character_clear(character: *mut ZinniaCharacter);
    /// Appends point (x, y) to stroke `id` (strokes numbered from 0, in order); 1 on success.
    pub fn zinnia_character_add(character: *mut ZinniaCharacter, id: usize, x: c_int, y: c_int) -> c_int;

    pub fn zinnia_result_size(result: *mut ZinniaResult) -> usize;
    /// A UTF-8 string owned by the result.
    pub fn zinnia_result_value(result: *mut ZinniaResult, i: usize) -> *const c_char;
    pub fn zinnia_result_score(result: *mut ZinniaResult, i: usize) -> c_float;
    pub fn zinnia_result_destroy(result: *mut ZinniaResult);
}
