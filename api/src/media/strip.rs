//! Removing metadata from photos at the container level, without touching the pixels.
//!
//! Phones write where and when a photo was taken (EXIF GPS), the device, the owner's name,
//! editing history (XMP), and sometimes a thumbnail of the uncropped original. None of it may
//! leave with a voter's submission. Stripping walks the container's segments or chunks and
//! copies through only those needed to show the image as its author saw it, so the pixels are
//! never decoded or re-encoded: no quality loss, no memory spike.
//!
//! The rule is a list of what to keep, not of what to drop: a metadata block nobody thought of
//! (a vendor's private chunk, a second image appended after the end marker) goes too.
//!
//! One piece of EXIF is needed for display: the orientation. Phones store most portrait photos
//! as landscape pixels plus "rotate 90°", and browsers apply it; dropping it would show those
//! photos on their side. So when the EXIF holds an orientation other than "normal", it is
//! replaced by a fresh EXIF block that holds that one value and nothing else.
//!
//! `img-parts` (0.3) was tried and not used. It keeps everything after a JPEG's first SOS as
//! one opaque blob, so segments between progressive scans and whatever follows EOI (the
//! second image of an MPF file, with its own EXIF) survive. Its WebP `set_exif(None)` leaves
//! the VP8X EXIF flag set when an ICC profile is present, and the decoder then refuses the
//! file ("an expected chunk was missing"); without a profile it drops the VP8X chunk, which
//! images with alpha or animation need. Walking the three containers by hand is short and
//! keeps every failure a [`Rejection`] rather than a panic.

use super::inspect::{Format, Rejection, inspect};

/// Returns a copy of the image without its metadata, with the same format and dimensions.
///
/// JPEG keeps the frame, tables and scans, APP0 JFIF (minus its thumbnail), APP2 ICC profile
/// and APP14 Adobe (it says how to read the colours); PNG keeps the critical chunks and the
/// ancillary ones that affect display (colour, transparency, animation); WebP keeps the image,
/// alpha, animation and ICC chunks. Everything else (EXIF, XMP, IPTC, comments, text, times,
/// thumbnails, trailing data) is removed. The one exception is an EXIF orientation other than
/// "normal": browsers need it to show phone photos upright, so it is written back as a fresh
/// EXIF block holding that single value.
///
/// The result is checked with [`inspect()`] before it is returned, so a file this function
/// cannot make sense of is [`Rejection::Corrupt`] rather than stored broken.
pub fn strip_metadata(bytes: &[u8], format: Format) -> Result<Vec<u8>, Rejection> {
    let stripped = match format {
        Format::Jpeg => strip_jpeg(bytes)?,
        Format::Png => strip_png(bytes)?,
        Format::Webp => strip_webp(bytes)?,
    };
    if inspect(&stripped)?.format != format {
        return Err(Rejection::Corrupt);
    }
    Ok(stripped)
}

// ---------------------------------------------------------------------------------------------
// JPEG: a sequence of marker segments; after each SOS comes entropy-coded data, in which 0xFF
// is always followed by 0x00 (a stuffed byte) or a restart marker, so the next real marker can
// be found without decoding anything.

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const APP0: u8 = 0xE0;
const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP14: u8 = 0xEE;
const APP15: u8 = 0xEF;
const COM: u8 = 0xFE;

fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, Rejection> {
    if !b.starts_with(&[0xFF, SOI]) {
        return Err(Rejection::Corrupt);
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, SOI]);
    let mut pos = 2;
    let mut seen_scan = false;
    let mut orientation_written = false;

    loop {
        // Like libjpeg, skip stray bytes before a marker and any 0xFF fill bytes.
        let rest = b.get(pos..).unwrap_or_default();
        let Some(ff) = rest.iter().position(|&x| x == 0xFF) else {
            break;
        };
        pos += ff;
        while b.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let Some(&marker) = b.get(pos) else {
            break;
        };
        pos += 1;

        match marker {
            EOI => {
                // Whatever follows EOI (an MPF second image, a video, a zip) is not the photo.
                if !seen_scan {
                    return Err(Rejection::Corrupt);
                }
                out.extend_from_slice(&[0xFF, EOI]);
                return Ok(out);
            }
            // A stuffed zero or a second SOI outside a scan means the structure is broken.
            0x00 | SOI => return Err(Rejection::Corrupt),
            // TEM and restart markers stand alone, without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            _ => {}
        }

        // The length counts itself (2 bytes) and the payload, not the marker.
        let length = usize::from(be_u16(b, pos).ok_or(Rejection::Corrupt)?);
        if length < 2 {
            return Err(Rejection::Corrupt);
        }
        let segment = b.get(pos..pos + length).ok_or(Rejection::Corrupt)?;
        let payload = segment.get(2..).unwrap_or_default();
        pos += length;

        match marker {
            APP0 => {
                // JFIF (density, version) is kept; its optional thumbnail, a small copy of the
                // possibly uncropped original, is cut off by zeroing its size. JFXX (APP0 with
                // only a thumbnail) is dropped.
                if payload.starts_with(b"JFIF\0") && payload.len() >= 14 {
                    out.extend_from_slice(&[0xFF, APP0, 0, 16]);
                    out.extend_from_slice(payload.get(..12).unwrap_or_default());
                    out.extend_from_slice(&[0, 0]);
                }
            }
            APP1 => {
                if let Some(tiff) = payload.strip_prefix(b"Exif\0\0")
                    && !orientation_written
                    && let Some(orientation) = exif_orientation(tiff)
                {
                    // Length field (2) + "Exif\0\0" (6) + the TIFF block.
                    const LENGTH: u16 = 2 + 6 + ORIENTATION_EXIF_LEN as u16;
                    out.extend_from_slice(&[0xFF, APP1]);
                    out.extend_from_slice(&LENGTH.to_be_bytes());
                    out.extend_from_slice(b"Exif\0\0");
                    out.extend_from_slice(&orientation_only_exif(orientation));
                    orientation_written = true;
                }
            }
            APP2 if payload.starts_with(b"ICC_PROFILE\0") => {
                copy_segment(&mut out, marker, segment)
            }
            APP14 if payload.starts_with(b"Adobe") => copy_segment(&mut out, marker, segment),
            // Every other APPn (IPTC in APP13, MPF and FlashPix in APP2, vendor notes) and COM.
            APP0..=APP15 | COM => {}
            _ => copy_segment(&mut out, marker, segment),
        }

        if marker == SOS {
            seen_scan = true;
            let data = b.get(pos..).unwrap_or_default();
            let scan = entropy_coded_len(data);
            out.extend_from_slice(data.get(..scan).unwrap_or_default());
            pos += scan;
        }
    }

    // The data ended without EOI. Many viewers show such files (a camera or an upload cut
    // short), so as long as there was image data the end marker is supplied.
    if !seen_scan {
        return Err(Rejection::Corrupt);
    }
    out.extend_from_slice(&[0xFF, EOI]);
    Ok(out)
}

/// Writes a segment unchanged: marker, then length field and payload as read.
fn copy_segment(out: &mut Vec<u8>, marker: u8, segment: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(segment);
}

/// Length of the entropy-coded data at the start of `data`: up to the first 0xFF that is
/// neither a stuffed 0xFF00 nor a restart marker.
fn entropy_coded_len(data: &[u8]) -> usize {
    let mut at = 0;
    while let Some(ff) = data
        .get(at..)
        .and_then(|d| d.iter().position(|&x| x == 0xFF))
    {
        at += ff;
        match data.get(at + 1) {
            Some(0x00 | 0xD0..=0xD7) => at += 2,
            Some(_) => return at,
            None => return data.len(),
        }
    }
    data.len()
}

fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

// ---------------------------------------------------------------------------------------------
// EXIF orientation: EXIF is a TIFF structure; the orientation is tag 0x0112 in the first IFD.

