//! Text stage: normalise raw pasted note text and segment it into words.
//!
//! Every position this stage hands out is a Unicode-scalar (char) offset into the
//! *original* input, so later stages can point at exactly what the user wrote.

mod normalize;
mod segment;
mod simplified;

pub use normalize::{Entity, EntityKind, Normalized, normalize, repeated_lines};
pub use segment::{Token, segment, warm_up};
pub use simplified::{simplified, simplified_owned};

/// A character of the CJK Unified Ideographs block, the bulk of a Chinese note:
/// each is a letter, and none has case.
pub const fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}')
}

/// Exactly `char::is_alphanumeric`, answering ASCII and Han characters without
/// the search through the Unicode tables the standard library does for every
/// non-ASCII character.
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        is_han(c) || c.is_alphanumeric()
    }
}

/// Errors of the text stage.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum TextError {
    /// The note is empty or only whitespace.
    #[error("the note text is empty (or only whitespace)")]
    Empty,
    /// The note is longer than the caller allows.
    #[error("the note text has {chars} characters, more than the limit of {limit}")]
    TooLong {
        /// Characters in the text.
        chars: usize,
        /// The limit in force.
        limit: usize,
    },
}

/// Checks that `text` is worth scoring: not empty, not whitespace only, and at most
/// `max_chars` characters long.
pub fn validate(text: &str, max_chars: usize) -> Result<(), TextError> {
    if text.trim().is_empty() {
        return Err(TextError::Empty);
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(TextError::TooLong {
            chars,
            limit: max_chars,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_chars_are_the_alphanumeric_ones() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_word_char(c), c.is_alphanumeric(), "{c:?}");
            if is_han(c) {
                assert!(c.is_alphabetic() && c.to_lowercase().eq([c]), "{c:?}");
            }
        }
    }

    #[test]
    fn validate_rejects_empty_and_long() {
        assert_eq!(validate(" \n\t ", 10), Err(TextError::Empty));
        assert_eq!(
            validate("一二三四", 3),
            Err(TextError::TooLong { chars: 4, limit: 3 })
        );
        assert!(validate("好用", 3).is_ok());
    }
}
