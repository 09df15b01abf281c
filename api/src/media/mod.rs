//! Photos attached to voters' submissions: checking them, cleaning them, storing them.
//!
//! An upload goes through three steps, in this order:
//!
//! 1. [`inspect()`] decides from the bytes alone (never the file name or the declared content
//!    type) whether it is a JPEG, PNG or WebP of at most [`MAX_BYTES`] bytes and [`MAX_SIDE`]
//!    pixels a side, reading only the header, so decompression bombs cost nothing;
//! 2. [`strip_metadata`] removes EXIF (GPS position, device, time), XMP, IPTC, comments and
//!    text chunks at the container level, without decoding or re-encoding the pixels;
//! 3. a [`BlobStore`] ([`FsStore`] for now) keeps the cleaned bytes under their SHA-256.
//!
//! Uploads never attached to a submission are deleted after a day ([`purge_unattached`]).
//!
//! ```ignore
//! let info = media::inspect(&upload)?;
//! let clean = media::strip_metadata(&upload, info.format)?;
//! let hash = store.put(clean).await?;
//! // record hash, info.format.mime(), info.width, info.height
//! ```

mod inspect;
mod purge;
mod store;
mod strip;

pub use inspect::{Format, ImageInfo, MAX_BYTES, MAX_SIDE, Rejection, inspect};
pub use purge::{UNATTACHED_TTL, purge_unattached};
pub use store::{BlobStore, BoxFuture, FsStore};
pub use strip::strip_metadata;

/// Test images built in code, so the repository holds no binary fixtures.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod fixtures {
    use std::io::Cursor;

    pub(super) use super::strip::png_chunk;

    /// A colour gradient, so the encoders have something non-trivial to encode.
    fn picture(width: u32, height: u32) -> image::DynamicImage {
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 11) as u8, ((x + y) * 3) as u8])
        }))
    }

    fn encode(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        picture(width, height).write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    pub(super) fn jpeg(width: u32, height: u32) -> Vec<u8> {
        encode(width, height, image::ImageFormat::Jpeg)
    }

    pub(super) fn png(width: u32, height: u32) -> Vec<u8> {
        encode(width, height, image::ImageFormat::Png)
    }

    /// A simple (VP8L, lossless) WebP, as `image` writes it.
    pub(super) fn webp(width: u32, height: u32) -> Vec<u8> {
        encode(width, height, image::ImageFormat::WebP)
    }

    /// A RIFF (WebP) chunk, padded.
    pub(super) fn riff_chunk(fourcc: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut chunk = Vec::new();
        super::strip::push_riff_chunk(&mut chunk, fourcc, data);
        chunk
    }

    /// A JPEG segment: marker, length, payload.
    pub(super) fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut segment = vec![0xFF, marker];
        segment.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        segment.extend_from_slice(payload);
        segment
    }

    /// `jpeg` with `segments` inserted right after SOI.
    pub(super) fn jpeg_with(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        for segment in segments {
            out.extend_from_slice(segment);
        }
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    /// `png` with `chunks` inserted right before IEND (the last 12 bytes).
    pub(super) fn png_with(png: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
        let (body, iend) = png.split_at(png.len() - 12);
        assert_eq!(&iend[4..8], b"IEND");
        let mut out = body.to_vec();
        for chunk in chunks {
            out.extend_from_slice(chunk);
        }
        out.extend_from_slice(iend);
        out
    }

    /// An extended WebP: VP8X with `flags`, the image chunk of [`webp`], then `chunks`.
    pub(super) fn webp_extended(width: u32, height: u32, flags: u8, chunks: &[Vec<u8>]) -> Vec<u8> {
        let simple = webp(width, height);
        assert_eq!(&simple[12..16], b"VP8L");
        let mut vp8x = vec![flags, 0, 0, 0];
        vp8x.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
        vp8x.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
        let mut body = b"WEBP".to_vec();
        body.extend(riff_chunk(b"VP8X", &vp8x));
        body.extend_from_slice(&simple[12..]);
        for chunk in chunks {
            body.extend_from_slice(chunk);
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
        out.extend(body);
        out
    }

    /// A little-endian EXIF TIFF block: IFD0 with an orientation and an ImageDescription,
    /// the description standing in for GPS data (recognisable bytes that must not survive).
    pub(super) fn exif_tiff(orientation: u16, description: &[u8]) -> Vec<u8> {
        let mut tiff = b"II*\0\x08\0\0\0".to_vec();
        tiff.extend_from_slice(&2u16.to_le_bytes());
        // ImageDescription, ASCII, stored at offset 8 + 2 + 2 * 12 + 4 = 38.
        tiff.extend_from_slice(&0x010Eu16.to_le_bytes());
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&u32::try_from(description.len()).unwrap().to_le_bytes());
        tiff.extend_from_slice(&38u32.to_le_bytes());
        // Orientation, SHORT, count 1, value in the entry.
        tiff.extend_from_slice(&0x0112u16.to_le_bytes());
        tiff.extend_from_slice(&3u16.to_le_bytes());
        tiff.extend_from_slice(&1u32.to_le_bytes());
        tiff.extend_from_slice(&orientation.to_le_bytes());
        tiff.extend_from_slice(&[0, 0]);
        tiff.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
        assert_eq!(tiff.len(), 38);
        tiff.extend_from_slice(description);
        tiff
    }

    /// Whether `needle` occurs anywhere in `haystack`.
    pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }
}
