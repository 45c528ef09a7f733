//! Casual title lines on half of the hand-written training notes, ads and
//! organic notes alike.
//!
//! Our writers put casual words (记录, 一下, 随手) into organic notes more often
//! than into ads: in the written train split 记录 is in 4.5 % of the organic
//! notes and 2.8 % of the ads. Real notes do not lean that way (记录 in 5.9 % of
//! the real organic train notes and 5.7 % of the real ads; 一下 6.2 % and 6.7 %),
//! so the lean is a habit of our writing, and a casual title line moved a note's
//! score by it (issue 15, `prepend_title`). Giving both classes of the written
//! corpus the same casual titles leaves those words nothing to tell.
//!
//! The linear model and the encoder head train on the titled notes; the
//! nearest-examples index keeps the notes as written (it is what users are
//! shown), and dev and test are never touched. The title of the invariance
//! suite (随手记录一下) is not in the list.

use sha2::{Digest, Sha256};

use crate::data::{Label, LabeledNote};

/// Title lines a casual poster puts above a note, written by this team. None
/// says anything about a product, a price or a purchase.
pub const CASUAL_TITLES: &[&str] = &[
    "记录一下",
    "随手拍拍",
    "随手分享",
    "分享一下",
    "简单记录",
    "记录生活",
    "今日份记录",
    "碎碎念",
    "随便聊聊",
    "随便写写",
    "聊一下",
    "说一下最近",
    "来交作业了",
    "小记",
    "随记",
    "今天的分享",
    "最近的近况",
    "一点小心得",
    "日常一下",
    "流水账",
    "周末记录",
    "打卡",
    "更新一下",
    "补个帖",
    "唠唠",
    "随手一记",
    "简单说说",
    "记录一下这几天",
    "随手记",
    "来分享一下",
];

/// The source whose notes get titles.
const WRITTEN: &str = "written";

/// A number from the seed and the note, the same on every run.
fn draw(seed: u64, note: &LabeledNote) -> u64 {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(note.id.as_deref().unwrap_or(&note.text).as_bytes());
    let d = h.finalize();
    u64::from_le_bytes(d[..8].try_into().expect("sha256 has 32 bytes"))
}

/// Puts a casual title line above half of the hand-written notes of each
/// label (which half is chosen by `seed`); the titles go round in list order
/// within each label, so every title sits on as many ads as organic notes (±1).
/// Other sources are left as they are. Returns how many notes got one.
pub fn add_casual_titles(notes: &mut [LabeledNote], seed: u64) -> usize {
    let mut added = 0;
    for label in [Label::Ad, Label::Organic] {
        let mut picked: Vec<(u64, usize)> = (notes.iter().enumerate())
            .filter(|(_, n)| n.label == label && n.source.as_deref() == Some(WRITTEN))
            .map(|(i, n)| (draw(seed, n), i))
            .collect();
        picked.sort_unstable();
        picked.truncate(picked.len() / 2);
        picked.sort_unstable_by_key(|&(_, i)| i);
        for (k, &(_, i)) in picked.iter().enumerate() {
            let n = &mut notes[i];
            n.text = format!("{}\n{}", CASUAL_TITLES[k % CASUAL_TITLES.len()], n.text);
            added += 1;
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(i: usize, label: Label, source: &str) -> LabeledNote {
        let mut n = LabeledNote::new(Some(format!("n{i}")), &format!("正文{i}"), label);
        n.source = Some(source.into());
        n
    }

    #[test]
    fn half_of_each_label_of_written_notes_get_a_title() {
        let mut notes: Vec<_> = (0..400)
            .map(|i| {
                let label = if i % 2 == 0 {
                    Label::Ad
                } else {
                    Label::Organic
                };
                note(i, label, WRITTEN)
            })
            .collect();
        let added = add_casual_titles(&mut notes, 7);
        for label in [Label::Ad, Label::Organic] {
            let titled = (notes.iter())
                .filter(|n| n.label == label && n.text.contains('\n'))
                .count();
            assert_eq!(titled, 100, "{label:?}");
        }
        assert_eq!(
            notes.iter().filter(|n| n.text.contains('\n')).count(),
            added
        );
        let n = notes.iter().find(|n| n.text.contains('\n')).unwrap();
        let (title, body) = n.text.split_once('\n').unwrap();
        assert!(CASUAL_TITLES.contains(&title));
        assert!(body.starts_with("正文"));
    }

    #[test]
    fn other_sources_are_untouched_and_the_draw_is_repeatable() {
        let mut real: Vec<_> = (0..50).map(|i| note(i, Label::Ad, "real_xhs")).collect();
        assert_eq!(add_casual_titles(&mut real, 7), 0);
        assert!(real.iter().all(|n| !n.text.contains('\n')));
        let mut a: Vec<_> = (0..50).map(|i| note(i, Label::Ad, WRITTEN)).collect();
        let mut b = a.clone();
        add_casual_titles(&mut a, 7);
        add_casual_titles(&mut b, 7);
        assert!(a.iter().zip(&b).all(|(x, y)| x.text == y.text));
    }

    #[test]
    fn the_invariance_title_is_not_trained_on() {
        assert!(!CASUAL_TITLES.contains(&"随手记录一下"));
    }
}
