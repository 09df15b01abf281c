//! Deciding whether uploaded bytes are a photo we accept, from the bytes alone.
//!
//! The format is read from the content's magic bytes, never from a file name or a declared
//! content type: both come from the client and cost nothing to fake. The dimensions come from
//! the image header only, so a decompression bomb (a few KiB claiming 20,000 × 20,000 pixels)
//! is turned away before a single pixel is decoded, and no pixel buffer is ever allocated here.

use std::io::Cursor;

/// The largest upload accepted, in bytes (10 MiB).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// The largest accepted width and height, in pixels, each side.
pub const MAX_SIDE: u32 = 8000;

/// The image formats accepted: the ones every browser displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
}

impl Format {
    /// The media type to serve the image with.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    /// The usual file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }

    fn image_format(self) -> image::ImageFormat {
        match self {
            Self::Jpeg => image::ImageFormat::Jpeg,
            Self::Png => image::ImageFormat::Png,
            Self::Webp => image::ImageFormat::WebP,
        }
    }
}

/// What [`inspect`] learned from an accepted image's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    pub format: Format,
    pub width: u32,
    pub height: u32,
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Rejection {
    #[error("the file is {bytes} bytes, more than the {MAX_BYTES} accepted")]
    TooLarge { bytes: usize },
    /// PDF, SVG, text, video, anything that is not a raster image.
    #[error("the file is not an image")]
    NotAnImage,
    /// A raster image in a format we do not take (GIF, BMP, TIFF, HEIC...), named.
    #[error("{found} images are not accepted: use JPEG, PNG or WebP")]
    UnsupportedFormat { found: &'static str },
    #[error("the image is {width}×{height} pixels, more than {MAX_SIDE} on a side")]
    TooManyPixels { width: u32, height: u32 },
    /// The signature is right but the header (or the container) is truncated or malformed.
    #[error("the image is damaged")]
    Corrupt,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const JPEG_SIGNATURE: &[u8] = &[0xFF, 0xD8, 0xFF];

/// Checks size, format (by content) and dimensions (by header), without decoding pixels.
pub fn inspect(bytes: &[u8]) -> Result<ImageInfo, Rejection> {
    // Size first: everything after this point may copy or scan the whole buffer.
    if bytes.len() > MAX_BYTES {
        return Err(Rejection::TooLarge { bytes: bytes.len() });
    }
    let format = sniff(bytes)?;

    // `with_format`, not `with_guessed_format`: the format was decided above, and the decoder
    // must not second-guess it with its own (wider) list of signatures. `into_dimensions`
    // builds the decoder, which parses the header only (PNG: up to the first IDAT; JPEG: up to
    // the first SOS; WebP: the chunk headers) and never allocates the pixel buffer.
    let (width, height) =
        image::ImageReader::with_format(Cursor::new(bytes), format.image_format())
            .into_dimensions()
            .map_err(|_| Rejection::Corrupt)?;
    if width == 0 || height == 0 {
        return Err(Rejection::Corrupt);
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Rejection::TooManyPixels { width, height });
    }
    Ok(ImageInfo {
        format,
        width,
        height,
    })
}

/// Decides the format from the leading bytes.
fn sniff(bytes: &[u8]) -> Result<Format, Rejection> {
    if bytes.starts_with(JPEG_SIGNATURE) {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Ok(Format::Png);
    }
    if bytes.get(0..4) == Some(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Ok(Format::Webp);
    }
    // A file cut off inside its own signature is a damaged image, not "not an image".
    let cut_short = |signature: &[u8]| !bytes.is_empty() && signature.starts_with(bytes);
    if cut_short(JPEG_SIGNATURE)
        || cut_short(PNG_SIGNATURE)
        || (bytes.len() < 12 && bytes.starts_with(b"RIFF"))
    {
        return Err(Rejection::Corrupt);
    }
    match unsupported_format(bytes) {
        Some(found) => Err(Rejection::UnsupportedFormat { found }),
        None => Err(Rejection::NotAnImage),
    }
}

/// Signatures of raster formats people plausibly upload but we refuse, so the message can
/// say what was sent instead of a bare "not an image". Anything else is [`Rejection::NotAnImage`].
const UNSUPPORTED: &[(&[u8], &str)] = &[
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    // TIFF and BigTIFF, either byte order; camera raw files (DNG, CR2, NEF, ARW) are TIFF too.
    (b"II*\0", "tiff"),
    (b"MM\0*", "tiff"),
    (b"II+\0", "tiff"),
    (b"MM\0+", "tiff"),
    (b"\0\0\0\x0cJXL \r\n\x87\n", "jxl"),
    (b"\xff\x0a", "jxl"),
    (b"\0\0\0\x0cjP  \r\n\x87\n", "jpeg2000"),
    (b"\xff\x4f\xff\x51", "jpeg2000"),
    (b"8BPS", "psd"),
];

fn unsupported_format(bytes: &[u8]) -> Option<&'static str> {
    if let Some((_, name)) = UNSUPPORTED
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
    {
        return Some(name);
    }
    if is_bmp(bytes) {
        return Some("bmp");
    }
    // ICO: reserved 0, type 1, at least one entry.
    if bytes.starts_with(&[0, 0, 1, 0]) && matches!(bytes.get(4..6), Some(n) if n != [0, 0]) {
        return Some("ico");
    }
    heif_family(bytes)
}

