//! Source positions of the values in a RON scenario text, by field path.
//!
//! serde forgets where a value came from, so validation errors re-read the text with this
//! small tolerant parser. Paths look like `architectures[1].components[3].keep_alive`:
//! `.field` for struct fields and identifier or plain string map keys (`["a b"]` for other
//! string keys), `[i]` for list and tuple elements. Named structs and enum variants add no
//! segment, and a parenthesised group holding a single positional value (`Compute("30ms")`,
//! `Some(x)`) is transparent: the value sits at the group's own path. Malformed text gives
//! a partial tree; nothing here panics, and nesting deeper than [`MAX_DEPTH`] is skipped.

use std::fmt;

/// Nesting depth beyond which values are skipped rather than recorded.
pub const MAX_DEPTH: usize = 128;

/// A 1-based line and column in the scenario text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in chars like the `ron` crate does.
    pub col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// The byte offset of `pos` in `text` (columns counted in chars); past the end of the line
/// or the text, the end of the text.
#[must_use]
pub fn pos_offset(text: &str, pos: Pos) -> usize {
    let mut line_start = 0;
    for _ in 1..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line = &text[line_start..];
    line.char_indices()
        .nth(pos.col.saturating_sub(1))
        .map_or(text.len(), |(i, _)| line_start + i)
}

/// The positions of every value in a RON text, looked up by field path.
#[derive(Clone, Debug, Default)]
pub struct Locations {
    /// Recorded values in pre-order: a parent comes before its children.
    nodes: Vec<Node>,
}

/// One recorded value.
#[derive(Clone, Debug)]
struct Node {
    /// Field path of the value.
    path: String,
    /// Position of the field name or map key, if any.
    key: Option<Pos>,
    /// Start of the value text.
    start: Pos,
    /// Just past the end of the value text.
    end: Pos,
}

impl Locations {
    /// Reads `text` tolerantly; never panics, whatever the input.
    #[must_use]
    pub fn parse(text: &str) -> Locations {
        let (tokens, mut eof) = lex(text);
        eof.col += 1; // values left open run to the end of the text, inclusive
        let out = Locations::default();
        let mut parser = Parser {
            tokens,
            at: 0,
            eof,
            mute: 0,
            out,
        };
        while parser.is(0, '#') {
            parser.at += 1 + usize::from(parser.is(1, '!')); // `#![enable(...)]`
            parser.skip(true);
        }
        parser.value("", None, 0);
        parser.out
    }

    /// Start of the value at `path`, or of its longest recorded prefix path.
    #[must_use]
    pub fn position(&self, path: &str) -> Option<Pos> {
        self.find(path).map(|node| node.start)
    }

    /// Just past the end of the value at `path`, or of its longest recorded prefix path
    /// (the value [`Self::position`] gives the start of).
    #[must_use]
    pub fn end(&self, path: &str) -> Option<Pos> {
        self.find(path).map(|node| node.end)
    }

    /// Position of the field name or map key at `path`; else the same as [`Self::position`].
    #[must_use]
    pub fn key_position(&self, path: &str) -> Option<Pos> {
        let node = self.nodes.iter().find(|n| n.path == path);
        node.and_then(|n| n.key).or_else(|| self.position(path))
    }

    /// The deepest path whose span contains `line:col`; `""` if none.
    ///
    /// A span is `[start, end)` of the value text, widened for a struct field or map entry
    /// to begin at its name or key: ron reports some errors at the field name (unknown
    /// field) or at the blank before a value (type mismatch), and those mean that field.
    #[must_use]
    pub fn path_at(&self, line: usize, col: usize) -> String {
        let pos = Pos { line, col };
        let node = self
            .nodes
            .iter()
            .rev()
            .find(|n| n.key.unwrap_or(n.start) <= pos && pos < n.end);
        node.map(|n| n.path.clone()).unwrap_or_default()
    }

