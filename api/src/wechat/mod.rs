//! The WeChat mini-program server API, as far as lianluo uses it: turning a `wx.login` code into
//! the user's openid (`code_to_session`) and a `getPhoneNumber` code into their phone number
//! (`phone_number`).
//!
//! WeChat answers almost every failure as HTTP 200 with `{"errcode": N, "errmsg": "..."}`; this
//! module turns those codes, and the failures of the network itself, into one [`Error`] whose
//! variants say what the caller should do (ask for a new code, come back later, or log a
//! misconfiguration and answer 503).
//!
//! `getuserphonenumber` needs an access token. [`WeChat`] fetches it from `cgi-bin/stable_token`,
//! caches it until shortly before it expires, lets concurrent requests share one fetch, and
//! fetches a new one (retrying once) when WeChat says the cached one is no longer valid.
//!
//! Secrets stay inside: the app secret, the login and phone codes, the `session_key`, the access
//! token and the phone number are never logged, never in a `Debug` output and never in an error
//! message. The `session_key` is not even kept: lianluo does not decrypt WeChat payloads, so it is
//! ignored while parsing.
//!
//! The caller builds the `reqwest::Client` (after installing the rustls crypto provider); the
//! module applies [`Config::timeout`] to each request.

mod client;
mod token;

pub use client::{
    Config, DEFAULT_API_BASE, DEFAULT_TIMEOUT, Error, Identity, Phone, Secret, WeChat,
};
