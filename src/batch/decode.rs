//! Input encodings: UTF-8 (with or without BOM) and GBK/GB18030 as Excel exports
//! it on Chinese Windows, decoded on the fly so memory stays constant.

use std::io::{self, Read};

use encoding_rs::{Decoder, Encoding, GB18030, UTF_8};

/// What the user asked for with `--encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputEncoding {
    /// UTF-8 if the start of the file is valid UTF-8, else GBK if it decodes as GBK.
    Auto,
    /// UTF-8 (a BOM is skipped).
    Utf8,
    /// GBK / GB18030.
    Gbk,
}

/// Picks an encoding from the first bytes of the input.
pub fn sniff(sample: &[u8], wanted: InputEncoding) -> Result<&'static Encoding, String> {
    match wanted {
        InputEncoding::Utf8 => Ok(UTF_8),
        InputEncoding::Gbk => Ok(GB18030),
        InputEncoding::Auto => {
            let (valid_multibyte, errors) = utf8_profile(sample);
            // A UTF-8 export with a stray bad row is still UTF-8: GBK would show
            // errors on nearly every non-ASCII character instead.
            if errors == 0 || valid_multibyte >= 10 * errors {
                return Ok(UTF_8);
            }
            let (_, had_errors) = GB18030.decode_without_bom_handling(sample);
            if !had_errors {
                Ok(GB18030)
            } else {
                Err(
                    "the input is neither UTF-8 nor GBK; convert it to UTF-8 or pass --encoding"
                        .into(),
                )
            }
        }
    }
}

/// Counts valid multi-byte UTF-8 characters and invalid sequences in `bytes` (a
/// sequence cut by the end of the sample is not an error).
fn utf8_profile(mut bytes: &[u8]) -> (usize, usize) {
    let (mut multi, mut errors) = (0, 0);
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                multi += s.chars().filter(|c| !c.is_ascii()).count();
                return (multi, errors);
            }
            Err(e) => {
                let good = e.valid_up_to();
                multi += std::str::from_utf8(&bytes[..good])
                    .map_or(0, |s| s.chars().filter(|c| !c.is_ascii()).count());
                match e.error_len() {
                    None => return (multi, errors),
                    Some(n) => {
                        errors += 1;
                        bytes = &bytes[good + n..];
                    }
                }
            }
        }
    }
}

/// A reader that decodes another encoding to UTF-8 as it goes. For UTF-8 input it
/// only drops a leading BOM and passes bytes through untouched, so invalid UTF-8
/// reaches the row parser and is reported with its line number.
pub struct DecodingReader<R> {
    inner: R,
    decoder: Option<Decoder>,
    raw: Vec<u8>,
    raw_len: usize,
    out: Vec<u8>,
    out_pos: usize,
    out_len: usize,
    eof: bool,
}

impl<R: Read> DecodingReader<R> {
    /// Wraps `inner`, which starts with `prefix` (bytes already read for sniffing).
    pub fn new(inner: R, prefix: Vec<u8>, encoding: &'static Encoding) -> Self {
        let mut prefix = prefix;
        let decoder = if encoding == UTF_8 {
            if prefix.starts_with(&[0xEF, 0xBB, 0xBF]) {
                prefix.drain(..3);
            }
            None
        } else {
            Some(encoding.new_decoder_without_bom_handling())
        };
        let raw_len = prefix.len();
        let mut raw = prefix;
        raw.resize(raw_len.max(64 * 1024), 0);
        DecodingReader {
            inner,
            decoder,
            raw,
            raw_len,
            out: vec![0; 256 * 1024],
            out_pos: 0,
            out_len: 0,
            eof: false,
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_pos < self.out_len {
                let n = buf.len().min(self.out_len - self.out_pos);
                buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            if self.raw_len == 0 && !self.eof {
                let n = self.inner.read(&mut self.raw)?;
                self.raw_len = n;
                self.eof = n == 0;
            }
            if self.raw_len == 0 && self.eof && self.decoder.is_none() {
                return Ok(0);
            }
            match &mut self.decoder {
                None => {
                    let n = buf.len().min(self.raw_len);
                    buf[..n].copy_from_slice(&self.raw[..n]);
                    self.raw.copy_within(n..self.raw_len, 0);
                    self.raw_len -= n;
                    return Ok(n);
                }
                Some(dec) => {
                    let last = self.eof;
                    let (_, read, written, _) =
                        dec.decode_to_utf8(&self.raw[..self.raw_len], &mut self.out, last);
                    self.raw.copy_within(read..self.raw_len, 0);
                    self.raw_len -= read;
                    self.out_pos = 0;
                    self.out_len = written;
                    if written == 0 && self.eof && self.raw_len == 0 {
                        return Ok(0);
                    }
                }
            }
        }
    }
}

/// Reads up to 64 KiB for sniffing.
pub fn read_sample(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut sample = Vec::with_capacity(64 * 1024);
    r.by_ref().take(64 * 1024).read_to_end(&mut sample)?;
    Ok(sample)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], enc: InputEncoding) -> String {
        let mut r = bytes;
        let sample = read_sample(&mut r).unwrap();
        let e = sniff(&sample, enc).unwrap();
        let mut out = String::new();
        DecodingReader::new(r, sample, e)
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn utf8_bom_is_dropped_and_gbk_is_detected() {
        assert_eq!(
            decode_all("\u{feff}id,text\n1,好用".as_bytes(), InputEncoding::Auto),
            "id,text\n1,好用"
        );
        let (gbk, _, _) = GB18030.encode("id,text\n1,这款面霜很好用\n");
        assert_eq!(
            decode_all(&gbk, InputEncoding::Auto),
            "id,text\n1,这款面霜很好用\n"
        );
        // Larger than one buffer.
        let big = "一二三四五六七八九十\n".repeat(20_000);
        let (gbk, _, _) = GB18030.encode(&big);
        assert_eq!(decode_all(&gbk, InputEncoding::Gbk), big);
    }

    #[test]
    fn a_stray_bad_byte_keeps_utf8() {
        let mut bytes = "id,text\n1,这款面霜很好用，推荐给大家\n"
            .repeat(5)
            .into_bytes();
        bytes.extend_from_slice(b"2,\xff\xfe\n");
        let mut r = &bytes[..];
        let sample = read_sample(&mut r).unwrap();
        assert_eq!(sniff(&sample, InputEncoding::Auto).unwrap(), UTF_8);
    }
}
