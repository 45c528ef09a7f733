//! The same note as another platform renders it. Xiaohongshu writes a topic as
//! `#话题[话题]#` and an in-app sticker as a short name in brackets (`[笑哭R]`);
//! Weibo writes `#话题#`, and a forum or review site has neither. A reader sees
//! the same words, so the score should not move.

use super::rewrite::changed;
use crate::model::without_markup;

/// Every platform markup bracket (`[话题]`, `[超话]`, stickers such as `[笑哭R]`)
/// removed: `#秋天[话题]#` becomes `#秋天#`. `None` when the note has none.
pub fn plain_markup(text: &str) -> Option<String> {
    changed(text, without_markup(text))
}

#[cfg(test)]
mod tests {
    use super::plain_markup;

    #[test]
    fn markup_goes_and_the_words_stay() {
        assert_eq!(
            plain_markup("秋天去爬山[哇R] #秋天[话题]# #爬山[话题]#").unwrap(),
            "秋天去爬山 #秋天# #爬山#"
        );
        assert_eq!(plain_markup("#秋天# 去爬山"), None);
        // Longer brackets are the writer's own words, not markup.
        assert_eq!(plain_markup("[小贴士：早点出发避开人流]"), None);
    }
}