/// The EXIF orientation (2 to 8) if it asks for a rotation or flip; `None` if it is absent,
/// "normal" (1), or the EXIF cannot be read. Accepts TIFF data with or without the `Exif\0\0`
/// prefix, since PNG and WebP writers disagree on it.
pub(super) fn exif_orientation(exif: &[u8]) -> Option<u16> {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    let little_endian = match tiff.get(0..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let raw: [u8; 2] = tiff.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if little_endian {
            u16::from_le_bytes(raw)
        } else {
            u16::from_be_bytes(raw)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let raw: [u8; 4] = tiff.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if little_endian {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        })
    };
    let ifd0 = usize::try_from(u32_at(4)?).ok()?;
    let entries = u16_at(ifd0)?;
    for i in 0..usize::from(entries) {
        let entry = ifd0.checked_add(2 + 12 * i)?;
        // Tag 0x0112, type SHORT (3), count 1: the value sits in the entry itself.
        if u16_at(entry)? == 0x0112 {
            let well_formed = u16_at(entry + 2)? == 3 && u32_at(entry + 4)? == 1;
            let value = u16_at(entry + 8)?;
            return (well_formed && (2..=8).contains(&value)).then_some(value);
        }
    }
    None
}

const ORIENTATION_EXIF_LEN: usize = 26;

/// A minimal big-endian TIFF holding only the orientation: header, one IFD with one entry.
fn orientation_only_exif(orientation: u16) -> [u8; ORIENTATION_EXIF_LEN] {
    let mut tiff = [0u8; ORIENTATION_EXIF_LEN];
    tiff[0..8].copy_from_slice(b"MM\0*\0\0\0\x08"); // byte order, magic 42, IFD0 at offset 8
    tiff[8..10].copy_from_slice(&1u16.to_be_bytes()); // one entry
    tiff[10..12].copy_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff[12..14].copy_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff[14..18].copy_from_slice(&1u32.to_be_bytes()); // count 1
    tiff[18..20].copy_from_slice(&orientation.to_be_bytes()); // value, left-justified
    // tiff[20..22] padding, tiff[22..26] "no next IFD": already zero.
    tiff
}

// ---------------------------------------------------------------------------------------------
// PNG: signature, then chunks (length, type, data, CRC) up to IEND. A chunk whose type starts
// with a capital letter is critical (decoders must understand it) and is always kept.

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const PNG_IEND: &[u8] = b"\0\0\0\0IEND\xae\x42\x60\x82";

/// Ancillary chunks that change how the image looks (colour space, gamma, transparency,
/// background, pixel aspect, APNG animation). Every other ancillary chunk goes: tEXt, zTXt,
/// iTXt, tIME, eXIf (but see the orientation), and private chunks of any application.
const PNG_KEPT_ANCILLARY: &[&[u8; 4]] = &[
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"cICP", b"mDCV", b"cLLI", b"sBIT", b"bKGD",
    b"pHYs", b"acTL", b"fcTL", b"fdAT",
];

fn strip_png(b: &[u8]) -> Result<Vec<u8>, Rejection> {
    let mut rest = b.strip_prefix(PNG_SIGNATURE).ok_or(Rejection::Corrupt)?;
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut seen_header = false;
    let mut orientation_written = false;

    while !rest.is_empty() {
        let length = usize::try_from(be_u32(rest, 0).ok_or(Rejection::Corrupt)?)
            .map_err(|_| Rejection::Corrupt)?;
        let chunk = length
            .checked_add(12)
            .and_then(|total| rest.get(..total))
            .ok_or(Rejection::Corrupt)?;
        rest = rest.get(chunk.len()..).unwrap_or_default();
        let kind: [u8; 4] = chunk
            .get(4..8)
            .and_then(|k| k.try_into().ok())
            .ok_or(Rejection::Corrupt)?;
        let data = chunk.get(8..8 + length).unwrap_or_default();

        // IHDR comes first and only once; chunk types are four ASCII letters.
        let is_header = &kind == b"IHDR";
        if is_header == seen_header || !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(Rejection::Corrupt);
        }
        seen_header = true;

        if kind[0].is_ascii_uppercase() || PNG_KEPT_ANCILLARY.contains(&&kind) {
            // Copied with its CRC as read: a damaged chunk stays damaged, for the decoder to
            // judge, rather than being silently "repaired" here.
            out.extend_from_slice(chunk);
        } else if &kind == b"eXIf"
            && !orientation_written
            && let Some(orientation) = exif_orientation(data)
        {
            out.extend_from_slice(&png_chunk(b"eXIf", &orientation_only_exif(orientation)));
            orientation_written = true;
        }
        if &kind == b"IEND" {
            // Anything after IEND is not part of the image.
            return Ok(out);
        }
    }

    // The data ended on a chunk boundary without IEND: supply it, as for a JPEG without EOI.
    if !seen_header {
        return Err(Rejection::Corrupt);
    }
    out.extend_from_slice(PNG_IEND);
    Ok(out)
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
pub(super) fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = Vec::with_capacity(data.len() + 12);
    chunk.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    chunk.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
    chunk
}

