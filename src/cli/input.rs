//! Reading note text from an argument or standard input.

use std::io::Read;

/// Errors reading a note from the command line.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// Standard input was not valid UTF-8.
    #[error("standard input is not valid UTF-8: invalid byte at offset {offset}")]
    InvalidUtf8 {
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// Standard input could not be read.
    #[error("cannot read standard input: {0}")]
    Io(#[from] std::io::Error),
}

/// Returns the note text: the argument itself, or all of standard input when the
/// argument is `-`.
pub fn read_text_arg(arg: &str) -> Result<String, InputError> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut bytes = Vec::new();
    std::io::stdin().lock().read_to_end(&mut bytes)?;
    decode_utf8(bytes)
}

/// Decodes bytes as UTF-8, naming the offset of the first bad byte.
pub fn decode_utf8(bytes: Vec<u8>) -> Result<String, InputError> {
    String::from_utf8(bytes).map_err(|e| InputError::InvalidUtf8 {
        offset: e.utf8_error().valid_up_to(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_names_the_offset() {
        let err = decode_utf8(b"ok\xffno".to_vec()).unwrap_err();
        assert!(err.to_string().contains("offset 2"), "{err}");
    }
}
