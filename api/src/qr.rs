//! QR codes for printing on station boards and deputy cards (码上找代表): the public code put
//! into the configured URL template, drawn by the `qrcode` crate as SVG or PNG.

use image::{ImageEncoder, Luma};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The smallest and largest image a client may ask for, in pixels. Below 128 a printed code
/// is hard to scan; above 2048 it only costs memory.
pub const MIN_SIZE: u32 = 128;
pub const MAX_SIZE: u32 = 2048;

/// The picture formats on offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Svg => "image/svg+xml",
            Format::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// The URL a code's QR code carries: `template` with `{code}` replaced.
pub fn url_for(template: &str, code: &str) -> String {
    template.replace("{code}", code)
}

/// Draws `content` at most `size` pixels square (the modules are whole pixels, so the picture
/// may come out a little smaller), with the quiet zone scanners need.
pub fn render(content: &str, format: Format, size: u32) -> anyhow::Result<Vec<u8>> {
    // Level M survives a scuffed or partly covered board and still keeps codes small.
    let code = QrCode::with_error_correction_level(content.as_bytes(), EcLevel::M)?;
    match format {
        Format::Svg => Ok(code
            .render::<svg::Color<'_>>()
            .max_dimensions(size, size)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build()
            .into_bytes()),
        Format::Png => {
            let image = code.render::<Luma<u8>>().max_dimensions(size, size).build();
            let mut png = Vec::new();
            image::codecs::png::PngEncoder::new(&mut png).write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::L8,
            )?;
            Ok(png)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pngs_fit_the_size_asked_for() {
        let png = render("https://example.invalid/q/S2345678", Format::Png, 300).unwrap();
        let image = image::load_from_memory(&png).unwrap();
        assert!(
            image.width() <= 300 && image.width() > 200,
            "{}",
            image.width()
        );
        assert_eq!(image.width(), image.height());
    }

    #[test]
    fn svgs_are_svg() {
        let svg = render("https://example.invalid/q/D2345678", Format::Svg, 256).unwrap();
        let text = String::from_utf8(svg).unwrap();
        assert!(text.contains("<svg"), "{text}");
    }

    #[test]
    fn the_template_takes_the_code() {
        assert_eq!(
            url_for("https://rd.example.cn/m/?c={code}", "S2345678"),
            "https://rd.example.cn/m/?c=S2345678"
        );
    }
}
