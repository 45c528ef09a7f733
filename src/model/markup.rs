//! Platform markup in real notes: the `[话题]` of a topic tag and the in-app
//! stickers written as a short name in brackets (`[哭惹R]`, `[doge]`). Real notes
//! are full of them and our written ones are not, so as n-grams they would teach
//! "who wrote this", not "is this an ad"; the features skip them.

use std::sync::LazyLock;

use regex::Regex;

use crate::text::Token;

static MARKUP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[[^\[\]\s]{1,6}\]").expect("markup pattern compiles"));

/// `text` with every markup bracket (`[话题]`, `[哭惹R]`) written as spaces, one
/// space for each char, so char offsets stay those of `text`: what the encoder
/// reads, as the n-grams skip the same brackets.
pub(crate) fn blank_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for m in MARKUP.find_iter(text) {
        out.push_str(&text[from..m.start()]);
        out.extend(m.as_str().chars().map(|_| ' '));
        from = m.end();
    }
    out.push_str(&text[from..]);
    out
}

/// `text` with every markup bracket removed (`#秋天[话题]#` → `#秋天#`): the
/// note as a platform without this markup shows it.
pub(crate) fn without_markup(text: &str) -> String {
    MARKUP.replace_all(text, "").into_owned()
}

/// Which tokens sit inside a markup bracket (`[`, at most 6 chars, `]`).
pub(crate) fn markup_tokens(tokens: &[Token]) -> Vec<bool> {
    let mut out = vec![false; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].word == "[" {
            let mut chars = 0;
            let close = (i + 1..tokens.len()).find(|&j| {
                chars += tokens[j].word.chars().count();
                tokens[j].word == "]" || chars > 7
            });
            if let Some(j) = close.filter(|&j| tokens[j].word == "]") {
                out[i + 1..j].iter_mut().for_each(|m| *m = true);
                i = j;
            }
        }
        i += 1;
    }
    out
}

/// For each of `chars` (the `char_indices` of `text`): a letter, digit or CJK
/// character outside markup.
pub(crate) fn content_chars(text: &str, chars: &[(usize, char)]) -> Vec<bool> {
    let mut marked = MARKUP.find_iter(text).map(|m| m.range()).peekable();
    chars
        .iter()
        .map(|&(b, c)| {
            while marked.peek().is_some_and(|r| r.end <= b) {
                marked.next();
            }
            crate::text::is_word_char(c) && !marked.peek().is_some_and(|r| r.contains(&b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::blank_markup;
    use crate::model::features::explain;

    #[test]
    fn blanked_markup_keeps_char_offsets() {
        let note = "秋天去爬山 #秋天[话题]# [哭惹R]好累";
        let read = blank_markup(note);
        assert_eq!(
            read,
            format!("秋天去爬山 #秋天{}# {}好累", " ".repeat(4), " ".repeat(5))
        );
        assert_eq!(read.chars().count(), note.chars().count());
        assert_eq!(
            blank_markup("[小贴士：早点出发避开人流]"),
            "[小贴士：早点出发避开人流]"
        );
    }

    #[test]
    fn platform_markup_is_not_an_ngram() {
        let names = |t: &str| -> Vec<String> {
            let a = crate::signals::analyze(t, false);
            let ex = explain(&a);
            ex.features.iter().map(|e| e.name.to_string()).collect()
        };
        let tagged = names("秋天去爬山 #秋天[话题]# [哭惹R]");
        assert!(
            !tagged.iter().any(|n| n.contains('题') || n.contains('惹')),
            "{tagged:?}"
        );
        assert!(tagged.iter().any(|n| n == "字:秋天"), "{tagged:?}");
        // Words in ordinary brackets stay content.
        let plain = names("这个话题很有意思 [小贴士：早点出发避开人流]");
        assert!(plain.iter().any(|n| n.contains("话题")), "{plain:?}");
        assert!(plain.iter().any(|n| n.contains("贴士")), "{plain:?}");
    }
}
