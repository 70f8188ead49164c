//! JPEG size limit and PDF bundling.

use image::{Rgb, RgbImage};
use kiosk_hardware::scanner::{encode_jpeg_limited, pages_to_pdf, ScannedPage, DEFAULT_JPEG_LIMIT};

/// Noise compresses worst of all: the hardest case for the size limit.
fn noisy_a4() -> RgbImage {
    let mut s: u32 = 12345;
    RgbImage::from_fn(1240, 1754, |_, _| {
        s = s.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let v = (s >> 16) as u8;
        Rgb([v, v.wrapping_mul(3), v.wrapping_add(90)])
    })
}

#[test]
fn jpeg_stays_under_the_limit() {
    let img = noisy_a4();
    let page = encode_jpeg_limited(&img, DEFAULT_JPEG_LIMIT).unwrap();
    assert!(page.jpeg.len() <= DEFAULT_JPEG_LIMIT, "{} bytes", page.jpeg.len());
    let decoded = image::load_from_memory(&page.jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (page.width, page.height));

    // A tight limit forces a smaller page rather than failing.
    let small = encode_jpeg_limited(&img, 60 * 1024).unwrap();
    assert!(small.jpeg.len() <= 60 * 1024, "{} bytes", small.jpeg.len());
    assert!(small.width < 1240 && small.height < 1754);
}

#[test]
fn impossible_limit_is_an_error_not_a_panic() {
    assert!(encode_jpeg_limited(&noisy_a4(), 100).is_err());
    assert!(encode_jpeg_limited(&RgbImage::new(0, 0), DEFAULT_JPEG_LIMIT).is_err());
}

fn page(w: u32, h: u32, shade: u8) -> ScannedPage {
    let img = RgbImage::from_pixel(w, h, Rgb([shade, shade, 250]));
    encode_jpeg_limited(&img, DEFAULT_JPEG_LIMIT).unwrap()
}

#[test]
fn pdf_parses_back_with_every_page() {
    let pages = vec![page(620, 877, 240), page(877, 620, 200), page(300, 424, 180)];
    let pdf = pages_to_pdf(&pages).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let ids = doc.get_pages();
    assert_eq!(ids.len(), 3);
    for ((_, id), page) in ids.iter().zip(&pages) {
        let images = doc.get_page_images(*id).unwrap();
        assert_eq!(images.len(), 1);
        assert_eq!((images[0].width as u32, images[0].height as u32), (page.width, page.height));
        assert_eq!(images[0].content, &page.jpeg[..], "JPEG embedded as-is");
    }
}

#[test]
fn pdf_of_nothing_or_garbage_is_an_error() {
    assert!(pages_to_pdf(&[]).is_err());
    let bogus = ScannedPage { width: 10, height: 10, jpeg: b"not a jpeg".to_vec() };
    assert!(pages_to_pdf(&[bogus]).is_err());
}
