//! A whitespace-and-punctuation tokenizer with a greedy vocabulary lookup.
//!
//! Written for kvlab as a seed document. Words found in the vocabulary map to
//! their id; unknown words fall back to one id per byte, offset past the
//! vocabulary, so every input round-trips through `encode` and `decode`.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Word(&'a str),
    Space(&'a str),
    Punct(char),
}

/// Splits text into words, runs of whitespace and single punctuation marks.
pub fn split(text: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() {
            while let Some(&(_, n)) = chars.peek() {
                if !n.is_alphanumeric() {
                    break;
                }
                chars.next();
            }
            let end = chars.peek().map_or(text.len(), |&(j, _)| j);
            out.push(Piece::Word(&text[i..end]));
            start = end;
        } else if c.is_whitespace() {
            while let Some(&(_, n)) = chars.peek() {
                if !n.is_whitespace() {
                    break;
                }
                chars.next();
            }
            let end = chars.peek().map_or(text.len(), |&(j, _)| j);
            out.push(Piece::Space(&text[i..end]));
            start = end;
        } else {
            out.push(Piece::Punct(c));
            start = i + c.len_utf8();
        }
    }
    debug_assert!(start <= text.len());
    out
}

pub struct Tokenizer {
    to_id: HashMap<String, u32>,
    to_text: Vec<String>,
}

impl Tokenizer {
    /// Builds a tokenizer from a list of vocabulary entries (duplicates ignored).
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(vocab: I) -> Self {
        let mut to_id = HashMap::new();
        let mut to_text = Vec::new();
        for entry in vocab {
            let s = entry.into();
            if !to_id.contains_key(&s) {
                to_id.insert(s.clone(), to_text.len() as u32);
                to_text.push(s);
            }
        }
        Tokenizer { to_id, to_text }
    }

    fn byte_base(&self) -> u32 {
        self.to_text.len() as u32
    }

    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        for piece in split(text) {
            let s: String = match piece {
                Piece::Word(w) | Piece::Space(w) => w.to_string(),
                Piece::Punct(c) => c.to_string(),
            };
            match self.to_id.get(&s) {
                Some(&id) => ids.push(id),
                None => ids.extend(s.bytes().map(|b| self.byte_base() + b as u32)),
            }
        }
        ids
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String, String> {
        let mut bytes = Vec::new();
        for &id in ids {
            if let Some(t) = self.to_text.get(id as usize) {
                bytes.extend_from_slice(t.as_bytes());
            } else if id - self.byte_base() < 256 {
                bytes.push((id - self.byte_base()) as u8);
            } else {
                return Err(format!("unknown token id {id}"));
            }
        }
        String::from_utf8(bytes).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_and_unknown_words() {
        let t = Tokenizer::new(["the", " ", "cache", "hit", "."]);
        let text = "the cache missed, the cache hit.";
        let ids = t.encode(text);
        assert_eq!(t.decode(&ids).unwrap(), text);
        assert!(ids.len() > 8);
    }
}
