//! "Did you mean": the known name closest to a misspelt one.

/// The candidate closest to `word` by edit distance (case-insensitive, `_` and `-` alike),
/// if it is close enough to be a likely typo: at most a third of the word's length apart,
/// and at least one edit allowed. A candidate that contains the word, or is contained in
/// it, also counts (`slate` → `slate_size`).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .map(|c| {
                if c == '_' {
                    '-'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    };
    let w = norm(word);
    if w.is_empty() {
        return None;
    }
    let allowed = (w.len() / 3).max(1);
    candidates
        .into_iter()
        .filter_map(|c| {
            let n = norm(c);
            let d = distance(&w, &n);
            let contains = n.len() >= 3 && w.len() >= 3 && (contains(&n, &w) || contains(&w, &n));
            (d <= allowed || contains).then_some((d, c))
        })
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

fn contains(hay: &[char], needle: &[char]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Levenshtein distance.
fn distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_word() {
        let keys = ["latent_dim", "slate_size", "organic_rate", "seed"];
        assert_eq!(closest("slate_sise", keys), Some("slate_size"));
        assert_eq!(closest("slate", keys), Some("slate_size"));
        assert_eq!(closest("Latent-Dim", keys), Some("latent_dim"));
        assert_eq!(closest("sed", keys), Some("seed"));
        assert_eq!(closest("colour", keys), None);
        assert_eq!(closest("", keys), None);
        let names = ["item-cf", "user-cf", "popularity"];
        assert_eq!(closest("itemcf", names), Some("item-cf"));
        assert_eq!(closest("item_cf", names), Some("item-cf"));
        assert_eq!(closest("populrity", names), Some("popularity"));
    }

    #[test]
    fn distances() {
        let d = |a: &str, b: &str| {
            distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("abc", "abc"), 0);
    }
}
