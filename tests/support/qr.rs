//! QR codes read back from rendered receipts (the virtual printer's PNG) with rqrr, a
//! pure-Rust decoder. Included with `#[path]`.

/// The payload of every QR code the PNG shows.
pub fn decode_qrs(png: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(img.width() as usize, img.height() as usize, |x, y| {
            img.get_pixel(x as u32, y as u32).0[0]
        });
    prepared.detect_grids().iter().filter_map(|g| g.decode().ok().map(|(_, s)| s)).collect()
}
