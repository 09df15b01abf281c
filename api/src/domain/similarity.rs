//! How alike two texts are, for spotting duplicate submissions: the Jaccard similarity of their
//! character bigrams. Chinese has no spaces, so words cannot be split cheaply; bigrams of
//! characters catch shared phrases (“路灯不亮”, “加装电梯”) in Chinese and English alike.

use std::collections::HashSet;

/// The bigrams of `text`'s letters and digits (punctuation and spaces dropped, lower-cased).
pub fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// |A ∩ B| / |A ∪ B|, from 0 (nothing shared) to 1 (the same bigrams); 0 when both are empty.
pub fn jaccard(a: &HashSet<(char, char)>, b: &HashSet<(char, char)>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    let shared = a.intersection(b).count();
    shared as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_matter_scores_higher_than_another() {
        let a = bigrams("幸福路路灯不亮，晚上出行不安全");
        let b = bigrams("幸福路的路灯坏了不亮");
        let c = bigrams("学校门口早高峰拥堵");
        assert!(jaccard(&a, &b) > 0.2, "{}", jaccard(&a, &b));
        assert!(jaccard(&a, &c) < 0.05);
        assert!((jaccard(&a, &a) - 1.0).abs() < f64::EPSILON);
        assert_eq!(jaccard(&bigrams(""), &bigrams("!")), 0.0);
        assert_eq!(bigrams("Ab, ab"), bigrams("abab"));
    }
}