/// CRC-32 (IEEE, as PNG uses), bit by bit: it only ever runs over a few dozen bytes here,
/// which does not justify a table or a dependency.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in parts.iter().flat_map(|part| part.iter()) {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

// ---------------------------------------------------------------------------------------------
// WebP: a RIFF file, "RIFF" size "WEBP", then chunks (FourCC, little-endian size, data, a pad
// byte when the size is odd). The extended format starts with a VP8X chunk whose flags say
// which optional chunks exist; decoders reject a file whose flags promise a missing chunk.

/// Image data, alpha, animation and colour profile; EXIF, XMP and unknown chunks go.
const WEBP_KEPT: &[&[u8; 4]] = &[
    b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];
const VP8X_EXIF_FLAG: u8 = 0x08;
const VP8X_XMP_FLAG: u8 = 0x04;

fn strip_webp(b: &[u8]) -> Result<Vec<u8>, Rejection> {
    if b.get(0..4) != Some(b"RIFF") || b.get(8..12) != Some(b"WEBP") {
        return Err(Rejection::Corrupt);
    }
    let riff_size =
        usize::try_from(le_u32(b, 4).ok_or(Rejection::Corrupt)?).map_err(|_| Rejection::Corrupt)?;
    // Bytes past the RIFF size are not part of the file; a RIFF size past the end of the
    // bytes means the file was cut short.
    let mut rest = riff_size
        .checked_add(8)
        .and_then(|end| b.get(12..end))
        .ok_or(Rejection::Corrupt)?;

    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    let mut vp8x_flags_at = None;
    let mut orientation_written = false;

    while !rest.is_empty() {
        let fourcc: [u8; 4] = rest
            .get(0..4)
            .and_then(|f| f.try_into().ok())
            .ok_or(Rejection::Corrupt)?;
        let size = usize::try_from(le_u32(rest, 4).ok_or(Rejection::Corrupt)?)
            .map_err(|_| Rejection::Corrupt)?;
        let data = size
            .checked_add(8)
            .and_then(|end| rest.get(8..end))
            .ok_or(Rejection::Corrupt)?;
        // A missing pad byte after the last chunk is tolerated; it is written back below.
        rest = rest.get(8 + size + size % 2..).unwrap_or_default();

        if WEBP_KEPT.contains(&&fourcc) {
            if &fourcc == b"VP8X" {
                if data.len() < 10 || vp8x_flags_at.is_some() {
                    return Err(Rejection::Corrupt);
                }
                vp8x_flags_at = Some(out.len() + 8);
            }
            push_riff_chunk(&mut out, &fourcc, data);
        } else if &fourcc == b"EXIF"
            // Only the extended format can carry EXIF; a simple file's stray EXIF chunk is
            // ignored by decoders anyway.
            && vp8x_flags_at.is_some()
            && !orientation_written
            && let Some(orientation) = exif_orientation(data)
        {
            push_riff_chunk(&mut out, b"EXIF", &orientation_only_exif(orientation));
            orientation_written = true;
        }
    }

    if let Some(flags) = vp8x_flags_at.and_then(|at| out.get_mut(at)) {
        *flags &= !(VP8X_EXIF_FLAG | VP8X_XMP_FLAG);
        if orientation_written {
            *flags |= VP8X_EXIF_FLAG;
        }
    }
    let riff_size = u32::try_from(out.len() - 8).map_err(|_| Rejection::Corrupt)?;
    if let Some(field) = out.get_mut(4..8) {
        field.copy_from_slice(&riff_size.to_le_bytes());
    }
    Ok(out)
}

