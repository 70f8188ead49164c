//! JPEG under a size limit, and one PDF per material.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::RgbImage;
use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, Stream};
use zeroize::{Zeroize, Zeroizing};

use super::{ScannedPage, ScannerError};

/// Default per-page limit for an A4 page, as the upload services accept.
pub const DEFAULT_JPEG_LIMIT: usize = 500 * 1024;

const START_QUALITY: u8 = 88;
const MIN_QUALITY: u8 = 45;

/// Encodes `img` as a JPEG of at most `limit` bytes: lowers quality first, then
/// resolution, so text stays as sharp as the limit allows.
pub fn encode_jpeg_limited(img: &RgbImage, limit: usize) -> Result<ScannedPage, ScannerError> {
    if img.width() == 0 || img.height() == 0 {
        return Err(ScannerError::Capture("empty page".into()));
    }
    let mut scaled: Option<Zeroizing<Vec<u8>>> = None;
    let (mut w, mut h) = img.dimensions();
    for _ in 0..6 {
        let view: &[u8] = match &scaled {
            Some(buf) => buf,
            None => img.as_raw(),
        };
        if let Some(jpeg) = best_quality_under(view, w, h, limit)? {
            return Ok(ScannedPage { width: w, height: h, jpeg });
        }
        // Even the lowest quality is too big: shrink so the area roughly fits.
        let probe = Zeroizing::new(encode(view, w, h, MIN_QUALITY)?);
        let k = ((limit as f32 / probe.len() as f32).sqrt() * 0.92).clamp(0.3, 0.9);
        (w, h) = (((w as f32 * k) as u32).max(16), ((h as f32 * k) as u32).max(16));
        let smaller = image::imageops::resize(img, w, h, FilterType::Triangle);
        scaled = Some(Zeroizing::new(smaller.into_raw()));
    }
    Err(ScannerError::Capture(format!("cannot fit page under {limit} bytes")))
}

/// Binary search over quality for the best encoding that fits.
fn best_quality_under(raw: &[u8], w: u32, h: u32, limit: usize) -> Result<Option<Vec<u8>>, ScannerError> {
    let first = encode(raw, w, h, START_QUALITY)?;
    if first.len() <= limit {
        return Ok(Some(first));
    }
    drop(Zeroizing::new(first));
    let (mut lo, mut hi) = (MIN_QUALITY, START_QUALITY - 1);
    let mut best: Option<Zeroizing<Vec<u8>>> = None;
    while lo <= hi {
        let q = (lo + hi) / 2;
        let jpeg = Zeroizing::new(encode(raw, w, h, q)?);
        if jpeg.len() <= limit {
            best = Some(jpeg);
            lo = q + 1;
        } else {
            hi = q - 1;
        }
    }
    Ok(best.map(|mut b| std::mem::take(&mut *b)))
}

fn encode(raw: &[u8], w: u32, h: u32, quality: u8) -> Result<Vec<u8>, ScannerError> {
    let mut out = Vec::with_capacity(raw.len() / 8);
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode(raw, w, h, image::ExtendedColorType::Rgb8)
        .map_err(|e| ScannerError::Capture(format!("jpeg: {e}")))?;
    Ok(out)
}

/// A4 in PDF points.
const A4: (f32, f32) = (595.28, 841.89);

/// Bundles the pages of one material into one PDF, one page each, fitted to A4
/// (landscape for landscape pages). The JPEGs are embedded as-is (DCTDecode).
pub fn pages_to_pdf(pages: &[ScannedPage]) -> Result<Zeroizing<Vec<u8>>, ScannerError> {
    if pages.is_empty() {
        return Err(ScannerError::Capture("no pages to bundle".into()));
    }
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut kids = Vec::with_capacity(pages.len());
    for page in pages {
        let components = jpeg_components(&page.jpeg)?;
        let colour = match components {
            1 => "DeviceGray",
            4 => "DeviceCMYK",
            _ => "DeviceRGB",
        };
        let mut img = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => page.width as i64,
                "Height" => page.height as i64,
                "ColorSpace" => colour,
                "BitsPerComponent" => 8,
                "Filter" => "DCTDecode",
            },
            page.jpeg.clone(),
        );
        img.allows_compression = false;
        let img_id = doc.add_object(img);
        let (pw, ph) = if page.width > page.height { (A4.1, A4.0) } else { A4 };
        let k = (pw / page.width as f32).min(ph / page.height as f32);
        let (iw, ih) = (page.width as f32 * k, page.height as f32 * k);
        let ops = vec![
            Operation::new("q", vec![]),
            Operation::new(
                "cm",
                vec![iw.into(), 0.into(), 0.into(), ih.into(), ((pw - iw) / 2.0).into(), ((ph - ih) / 2.0).into()],
            ),
            Operation::new("Do", vec!["Im0".into()]),
            Operation::new("Q", vec![]),
        ];
        let content = Content { operations: ops }.encode().map_err(|e| ScannerError::Capture(format!("pdf: {e}")))?;
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), pw.into(), ph.into()],
            "Contents" => content_id,
            "Resources" => dictionary! { "XObject" => dictionary! { "Im0" => img_id } },
        });
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects
        .insert(pages_id, Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut out = Zeroizing::new(Vec::new());
    let saved = doc.save_to(&mut *out).map_err(|e| ScannerError::Capture(format!("pdf: {e}")));
    // The document held copies of the scans: wipe them before it is dropped.
    for obj in doc.objects.values_mut() {
        if let Object::Stream(s) = obj {
            s.content.zeroize();
        }
    }
    saved?;
    Ok(out)
}

/// Number of colour components from the JPEG header, without decoding pixels.
fn jpeg_components(jpeg: &[u8]) -> Result<u8, ScannerError> {
    use image::ImageDecoder;
    let dec = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(jpeg))
        .map_err(|e| ScannerError::Capture(format!("page is not a JPEG: {e}")))?;
    Ok(dec.color_type().channel_count())
}