    /// The text of the value at exactly `path`, as written: its first line from the value's
    /// start, later lines with the value's own indentation removed. `None` if no value was
    /// recorded at `path`.
    #[must_use]
    pub fn text_of(&self, text: &str, path: &str) -> Option<String> {
        let node = self.nodes.iter().find(|n| n.path == path)?;
        let mut out = String::new();
        let lines = text.lines().enumerate().skip(node.start.line - 1);
        for (i, line) in lines.take(node.end.line + 1 - node.start.line) {
            let n = i + 1;
            let from = if n == node.start.line {
                node.start.col - 1
            } else {
                // Strip up to the value's indentation, never text.
                let blank = line.chars().take_while(|c| *c == ' ' || *c == '\t').count();
                blank.min(node.start.col - 1)
            };
            let to = if n == node.end.line {
                node.end.col - 1
            } else {
                usize::MAX
            };
            if n > node.start.line {
                out.push('\n');
            }
            out.extend(line.chars().skip(from).take(to.saturating_sub(from)));
        }
        Some(out)
    }

    /// The span `[start, end)` of the value at exactly `path` (the outermost of a
    /// transparent group and its value), if one was recorded.
    #[must_use]
    pub fn span(&self, path: &str) -> Option<(Pos, Pos)> {
        let node = self.nodes.iter().find(|n| n.path == path)?;
        Some((node.start, node.end))
    }

    /// Every recorded path, in text order (a path recorded twice, for a transparent group
    /// and its value, appears twice).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| n.path.as_str())
    }

    /// The first node at `path`, else at the longest recorded prefix path of it.
    fn find(&self, path: &str) -> Option<&Node> {
        let is_prefix = |p: &str| {
            path.starts_with(p)
                && (p.is_empty()
                    || matches!(path.as_bytes().get(p.len()), None | Some(b'.' | b'[')))
        };
        let found = self.nodes.iter().rev().filter(|n| is_prefix(&n.path));
        found.max_by_key(|n| n.path.len()) // the last maximum: the outermost of equals
    }
}

/// A lexical token of RON text.
#[derive(Clone, Debug, PartialEq)]
enum Kind {
    /// An identifier, raw `r#` stripped.
    Ident(String),
    /// A string literal (plain, raw or byte), escapes decoded.
    Str(String),
    /// A number or char literal, as written.
    Scalar(String),
    /// Any other single char: brackets, `,`, `:`, `#`, stray symbols.
    Punct(char),
}

/// A token with the span it covers.
#[derive(Clone, Debug)]
struct Token {
    /// What was read.
    kind: Kind,
    /// Position of its first char.
    start: Pos,
    /// Position just past its last char.
    end: Pos,
}

/// Char cursor that tracks line and column.
struct Cursor {
    /// The text as chars.
    chars: Vec<char>,
    /// Index of the next char.
    i: usize,
    /// Position of the next char.
    pos: Pos,
}

