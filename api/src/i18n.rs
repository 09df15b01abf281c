//! The two languages of human-readable messages: simplified Chinese (the default) and English.
//!
//! Machine-readable parts of a response (codes, field names) never change with the language;
//! only `title`, `detail` and validation `message`s do, following `Accept-Language`.

use std::borrow::Cow;

use actix_web::HttpRequest;
use actix_web::http::header::{AcceptLanguage, Header, LanguageTag, Preference};

/// A language a message can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    /// The client's preferred language among ours: English only when it ranks English above
    /// Chinese (or asks for English and not Chinese); Chinese otherwise.
    pub fn negotiate(req: &HttpRequest) -> Lang {
        let Ok(accept) = AcceptLanguage::parse(req) else {
            return Lang::ZhCn;
        };
        for preference in accept.ranked() {
            match preference {
                Preference::Any => return Lang::ZhCn,
                Preference::Specific(tag) => {
                    if let Some(lang) = Self::from_tag(&tag) {
                        return lang;
                    }
                }
            }
        }
        Lang::ZhCn
    }

    fn from_tag(tag: &LanguageTag) -> Option<Lang> {
        match tag.primary_language() {
            "zh" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The `Content-Language` value for this language.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    pub const fn fixed(zh: &'static str, en: &'static str) -> Self {
        Text {
            zh: Cow::Borrowed(zh),
            en: Cow::Borrowed(en),
        }
    }

    pub fn new(zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn lang(header: Option<&str>) -> Lang {
        let mut req = TestRequest::default();
        if let Some(value) = header {
            req = req.insert_header(("Accept-Language", value));
        }
        Lang::negotiate(&req.to_http_request())
    }

    #[test]
    fn chinese_is_the_default() {
        assert_eq!(lang(None), Lang::ZhCn);
        assert_eq!(lang(Some("fr")), Lang::ZhCn);
        assert_eq!(lang(Some("*")), Lang::ZhCn);
        assert_eq!(lang(Some("not a header;;")), Lang::ZhCn);
    }

    #[test]
    fn english_when_ranked_first() {
        assert_eq!(lang(Some("en")), Lang::En);
        assert_eq!(lang(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(lang(Some("fr, en;q=0.8, zh;q=0.5")), Lang::En);
        assert_eq!(lang(Some("zh-CN, en;q=0.8")), Lang::ZhCn);
        assert_eq!(lang(Some("en;q=0.3, zh-TW;q=0.9")), Lang::ZhCn);
    }
}