/// Appends a RIFF chunk: FourCC, little-endian size, data, zero pad byte if the size is odd.
pub(super) fn push_riff_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::fixtures::{
        self, contains, exif_tiff, jpeg_segment, jpeg_with, png_chunk, png_with, riff_chunk,
        webp_extended,
    };
    use super::*;

    /// A full pixel decode, done only here in the tests: stripping itself never decodes.
    fn decodes_to(bytes: &[u8], width: u32, height: u32) {
        let image = image::load_from_memory(bytes).unwrap();
        assert_eq!((image.width(), image.height()), (width, height));
    }

    const MARKERS: &[&[u8]] = &[
        b"GPSLatitude-MARKER",
        b"XMP-MARKER",
        b"IPTC-MARKER",
        b"COMMENT-MARKER",
        b"THUMB-MARKER",
        b"TRAILER-MARKER",
        b"TEXT-MARKER",
        b"PRIVATE-MARKER",
    ];

    fn assert_clean(bytes: &[u8]) {
        for marker in MARKERS {
            assert!(
                !contains(bytes, marker),
                "{} survived",
                String::from_utf8_lossy(marker)
            );
        }
    }

    fn check(stripped: &[u8], format: Format, width: u32, height: u32) {
        assert_clean(stripped);
        let info = inspect(stripped).unwrap();
        assert_eq!(
            (info.format, info.width, info.height),
            (format, width, height)
        );
        decodes_to(stripped, width, height);
    }

    fn dirty_jpeg() -> Vec<u8> {
        let clean = fixtures::jpeg(33, 17);
        let mut dirty = jpeg_with(
            &clean,
            &[
                jpeg_segment(APP1, b"Exif\0\0GPSLatitude-MARKER, not even valid TIFF"),
                jpeg_segment(
                    APP1,
                    b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>XMP-MARKER</x:xmpmeta>",
                ),
                jpeg_segment(0xED, b"Photoshop 3.0\08BIM\x04\x04IPTC-MARKER"),
                jpeg_segment(COM, b"COMMENT-MARKER"),
                jpeg_segment(APP2, b"MPF\0MM\0*TRAILER-MARKER"),
            ],
        );
        // After EOI, as MPF files and "motion photos" append a second image or a video.
        dirty.extend(jpeg_with(
            &clean,
            &[jpeg_segment(APP1, b"Exif\0\0TRAILER-MARKER")],
        ));
        dirty
    }

    #[test]
    fn jpeg_loses_exif_xmp_iptc_comments_and_trailing_data() {
        let dirty = dirty_jpeg();
        assert_eq!(
            inspect(&dirty).unwrap().width,
            33,
            "the fixture itself is valid"
        );
        assert!(contains(&dirty, b"GPSLatitude-MARKER"));

        let stripped = strip_metadata(&dirty, Format::Jpeg).unwrap();
        check(&stripped, Format::Jpeg, 33, 17);
        assert!(stripped.ends_with(&[0xFF, EOI]));
        // The encoder's JFIF APP0 is still first.
        assert_eq!(&stripped[2..4], &[0xFF, APP0]);
        assert_eq!(&stripped[6..11], b"JFIF\0");
    }

    #[test]
    fn jpeg_keeps_icc_profile_and_adobe_segment() {
        let clean = fixtures::jpeg(33, 17);
        let icc = jpeg_segment(APP2, b"ICC_PROFILE\0\x01\x01ICC-PROFILE-BYTES");
        // Adobe: version 100, flags 0, 0, transform 1 (YCbCr), which matches this image.
        let adobe = jpeg_segment(APP14, b"Adobe\0\x64\0\0\0\0\x01");
        let dirty = jpeg_with(
            &clean,
            &[
                icc.clone(),
                jpeg_segment(APP1, b"Exif\0\0GPSLatitude-MARKER"),
                adobe.clone(),
            ],
        );
        let stripped = strip_metadata(&dirty, Format::Jpeg).unwrap();
        check(&stripped, Format::Jpeg, 33, 17);
        assert!(contains(&stripped, &icc));
        assert!(contains(&stripped, &adobe));
    }

    #[test]
    fn jpeg_jfif_thumbnail_is_cut_off() {
        let clean = fixtures::jpeg(33, 17);
        // JFIF 1.02, no units, density 1×1, a 2×2 RGB thumbnail: 12 bytes.
        let mut jfif = b"JFIF\0\x01\x02\0\0\x01\0\x01\x02\x02".to_vec();
        jfif.extend_from_slice(b"THUMB-MARKER");
        // JFXX: an APP0 holding only a thumbnail.
        let jfxx = jpeg_segment(APP0, b"JFXX\0\x10THUMB-MARKER");
        let dirty = jpeg_with(&clean, &[jpeg_segment(APP0, &jfif), jfxx]);
        let stripped = strip_metadata(&dirty, Format::Jpeg).unwrap();
        check(&stripped, Format::Jpeg, 33, 17);
        // The thumbnail-free JFIF header is kept, with a 0×0 thumbnail.
        assert!(contains(
            &stripped,
            &jpeg_segment(APP0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0")
        ));
    }

    #[test]
    fn jpeg_orientation_survives_alone() {
        let clean = fixtures::jpeg(33, 17);
        let exif = [
            b"Exif\0\0".as_slice(),
            &exif_tiff(6, b"GPSLatitude-MARKER\0"),
        ]
        .concat();
        let dirty = jpeg_with(&clean, &[jpeg_segment(APP1, &exif)]);
        let stripped = strip_metadata(&dirty, Format::Jpeg).unwrap();
        check(&stripped, Format::Jpeg, 33, 17);

        let app1 = stripped.windows(2).position(|w| w == [0xFF, APP1]).unwrap();
        let length = usize::from(be_u16(&stripped, app1 + 2).unwrap());
        let payload = &stripped[app1 + 4..app1 + 2 + length];
        assert_eq!(exif_orientation(payload), Some(6));
        assert_eq!(payload.len(), 6 + ORIENTATION_EXIF_LEN);
    }

    #[test]
    fn jpeg_normal_orientation_drops_exif_entirely() {
        let clean = fixtures::jpeg(33, 17);
        let exif = [
            b"Exif\0\0".as_slice(),
            &exif_tiff(1, b"GPSLatitude-MARKER\0"),
        ]
        .concat();
        let stripped = strip_metadata(
            &jpeg_with(&clean, &[jpeg_segment(APP1, &exif)]),
            Format::Jpeg,
        )
        .unwrap();
        check(&stripped, Format::Jpeg, 33, 17);
        assert!(!stripped.windows(2).any(|w| w == [0xFF, APP1]));
    }

    #[test]
    fn jpeg_comment_after_the_scan_is_removed_too() {
        let clean = fixtures::jpeg(33, 17);
        let (body, eoi) = clean.split_at(clean.len() - 2);
        assert_eq!(eoi, [0xFF, EOI]);
        let dirty = [body, &jpeg_segment(COM, b"COMMENT-MARKER"), eoi].concat();
        let stripped = strip_metadata(&dirty, Format::Jpeg).unwrap();
        check(&stripped, Format::Jpeg, 33, 17);
        assert_eq!(stripped, strip_metadata(&clean, Format::Jpeg).unwrap());
    }

    #[test]
    fn jpeg_without_eoi_gets_one() {
        let clean = fixtures::jpeg(33, 17);
        let stripped = strip_metadata(&clean[..clean.len() - 2], Format::Jpeg).unwrap();
        assert_eq!(stripped, strip_metadata(&clean, Format::Jpeg).unwrap());
    }

    #[test]
    fn png_loses_exif_text_time_and_private_chunks() {
        let clean = fixtures::png(33, 17);
        let dirty = png_with(
            &clean,
            &[
                png_chunk(b"tEXt", b"Comment\0TEXT-MARKER"),
                png_chunk(b"zTXt", b"Comment\0\0TEXT-MARKER (not really compressed)"),
                png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0XMP-MARKER"),
                png_chunk(b"tIME", &[0x07, 0xE9, 5, 17, 12, 30, 0]),
                png_chunk(b"eXIf", b"MM\0*\0\0\0\x08GPSLatitude-MARKER"),
                png_chunk(b"prVt", b"PRIVATE-MARKER"),
            ],
        );
        assert_eq!(
            inspect(&dirty).unwrap().width,
            33,
            "the fixture itself is valid"
        );

        let stripped = strip_metadata(&dirty, Format::Png).unwrap();
        check(&stripped, Format::Png, 33, 17);
        assert!(!contains(&stripped, b"tIME"));
        // Nothing but metadata was added, so nothing else changed.
        assert_eq!(stripped, clean);
    }

    #[test]
    fn png_keeps_colour_and_transparency_chunks() {
        let clean = fixtures::png(33, 17);
        // Inserted right after IHDR (signature 8 + IHDR 25), where they belong.
        let kept = [
            png_chunk(b"sRGB", &[0]),
            png_chunk(b"gAMA", &45455u32.to_be_bytes()),
            png_chunk(b"pHYs", &[0, 0, 0x0B, 0x13, 0, 0, 0x0B, 0x13, 1]),
        ]
        .concat();
        let dirty = [&clean[..33], &kept, &clean[33..]].concat();
        let stripped = strip_metadata(&dirty, Format::Png).unwrap();
        check(&stripped, Format::Png, 33, 17);
        assert_eq!(stripped, dirty);
    }

    #[test]
    fn png_orientation_survives_alone() {
        let clean = fixtures::png(33, 17);
        let exif = exif_tiff(8, b"GPSLatitude-MARKER\0");
        // eXIf before IDAT, as the PNG extensions ask for it to be honoured.
        let dirty = [&clean[..33], &png_chunk(b"eXIf", &exif), &clean[33..]].concat();
        let stripped = strip_metadata(&dirty, Format::Png).unwrap();
        check(&stripped, Format::Png, 33, 17);
        let expected = png_chunk(b"eXIf", &orientation_only_exif(8));
        assert!(contains(&stripped, &expected));
        assert_eq!(
            exif_orientation(&expected[8..8 + ORIENTATION_EXIF_LEN]),
            Some(8)
        );
    }

    #[test]
    fn png_trailing_data_is_dropped() {
        let clean = fixtures::png(33, 17);
        let dirty = [clean.as_slice(), b"TRAILER-MARKER"].concat();
        assert_eq!(strip_metadata(&dirty, Format::Png).unwrap(), clean);
    }

    #[test]
    fn webp_loses_exif_and_xmp_and_their_flags() {
        let dirty = webp_extended(
            33,
            17,
            VP8X_EXIF_FLAG | VP8X_XMP_FLAG,
            &[
                riff_chunk(b"EXIF", b"MM\0*\0\0\0\x08GPSLatitude-MARKER"),
                riff_chunk(b"XMP ", b"<x:xmpmeta>XMP-MARKER</x:xmpmeta>"),
                riff_chunk(b"prVt", b"PRIVATE-MARKER!"), // odd size: padded
            ],
        );
        assert_eq!(
            inspect(&dirty).unwrap().width,
            33,
            "the fixture itself is valid"
        );
        decodes_to(&dirty, 33, 17);

        let stripped = strip_metadata(&dirty, Format::Webp).unwrap();
        check(&stripped, Format::Webp, 33, 17);
        assert_eq!(&stripped[12..16], b"VP8X");
        assert_eq!(stripped[20] & (VP8X_EXIF_FLAG | VP8X_XMP_FLAG), 0);
        assert_eq!(
            le_u32(&stripped, 4).unwrap() as usize,
            stripped.len() - 8,
            "RIFF size rewritten"
        );
    }

    #[test]
    fn webp_orientation_survives_alone() {
        let dirty = webp_extended(
            33,
            17,
            VP8X_EXIF_FLAG,
            &[riff_chunk(b"EXIF", &exif_tiff(6, b"GPSLatitude-MARKER\0"))],
        );
        let stripped = strip_metadata(&dirty, Format::Webp).unwrap();
        check(&stripped, Format::Webp, 33, 17);
        assert_eq!(stripped[20] & VP8X_EXIF_FLAG, VP8X_EXIF_FLAG);
        assert!(stripped.ends_with(&riff_chunk(b"EXIF", &orientation_only_exif(6))));
    }

    #[test]
    fn simple_webp_is_unchanged() {
        let clean = fixtures::webp(33, 17);
        assert_eq!(strip_metadata(&clean, Format::Webp).unwrap(), clean);
    }

    #[test]
    fn stripping_is_idempotent() {
        for (dirty, format) in [
            (dirty_jpeg(), Format::Jpeg),
            (fixtures::png(9, 7), Format::Png),
            (
                webp_extended(
                    9,
                    7,
                    VP8X_EXIF_FLAG,
                    &[riff_chunk(b"EXIF", &exif_tiff(3, b""))],
                ),
                Format::Webp,
            ),
        ] {
            let once = strip_metadata(&dirty, format).unwrap();
            assert_eq!(strip_metadata(&once, format).unwrap(), once, "{format:?}");
        }
    }

    #[test]
    fn wrong_format_or_garbage_is_corrupt() {
        let png = fixtures::png(9, 7);
        assert_eq!(strip_metadata(&png, Format::Jpeg), Err(Rejection::Corrupt));
        assert_eq!(strip_metadata(&png, Format::Webp), Err(Rejection::Corrupt));
        assert_eq!(
            strip_metadata(&fixtures::jpeg(9, 7), Format::Png),
            Err(Rejection::Corrupt)
        );
        assert_eq!(strip_metadata(b"", Format::Png), Err(Rejection::Corrupt));
        // A JPEG with tables but no scan has no image to show.
        assert_eq!(
            strip_metadata(&[0xFF, SOI, 0xFF, EOI], Format::Jpeg),
            Err(Rejection::Corrupt)
        );
        // A RIFF size beyond the end of the data: cut short.
        let mut webp = fixtures::webp(9, 7);
        webp.truncate(webp.len() - 4);
        assert_eq!(strip_metadata(&webp, Format::Webp), Err(Rejection::Corrupt));
    }

    #[test]
    fn never_panics_on_prefixes_or_flipped_bytes() {
        for (image, format) in [
            (dirty_jpeg(), Format::Jpeg),
            (fixtures::png(9, 7), Format::Png),
            (
                webp_extended(
                    9,
                    7,
                    VP8X_EXIF_FLAG,
                    &[riff_chunk(b"EXIF", &exif_tiff(6, b""))],
                ),
                Format::Webp,
            ),
        ] {
            for end in 0..image.len() {
                let _ = strip_metadata(&image[..end], format);
            }
            for at in 0..image.len() {
                let mut flipped = image.clone();
                flipped[at] ^= 0xA5;
                let _ = strip_metadata(&flipped, format);
            }
        }
    }

    #[test]
    fn exif_orientation_reads_both_byte_orders_and_refuses_nonsense() {
        assert_eq!(exif_orientation(&exif_tiff(5, b"x")), Some(5));
        assert_eq!(exif_orientation(&orientation_only_exif(7)), Some(7));
        assert_eq!(
            exif_orientation(&[b"Exif\0\0".as_slice(), &orientation_only_exif(2)].concat()),
            Some(2)
        );
        assert_eq!(exif_orientation(&exif_tiff(1, b"x")), None);
        assert_eq!(exif_orientation(&exif_tiff(9, b"x")), None);
        assert_eq!(exif_orientation(b"MM\0*\xff\xff\xff\xff"), None);
        assert_eq!(exif_orientation(b"not exif"), None);
    }

    #[test]
    fn crc32_matches_the_png_reference() {
        // IEND's CRC is fixed by the format.
        assert_eq!(png_chunk(b"IEND", &[]), PNG_IEND);
        assert_eq!(crc32(&[b"123456789"]), 0xCBF4_3926);
    }
}
