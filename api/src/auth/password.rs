//! Password hashing with argon2id at OWASP's recommended cost (19 MiB, 2 passes, 1 lane).
//!
//! Hashing takes tens of milliseconds on purpose; callers run it on the blocking pool.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{ApiError, FieldError};
use crate::i18n::Text;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

fn hasher() -> Result<Argon2<'static>, argon2::Error> {
    let params = Params::new(19 * 1024, 2, 1, None)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of `password`, with a fresh random salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let hash = hasher()
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("argon2 hashing: {e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `phc`. A malformed PHC string never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(argon2) = hasher() else {
        return false;
    };
    argon2.verify_password(password.as_bytes(), &parsed).is_ok()
}

/// Spends the same time as [`verify`] without a real hash, so that an unknown username costs an
/// attacker as much time as a known one and timing tells them nothing.
pub fn verify_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(phc) = DUMMY.get_or_init(|| hash("lianluo-dummy-password").ok()) {
        let _ = verify(password, phc);
    }
}

/// Runs a CPU-heavy closure on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    actix_web::web::block(f).await.map_err(ApiError::internal)
}

/// The password policy: 10 to 128 characters, not the username, not all one character.
pub fn check_policy(field: &str, password: &str, username: Option<&str>) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&chars) {
        return Err(FieldError::new(
            field,
            "length",
            Text::new(
                format!("密码长度必须在 {MIN_LEN} 到 {MAX_LEN} 个字符之间。"),
                format!("The password must be {MIN_LEN} to {MAX_LEN} characters long."),
            ),
        ));
    }
    let same_as_username = username.is_some_and(|u| u.eq_ignore_ascii_case(password));
    let mut distinct = password.chars().collect::<Vec<_>>();
    distinct.sort_unstable();
    distinct.dedup();
    if same_as_username || distinct.len() < 3 {
        return Err(FieldError::new(
            field,
            "weak_password",
            Text::fixed(
                "密码过于简单：不能与用户名相同，且至少包含 3 个不同字符。",
                "The password is too weak: it may not equal the username and needs at least 3 different characters.",
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_argon2id() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery", &phc));
        assert!(!verify("wrong horse battery", &phc));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn policy_refuses_weak_passwords() {
        assert!(check_policy("p", "short", None).is_err());
        assert!(check_policy("p", &"x".repeat(129), None).is_err());
        assert!(check_policy("p", "aaaaaaaaaaaa", None).is_err());
        assert!(check_policy("p", "Administrator", Some("administrator")).is_err());
        assert!(check_policy("p", "联络站密码很安全啊", None).is_err()); // 9 characters
        assert!(check_policy("p", "联络站的密码很安全啊", None).is_ok());
    }
}