impl Cursor {
    /// The char `k` places ahead, if any.
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    /// Consumes one char (if any) and returns it.
    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.i += 1;
        if c == '\n' {
            (self.pos.line, self.pos.col) = (self.pos.line + 1, 1);
        } else {
            self.pos.col += 1;
        }
        Some(c)
    }

    /// Consumes chars while `keep` holds, returning them.
    fn take_while(&mut self, keep: impl Fn(char) -> bool) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0).filter(|&c| keep(c)) {
            s.push(c);
            self.bump();
        }
        s
    }

    /// Skips whitespace and (nested) comments.
    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    self.take_while(|c| c != '\n');
                }
                (Some('/'), Some('*')) => {
                    let mut depth = 0usize;
                    while let Some(c) = self.bump() {
                        match (c, self.peek(0)) {
                            ('/', Some('*')) => depth += 1,
                            ('*', Some('/')) => depth -= 1,
                            _ => continue,
                        }
                        self.bump();
                        if depth == 0 {
                            break;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    /// Reads a quoted string after the opening quote, decoding escapes.
    fn string(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.bump() {
            match c {
                '"' => break,
                '\\' => match self.bump() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('0') => s.push('\0'),
                    Some('u') if self.peek(0) == Some('{') => {
                        self.bump();
                        let hex = self.take_while(|c| c.is_ascii_hexdigit());
                        if self.peek(0) == Some('}') {
                            self.bump();
                        }
                        let code = u32::from_str_radix(&hex, 16).ok();
                        s.extend(code.and_then(char::from_u32));
                    }
                    Some(other) => s.push(other),
                    None => break,
                },
                _ => s.push(c),
            }
        }
        s
    }

    /// Reads a raw string `r#.."..."#..` with the cursor on the `r`.
    fn raw_string(&mut self, hashes: usize) -> String {
        for _ in 0..hashes + 2 {
            self.bump();
        }
        let mut s = String::new();
        while let Some(c) = self.bump() {
            if c == '"' && (0..hashes).all(|k| self.peek(k) == Some('#')) {
                for _ in 0..hashes {
                    self.bump();
                }
                break;
            }
            s.push(c);
        }
        s
    }

    /// Reads the next token, or `None` at the end of the text.
    fn token(&mut self) -> Option<Kind> {
        let c = self.peek(0)?;
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        let raw = self.peek(1) == Some('r') && matches!(self.peek(2), Some('"' | '#'));
        if c == 'b' && (raw || matches!(self.peek(1), Some('"' | '\''))) {
            self.bump(); // byte string or byte char: lex the rest as usual
            return self.token();
        }
        if c == 'r' && matches!(self.peek(1), Some('"' | '#')) {
            let rest = self.chars.get(self.i + 1..).unwrap_or_default();
            let hashes = rest.iter().take_while(|&&c| c == '#').count();
            if self.peek(hashes + 1) == Some('"') {
                return Some(Kind::Str(self.raw_string(hashes)));
            }
            self.bump();
            self.bump(); // raw identifier `r#name`
            return Some(Kind::Ident(self.take_while(ident)));
        }
        let signed = matches!(c, '+' | '-' | '.') && self.peek(1).is_some_and(ident);
        if c.is_ascii_digit() || signed {
            let mut s = String::new();
            s.extend(self.bump());
            loop {
                let radix = s.contains(['x', 'b', 'o']);
                match self.peek(0) {
                    Some(c) if ident(c) || c == '.' => s.extend(self.bump()),
                    Some('+' | '-') if !radix && s.ends_with(['e', 'E']) => s.extend(self.bump()),
                    _ => return Some(Kind::Scalar(s)),
                }
            }
        }
        if c.is_alphabetic() || c == '_' {
            return Some(Kind::Ident(self.take_while(ident)));
        }
        self.bump();
        match c {
            '"' => Some(Kind::Str(self.string())),
            '\'' => {
                let mut s = String::from('\'');
                while let Some(c) = self.peek(0).filter(|&c| c != '\n') {
                    s.extend(self.bump());
                    match c {
                        '\\' => s.extend(self.bump()),
                        '\'' => break,
                        _ => {}
                    }
                }
                Some(Kind::Scalar(s))
            }
            _ => Some(Kind::Punct(c)),
        }
    }
}

/// Splits `text` into tokens; also returns the position just past the end.
fn lex(text: &str) -> (Vec<Token>, Pos) {
    let chars = text.chars().collect();
    let mut cur = Cursor {
        chars,
        i: 0,
        pos: Pos { line: 1, col: 1 },
    };
    let mut tokens = Vec::new();
    loop {
        cur.skip_trivia();
        let start = cur.pos;
        match cur.token() {
            Some(kind) => tokens.push(Token {
                kind,
                start,
                end: cur.pos,
            }),
            None => return (tokens, cur.pos),
        }
    }
}

/// Recursive-descent reader over the tokens, recording value spans.
struct Parser {
    /// All tokens of the text.
    tokens: Vec<Token>,
    /// Index of the next token.
    at: usize,
    /// End used for values left open at the end of the text.
    eof: Pos,
    /// While above zero (inside map keys), nothing is recorded.
    mute: usize,
    /// What has been recorded so far.
    out: Locations,
}

impl Parser {
    /// The token `k` places ahead.
    fn peek(&self, k: usize) -> Option<&Kind> {
        self.tokens.get(self.at + k).map(|t| &t.kind)
    }

    /// Whether the token `k` places ahead is the punctuation `c`.
    fn is(&self, k: usize, c: char) -> bool {
        self.peek(k) == Some(&Kind::Punct(c))
    }

    /// End of the last consumed token.
    fn prev_end(&self) -> Pos {
        self.at
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(self.eof, |t| t.end)
    }

    /// Records the start of a value at `path`; returns its index for [`Self::close`].
    fn open(&mut self, path: &str, key: Option<Pos>, start: Pos) -> Option<usize> {
        if self.mute > 0 {
            return None;
        }
        let i = self.out.nodes.len();
        let path = path.to_string();
        self.out.nodes.push(Node {
            path,
            key,
            start,
            end: start,
        });
        Some(i)
    }

    /// Records the end of the value opened as `node`.
    fn close(&mut self, node: Option<usize>, end: Pos) {
        if let Some(n) = node.and_then(|i| self.out.nodes.get_mut(i)) {
            n.end = end;
        }
    }

    /// Reads one value at `path`. Consumes nothing if the next token is `,` or a closer.
    fn value(&mut self, path: &str, key: Option<Pos>, depth: usize) {
        let Some(tok) = self.tokens.get(self.at) else {
            return;
        };
        let (kind, start, end) = (tok.kind.clone(), tok.start, tok.end);
        if matches!(kind, Kind::Punct(',' | ')' | ']' | '}')) {
            return;
        }
        if depth > MAX_DEPTH {
            return self.skip(false);
        }
        let node = self.open(path, key, start);
        if matches!(kind, Kind::Ident(_)) && self.is(1, '(') {
            self.at += 1; // a struct or variant name: the parentheses follow
        }
        let close = match self.peek(0) {
            Some(Kind::Punct('(')) => self.parens(path, depth),
            Some(&Kind::Punct(open @ ('[' | '{'))) => {
                self.at += 1;
                self.items(path, open, false, depth)
            }
            _ => {
                self.at += 1;
                end
            }
        };
        self.close(node, close);
    }

    /// Reads `( ... )` at the cursor: a struct, tuple, unit or transparent single value.
    fn parens(&mut self, path: &str, depth: usize) -> Pos {
        let field = matches!(self.peek(1), Some(Kind::Ident(_))) && self.is(2, ':');
        let single = !field && self.count_items() == 1;
        self.at += 1;
        self.items(path, '(', single, depth)
    }

    /// Counts the top-level comma-separated items after the `(` at the cursor (stops at 2).
    fn count_items(&self) -> usize {
        let (mut depth, mut count, mut pending) = (0usize, 0usize, false);
        for tok in self.tokens.iter().skip(self.at + 1) {
            match tok.kind {
                Kind::Punct(')' | ']' | '}') if depth == 0 => break,
                Kind::Punct(')' | ']' | '}') => depth -= 1,
                Kind::Punct(',') if depth == 0 => {
                    count += usize::from(std::mem::take(&mut pending));
                    if count > 1 {
                        break;
                    }
                }
                Kind::Punct('(' | '[' | '{') => (pending, depth) = (true, depth + 1),
                _ => pending = true,
            }
        }
        count + usize::from(pending)
    }

    /// Reads items after `open` up to its closer; returns the end of the whole value.
    fn items(&mut self, path: &str, open: char, single: bool, depth: usize) -> Pos {
        let closer = match open {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        let mut i = 0;
        loop {
            let Some(tok) = self.tokens.get(self.at) else {
                return self.eof;
            };
            let (kind, start) = (tok.kind.clone(), tok.start);
            match kind {
                Kind::Punct(c) if c == closer => {
                    self.at += 1;
                    return self.prev_end();
                }
                Kind::Punct(')' | ']' | '}') => return self.prev_end(),
                Kind::Punct(',') => self.at += 1,
                Kind::Ident(name) if open != '[' && self.is(1, ':') => {
                    self.at += 2;
                    self.value(&join(path, &name), Some(start), depth + 1);
                }
                _ if open == '{' => {
                    let key_at = self.at;
                    self.mute += 1;
                    self.value("", None, depth + 1);
                    self.mute -= 1;
                    let child = match kind {
                        Kind::Str(s) if self.at == key_at + 1 => key_path(path, &s),
                        Kind::Scalar(s) if self.at == key_at + 1 => format!("{path}[{s}]"),
                        _ => format!("{path}[{i}]"),
                    };
                    if self.is(0, ':') {
                        self.at += 1;
                        self.value(&child, Some(start), depth + 1);
                    }
                    i += 1;
                }
                _ => {
                    let child = if single {
                        path.to_string()
                    } else {
                        format!("{path}[{i}]")
                    };
                    self.value(&child, None, depth + 1);
                    i += 1;
                }
            }
        }
    }

    /// Skips tokens up to a `,` or unmatched closer, or (`one`) past one token or group.
    fn skip(&mut self, one: bool) {
        let mut depth = 0usize;
        while let Some(kind) = self.peek(0) {
            match kind {
                Kind::Punct('(' | '[' | '{') => depth += 1,
                Kind::Punct(')' | ']' | '}' | ',') if depth == 0 => return,
                Kind::Punct(')' | ']' | '}') => depth -= 1,
                _ => {}
            }
            self.at += 1;
            if one && depth == 0 {
                return;
            }
        }
    }
}

/// `path.name`, or just `name` at the root.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Path of a string map key: `.key` when plain, else `["key"]`.
pub(crate) fn key_path(path: &str, key: &str) -> String {
    let plain = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain && !key.is_empty() {
        join(path, key)
    } else {
        format!("{path}[{key:?}]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"// A comment
Scenario(
    name: "Photo sharing",
    horizon: "1h",
    workload: [
        Source(kind: "upload", arrivals: Poisson(per_second: 5.0)),
    ],
    architectures: [
        Architecture(name: "monolith", entry: "app", components: [
            Server(name: "app", instances: 2, workers: 64,
                handlers: {
                    "upload": [Compute("30ms"), Call("files"), Compute(LogNormal(median: "300ms", p99: "2s"))],
                }),
            Database(name: "db", latency: LogNormal(median: "3ms", p99: "20ms"), capacity: Serverless),
        ]),
    ],
)
"#;

    const C0: &str = "architectures[0].components[0]";
    const C1: &str = "architectures[0].components[1]";
    const UPLOAD: &str = "architectures[0].components[0].handlers.upload";

    /// `(line, col)` of `path` in `text`, to compare with tuples.
    fn at(locs: &Locations, path: &str) -> Option<(usize, usize)> {
        locs.position(path).map(|p| (p.line, p.col))
    }

    /// `(line, col)` of the key at `path`.
    fn key(locs: &Locations, path: &str) -> Option<(usize, usize)> {
        locs.key_position(path).map(|p| (p.line, p.col))
    }

    #[test]
    fn positions_of_values_in_the_sample() {
        let l = Locations::parse(SAMPLE);
        assert_eq!(at(&l, ""), Some((2, 1)));
        assert_eq!(at(&l, "name"), Some((3, 11)));
        assert_eq!(at(&l, "workload[0]"), Some((6, 9)));
        assert_eq!(at(&l, "workload[0].arrivals"), Some((6, 42)));
        assert_eq!(at(&l, "workload[0].arrivals.per_second"), Some((6, 62)));
        assert_eq!(at(&l, "architectures[0].components"), Some((9, 66)));
        assert_eq!(at(&l, C0), Some((10, 13)));
        assert_eq!(at(&l, &format!("{C0}.handlers")), Some((11, 27)));
        assert_eq!(at(&l, &format!("{C1}.latency")), Some((14, 43)));
        assert_eq!(at(&l, UPLOAD), Some((12, 31)));
        assert_eq!(at(&l, &format!("{UPLOAD}[0]")), Some((12, 32)));
        assert_eq!(at(&l, &format!("{UPLOAD}[1]")), Some((12, 49)));
        assert_eq!(at(&l, &format!("{UPLOAD}[2]")), Some((12, 64)));
        assert_eq!(at(&l, &format!("{UPLOAD}[2].median")), Some((12, 90)));
        assert_eq!(at(&l, &format!("{UPLOAD}[2].p99")), Some((12, 104)));
    }

    #[test]
    fn missing_paths_fall_back_to_the_longest_prefix() {
        let l = Locations::parse(SAMPLE);
        assert_eq!(at(&l, &format!("{C1}.name_missing")), Some((14, 13)));
        assert_eq!(at(&l, "architectures[0].components[5].name"), Some((9, 66)));
        assert_eq!(at(&l, &format!("{C0}.handlersx")), Some((10, 13)));
        assert_eq!(
            at(&l, &format!("{UPLOAD}[2].p99.deeper[3]")),
            Some((12, 104))
        );
        assert_eq!(at(&l, "nothing"), Some((2, 1)));
        assert_eq!(Locations::parse("").position(""), None);
    }

    #[test]
    fn key_positions_name_the_field_or_map_key() {
        let l = Locations::parse(SAMPLE);
        assert_eq!(key(&l, "name"), Some((3, 5)));
        assert_eq!(key(&l, "workload[0].arrivals.per_second"), Some((6, 50)));
        assert_eq!(key(&l, &format!("{C1}.latency")), Some((14, 34)));
        assert_eq!(key(&l, &format!("{C0}.handlers")), Some((11, 17)));
        assert_eq!(key(&l, UPLOAD), Some((12, 21)));
        assert_eq!(key(&l, &format!("{UPLOAD}[2].p99")), Some((12, 99)));
        // No key: the value itself; missing: the prefix's key-less value start.
        assert_eq!(key(&l, &format!("{UPLOAD}[1]")), Some((12, 49)));
        assert_eq!(key(&l, &format!("{C1}.nope")), Some((14, 13)));
    }

    #[test]
    fn path_at_finds_the_deepest_value_containing_a_position() {
        let l = Locations::parse(SAMPLE);
        assert_eq!(l.path_at(12, 104), format!("{UPLOAD}[2].p99"));
        assert_eq!(l.path_at(12, 107), format!("{UPLOAD}[2].p99"));
        assert_eq!(l.path_at(12, 103), format!("{UPLOAD}[2].p99")); // blank before value
        assert_eq!(l.path_at(12, 99), format!("{UPLOAD}[2].p99")); // field name
        assert_eq!(l.path_at(12, 98), format!("{UPLOAD}[2]"));
        assert_eq!(l.path_at(12, 108), format!("{UPLOAD}[2]"));
        assert_eq!(l.path_at(12, 110), UPLOAD);
        assert_eq!(l.path_at(12, 111), format!("{C0}.handlers"));
        assert_eq!(l.path_at(6, 62), "workload[0].arrivals.per_second");
        assert_eq!(l.path_at(6, 61), "workload[0].arrivals.per_second");
        assert_eq!(l.path_at(6, 49), "workload[0].arrivals");
        assert_eq!(l.path_at(14, 50), format!("{C1}.latency"));
        assert_eq!(l.path_at(3, 11), "name");
        assert_eq!(l.path_at(3, 5), "name"); // on the field name
        assert_eq!(l.path_at(3, 4), "");
        assert_eq!(l.path_at(1, 5), "");
    }

    #[test]
    fn comments_and_strings_hide_brackets() {
        let text = r##"/* block ( [ { /* nested ] */ still ) */
Cfg(
    a: "x(//\"y", // trailing ) ] comment
    b: [1, 2],
    c: r#"raw ")( "#, d: '(',
    e: 3,
    f: {"\u{41}b": 1, "q\"": 2},
)"##;
        let l = Locations::parse(text);
        assert_eq!(at(&l, ""), Some((2, 1)));
        assert_eq!(at(&l, "a"), Some((3, 8)));
        assert_eq!(at(&l, "b[1]"), Some((4, 12)));
        assert_eq!(at(&l, "c"), Some((5, 8)));
        assert_eq!(at(&l, "d"), Some((5, 26)));
        assert_eq!(at(&l, "e"), Some((6, 8)));
        assert_eq!(at(&l, "f.Ab"), Some((7, 20)));
        assert_eq!(at(&l, r#"f["q\""]"#), Some((7, 30)));
    }

    #[test]
    fn columns_count_chars_not_bytes() {
        let l = Locations::parse("X(s: \"é\", t: 1) // é");
        assert_eq!(at(&l, "t"), Some((1, 14)));
        let l = Locations::parse("/* café */ Y(a: 1)");
        assert_eq!(at(&l, ""), Some((1, 12)));
        assert_eq!(key(&l, "a"), Some((1, 14)));
        assert_eq!(at(&l, "a"), Some((1, 17)));
    }

    #[test]
    fn attributes_options_tuples_and_map_keys() {
        let text = "#![enable(implicit_some)]\nScenario(x: Some(3), y: (1, \"a\"), \
            m: {\"key with spaces\": 1, 7: 2, up: [], \"a.b\": 0}, z: -1e3,)";
        let l = Locations::parse(text);
        assert_eq!(at(&l, ""), Some((2, 1)));
        assert_eq!(at(&l, "x"), Some((2, 13)));
        assert_eq!(l.path_at(2, 18), "x");
        assert_eq!(at(&l, "y[1]"), Some((2, 29)));
        assert_eq!(at(&l, "m[\"key with spaces\"]"), Some((2, 58)));
        assert_eq!(key(&l, "m[\"key with spaces\"]"), Some((2, 39)));
        assert_eq!(at(&l, "m[7]"), Some((2, 64)));
        assert_eq!(at(&l, "m.up"), Some((2, 71)));
        assert_eq!(at(&l, "m[\"a.b\"]"), Some((2, 82)));
        assert_eq!(at(&l, "z"), Some((2, 89)));
    }

    #[test]
    fn unclosed_values_run_to_the_end_of_the_text() {
        let l = Locations::parse("S(a: [1, ");
        assert_eq!(at(&l, "a[0]"), Some((1, 7)));
        assert_eq!(l.path_at(1, 10), "a");
    }

    #[test]
    fn truncated_and_garbage_inputs_never_panic() {
        let mut inputs: Vec<String> = SAMPLE
            .char_indices()
            .map(|(i, _)| SAMPLE[..i].to_string())
            .collect();
        let bad = concat!(
            r#"))))|]]}}|,,,:::|(a: (b: (c:|{: , :}|#|#![|r#|r##"x|b'|'\|"#,
            r#""\u{|"\|/* /* */|0x1e-|-|.|(a b: 1 c)|S(a: 1)x)y"#
        );
        inputs.extend(bad.split('|').map(String::from));
        for open in ["[", "(", "{", "Some(", "(a: "] {
            inputs.push(open.repeat(20_000));
        }
        let alphabet: Vec<char> = "()[]{},:#!\"'/*\\ra1_.-é \n".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..500 {
            let garbage = (0..64).map(|_| {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                alphabet[(seed >> 33) as usize % alphabet.len()]
            });
            inputs.push(garbage.collect());
        }
        for text in &inputs {
            let l = Locations::parse(text);
            let _ = (l.position(""), l.key_position("a.b[0]"), l.path_at(1, 3));
        }
        let (deep, max) = (Locations::parse(&"[".repeat(1000)), MAX_DEPTH);
        assert_eq!(at(&deep, &"[0]".repeat(max)), Some((1, max + 1)));
        assert_eq!(at(&deep, &"[0]".repeat(max + 5)), Some((1, max + 1)));
    }

    #[test]
    fn text_of_gives_a_value_as_written_without_its_indentation() {
        let text = "S(\n    list: [\n        Item(a: 1,\n             b: \"é\"),\n        Other,\n    ],\n)";
        let l = Locations::parse(text);
        assert_eq!(
            l.text_of(text, "list[0]").as_deref(),
            Some("Item(a: 1,\n     b: \"é\")")
        );
        assert_eq!(l.text_of(text, "list[1]").as_deref(), Some("Other"));
        assert_eq!(l.text_of(text, "list[0].a").as_deref(), Some("1"));
        assert_eq!(l.text_of(text, "list[2]"), None);
    }
}