/// "BM" alone would also match text starting with "BM", so the header is checked further:
/// two reserved zero words, then a known DIB header size.
fn is_bmp(bytes: &[u8]) -> bool {
    let reserved_zero = bytes.get(6..10) == Some(&[0, 0, 0, 0]);
    let dib_size = bytes
        .get(14..18)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes);
    bytes.starts_with(b"BM")
        && reserved_zero
        && matches!(dib_size, Some(12 | 40 | 52 | 56 | 64 | 108 | 124))
}

/// HEIC (iPhone photos), HEIF and AVIF are ISO-BMFF files told apart by their brands; MP4 and
/// QuickTime videos share the container and are not images at all, so they give `None`.
fn heif_family(bytes: &[u8]) -> Option<&'static str> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return None;
    }
    let box_size = usize::try_from(u32::from_be_bytes(bytes.get(0..4)?.try_into().ok()?)).ok()?;
    let ftyp = bytes.get(8..box_size.min(bytes.len()))?;
    // Major brand, minor version (not a brand), then compatible brands.
    let brands: Vec<&[u8]> = ftyp
        .chunks_exact(4)
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, brand)| brand)
        .collect();
    let has = |wanted: &[&[u8; 4]]| brands.iter().any(|b| wanted.iter().any(|w| b == w));
    if has(&[b"avif", b"avis"]) {
        Some("avif")
    } else if has(&[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"]) {
        Some("heic")
    } else if has(&[b"mif1", b"msf1"]) {
        Some("heif")
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::fixtures::{self, png_chunk};
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn accepts_the_three_formats_with_their_dimensions() {
        for (bytes, format) in [
            (fixtures::jpeg(33, 17), Format::Jpeg),
            (fixtures::png(33, 17), Format::Png),
            (fixtures::webp(33, 17), Format::Webp),
        ] {
            assert_eq!(
                inspect(&bytes),
                Ok(ImageInfo {
                    format,
                    width: 33,
                    height: 17
                }),
                "{format:?}"
            );
        }
    }

    #[test]
    fn mime_and_extension() {
        assert_eq!(Format::Jpeg.mime(), "image/jpeg");
        assert_eq!(Format::Png.mime(), "image/png");
        assert_eq!(Format::Webp.mime(), "image/webp");
        assert_eq!(Format::Jpeg.extension(), "jpg");
        assert_eq!(Format::Png.extension(), "png");
        assert_eq!(Format::Webp.extension(), "webp");
    }

    #[test]
    fn gif_is_unsupported_and_named() {
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
        assert_eq!(
            inspect(gif),
            Err(Rejection::UnsupportedFormat { found: "gif" })
        );
    }

    #[test]
    fn other_raster_formats_are_named() {
        let mut bmp = b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0".to_vec();
        bmp.extend_from_slice(&[0; 40]);
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic".to_vec();
        let avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf".to_vec();
        let cases: [(&[u8], &str); 5] = [
            (b"II*\0\x08\0\0\0", "tiff"),
            (b"MM\0*\0\0\0\x08", "tiff"),
            (&bmp, "bmp"),
            (&heic, "heic"),
            (&avif, "avif"),
        ];
        for (bytes, found) in cases {
            assert_eq!(inspect(bytes), Err(Rejection::UnsupportedFormat { found }));
        }
    }

    #[test]
    fn svg_text_and_video_are_not_images() {
        let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#;
        let mp4 = b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2";
        let cases: [&[u8]; 6] = [svg, b"<svg/>", b"hello, world", b"BMW is a car", mp4, b""];
        for bytes in cases {
            assert_eq!(inspect(bytes), Err(Rejection::NotAnImage), "{bytes:?}");
        }
    }

    /// `inspect` takes no name and no declared type, so a PDF renamed `photo.jpg` and sent as
    /// `image/jpeg` is judged on its bytes like any other.
    #[test]
    fn pdf_is_not_an_image_whatever_it_is_called() {
        let pdf =
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        assert_eq!(inspect(pdf), Err(Rejection::NotAnImage));
    }

    #[test]
    fn png_decompression_bomb_is_rejected_from_its_header() {
        let mut bomb = PNG_SIGNATURE.to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&20_000u32.to_be_bytes());
        ihdr.extend_from_slice(&20_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA: 1.6 GB once decoded
        bomb.extend(png_chunk(b"IHDR", &ihdr));
        bomb.extend(png_chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00]));
        bomb.extend(png_chunk(b"IEND", &[]));
        assert!(bomb.len() < 100);

        let started = Instant::now();
        let verdict = inspect(&bomb);
        // Decoding would take seconds and gigabytes; reading the header takes microseconds.
        assert!(started.elapsed() < Duration::from_millis(500));
        assert_eq!(
            verdict,
            Err(Rejection::TooManyPixels {
                width: 20_000,
                height: 20_000
            })
        );
    }

    #[test]
    fn one_side_too_long_is_enough() {
        assert_eq!(
            inspect(&fixtures::png(MAX_SIDE + 1, 1)),
            Err(Rejection::TooManyPixels {
                width: MAX_SIDE + 1,
                height: 1
            })
        );
        // A JPEG whose SOF claims 9000 × 17: patched, not encoded, so nothing big is built.
        let mut jpeg = fixtures::jpeg(33, 17);
        let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        jpeg[sof + 7..sof + 9].copy_from_slice(&9000u16.to_be_bytes());
        assert_eq!(
            inspect(&jpeg),
            Err(Rejection::TooManyPixels {
                width: 9000,
                height: 17
            })
        );
        assert!(inspect(&fixtures::png(MAX_SIDE, 1)).is_ok());
    }

    #[test]
    fn one_byte_over_ten_mebibytes_is_too_large() {
        let mut big = fixtures::png(2, 2);
        big.resize(MAX_BYTES + 1, 0);
        assert_eq!(
            inspect(&big),
            Err(Rejection::TooLarge {
                bytes: MAX_BYTES + 1
            })
        );
    }

    #[test]
    fn truncated_headers_are_corrupt() {
        let png = fixtures::png(33, 17);
        // Signature plus half of IHDR.
        assert_eq!(inspect(&png[..20]), Err(Rejection::Corrupt));
        // Cut inside the signature itself.
        assert_eq!(inspect(&png[..4]), Err(Rejection::Corrupt));
        let jpeg = fixtures::jpeg(33, 17);
        assert_eq!(inspect(&jpeg[..30]), Err(Rejection::Corrupt));
        let webp = fixtures::webp(33, 17);
        assert_eq!(inspect(&webp[..14]), Err(Rejection::Corrupt));
    }

    #[test]
    fn png_with_a_broken_ihdr_crc_is_corrupt() {
        let mut png = fixtures::png(33, 17);
        png[29] ^= 0xFF; // last byte of the IHDR CRC
        assert_eq!(inspect(&png), Err(Rejection::Corrupt));
    }

    #[test]
    fn never_panics_on_prefixes_or_flipped_bytes() {
        for image in [
            fixtures::jpeg(9, 7),
            fixtures::png(9, 7),
            fixtures::webp(9, 7),
        ] {
            for end in 0..image.len() {
                let _ = inspect(&image[..end]);
            }
            for at in 0..image.len().min(64) {
                let mut flipped = image.clone();
                flipped[at] ^= 0x5A;
                let _ = inspect(&flipped);
            }
        }
    }
}
