//! SAM serial protocol (GA 450 readers): frame encoder and streaming decoder.
//!
//! No published crate implements this codec (it is a vendor-neutral but undocumented-
//! in-English serial protocol), so it is written by hand here.
//!
//! Frame: `AA AA AA 96 69 | LEN (u16 BE) | payload… | CHK`. LEN counts payload + CHK;
//! CHK is the XOR of every byte from LEN's first byte to the last payload byte.
//! A request's payload is `CMD PARA DATA…`; a response's is `SW1 SW2 SW3 DATA…`.

use std::fmt;

/// The five bytes that start every frame, in both directions.
pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];
/// Preamble plus the two LEN bytes: read these, then LEN more.
pub const HEADER_LEN: usize = 7;
/// Smallest legal LEN: a bare request (CMD PARA CHK).
pub const MIN_LEN: usize = 3;
/// Largest LEN we accept. The biggest real answer is `30 10` (text + photo +
/// fingerprint): 3 + 6 + 256 + 1024 + 1024 + 1 = 2314 bytes.
pub const MAX_LEN: usize = 2400;

/// SW3, the status byte of every response. Each code carries a Chinese and an English message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sw3 {
    /// 0x90
    Ok,
    /// 0x9F
    FindOk,
    /// 0x91
    NoSuchItem,
    /// 0x10
    ChecksumError,
    /// 0x11
    LengthError,
    /// 0x21
    BadCommand,
    /// 0x23
    Unauthorised,
    /// 0x24
    UnknownError,
    /// 0x31
    CardAuthFailed,
    /// 0x32
    ReaderAuthFailed,
    /// 0x33
    VerificationError,
    /// 0x37
    FingerprintError,
    /// 0x3F
    InfoLengthError,
    /// 0x40
    UnknownCardType,
    /// 0x41
    ReadFailed,
    /// 0x47
    RandomFailed,
    /// 0x60
    SamSelfTestFailed,
    /// 0x66
    SamNotAuthorised,
    /// 0x80
    FindFailed,
    /// 0x81
    SelectFailed,
    /// Any code not in the table.
    Other(u8),
}

impl Sw3 {
    pub const ALL_KNOWN: [Sw3; 20] = [
        Sw3::Ok,
        Sw3::FindOk,
        Sw3::NoSuchItem,
        Sw3::ChecksumError,
        Sw3::LengthError,
        Sw3::BadCommand,
        Sw3::Unauthorised,
        Sw3::UnknownError,
        Sw3::CardAuthFailed,
        Sw3::ReaderAuthFailed,
        Sw3::VerificationError,
        Sw3::FingerprintError,
        Sw3::InfoLengthError,
        Sw3::UnknownCardType,
        Sw3::ReadFailed,
        Sw3::RandomFailed,
        Sw3::SamSelfTestFailed,
        Sw3::SamNotAuthorised,
        Sw3::FindFailed,
        Sw3::SelectFailed,
    ];

    pub fn from_byte(b: u8) -> Sw3 {
        Sw3::ALL_KNOWN.iter().copied().find(|s| s.code() == b).unwrap_or(Sw3::Other(b))
    }

    pub fn code(self) -> u8 {
        match self {
            Sw3::Ok => 0x90,
            Sw3::FindOk => 0x9F,
            Sw3::NoSuchItem => 0x91,
            Sw3::ChecksumError => 0x10,
            Sw3::LengthError => 0x11,
            Sw3::BadCommand => 0x21,
            Sw3::Unauthorised => 0x23,
            Sw3::UnknownError => 0x24,
            Sw3::CardAuthFailed => 0x31,
            Sw3::ReaderAuthFailed => 0x32,
            Sw3::VerificationError => 0x33,
            Sw3::FingerprintError => 0x37,
            Sw3::InfoLengthError => 0x3F,
            Sw3::UnknownCardType => 0x40,
            Sw3::ReadFailed => 0x41,
            Sw3::RandomFailed => 0x47,
            Sw3::SamSelfTestFailed => 0x60,
            Sw3::SamNotAuthorised => 0x66,
            Sw3::FindFailed => 0x80,
            Sw3::SelectFailed => 0x81,
            Sw3::Other(b) => b,
        }
    }

    /// True for 0x90 and 0x9F.
    pub fn is_success(self) -> bool {
        matches!(self, Sw3::Ok | Sw3::FindOk)
    }

    pub fn message_zh(self) -> &'static str {
        match self {
            Sw3::Ok => "操作成功",
            Sw3::FindOk => "寻找证/卡成功",
            Sw3::NoSuchItem => "无此项内容",
            Sw3::ChecksumError => "接收业务终端数据的校验和错",
            Sw3::LengthError => "接收业务终端数据的长度错",
            Sw3::BadCommand => "接收业务终端的命令错误",
            Sw3::Unauthorised => "越权操作",
            Sw3::UnknownError => "无法识别的错误",
            Sw3::CardAuthFailed => "证/卡认证机具失败",
            Sw3::ReaderAuthFailed => "机具认证证/卡失败",
            Sw3::VerificationError => "信息验证错误",
            Sw3::FingerprintError => "指纹信息验证错误",
            Sw3::InfoLengthError => "信息长度错误",
            Sw3::UnknownCardType => "无法识别的证/卡类型",
            Sw3::ReadFailed => "读证/卡操作失败",
            Sw3::RandomFailed => "取随机数失败",
            Sw3::SamSelfTestFailed => "SAM 自检失败",
            Sw3::SamNotAuthorised => "SAM 未经授权，无法使用",
            Sw3::FindFailed => "寻找证/卡不成功",
            Sw3::SelectFailed => "选取证/卡不成功",
            Sw3::Other(_) => "未定义的状态码",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            Sw3::Ok => "success",
            Sw3::FindOk => "card found",
            Sw3::NoSuchItem => "no such item",
            Sw3::ChecksumError => "checksum error in the terminal's frame",
            Sw3::LengthError => "length error in the terminal's frame",
            Sw3::BadCommand => "bad command",
            Sw3::Unauthorised => "unauthorised operation",
            Sw3::UnknownError => "unknown error",
            Sw3::CardAuthFailed => "card failed to authenticate the reader",
            Sw3::ReaderAuthFailed => "reader failed to authenticate the card",
            Sw3::VerificationError => "information verification error",
            Sw3::FingerprintError => "fingerprint verification error",
            Sw3::InfoLengthError => "information length error",
            Sw3::UnknownCardType => "unknown card type",
            Sw3::ReadFailed => "card read failed",
            Sw3::RandomFailed => "random number failed",
            Sw3::SamSelfTestFailed => "SAM self-test failed",
            Sw3::SamNotAuthorised => "SAM not authorised",
            Sw3::FindFailed => "no card found",
            Sw3::SelectFailed => "card select failed",
            Sw3::Other(_) => "undefined status code",
        }
    }
}

impl fmt::Display for Sw3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SW3 {:02X} {} / {}", self.code(), self.message_zh(), self.message_en())
    }
}

/// Commands the driver sends (CMD, PARA).
pub mod cmd {
    pub const RESET_SAM: (u8, u8) = (0x10, 0xFF);
    pub const SAM_STATUS: (u8, u8) = (0x11, 0xFF);
    pub const SAM_ID: (u8, u8) = (0x12, 0xFF);
    pub const FIND_CARD: (u8, u8) = (0x20, 0x01);
    pub const SELECT_CARD: (u8, u8) = (0x20, 0x02);
    pub const READ_TEXT_PHOTO: (u8, u8) = (0x30, 0x01);
    pub const READ_EXTRA_ADDRESS: (u8, u8) = (0x30, 0x03);
    pub const READ_TEXT_PHOTO_FP: (u8, u8) = (0x30, 0x10);
}

/// XOR of `bytes`.
pub fn xor(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

/// Encodes one frame around `payload` (CMD PARA DATA… or SW1 SW2 SW3 DATA…).
///
/// Panics if the payload is longer than LEN can express; callers pass at most a few KB.
pub fn encode_frame(payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len() + 1).expect("SAM frame payload too long");
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + 1);
    out.extend_from_slice(&PREAMBLE);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    let chk = xor(&out[PREAMBLE.len()..]);
    out.push(chk);
    out
}

/// A request frame: `encode_request(0x20, 0x01, &[])` is find card.
pub fn encode_request(cmd: u8, para: u8, data: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(2 + data.len());
    p.push(cmd);
    p.push(para);
    p.extend_from_slice(data);
    encode_frame(&p)
}

/// A response frame with SW1 SW2 = 00 00.
pub fn encode_response(sw3: Sw3, data: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(3 + data.len());
    p.extend_from_slice(&[0, 0, sw3.code()]);
    p.extend_from_slice(data);
    encode_frame(&p)
}

/// One decoded frame: the bytes between LEN and CHK. Wiped on drop.
#[derive(Clone, PartialEq, Eq, zeroize::ZeroizeOnDrop)]
pub struct Frame {
    pub payload: Vec<u8>,
}

impl fmt::Debug for Frame {
    // Payloads can hold a citizen's data: show the size and the first three bytes only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head: Vec<String> = self.payload.iter().take(3).map(|b| format!("{b:02X}")).collect();
        write!(f, "Frame({} bytes: {} …)", self.payload.len(), head.join(" "))
    }
}

/// A decoded request (what the emulator receives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub cmd: u8,
    pub para: u8,
    pub data: Vec<u8>,
}

impl Request {
    pub fn from_frame(f: &Frame) -> Result<Request, DecodeError> {
        match f.payload.as_slice() {
            [cmd, para, data @ ..] => Ok(Request { cmd: *cmd, para: *para, data: data.to_vec() }),
            _ => Err(DecodeError::ShortPayload(f.payload.len())),
        }
    }
}

/// A decoded response (what the driver receives). Wiped on drop.
#[derive(Clone, PartialEq, Eq, zeroize::ZeroizeOnDrop)]
pub struct Response {
    pub sw1: u8,
    pub sw2: u8,
    #[zeroize(skip)]
    pub sw3: Sw3,
    pub data: Vec<u8>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Response({:02X} {:02X} {}, {} data bytes)", self.sw1, self.sw2, self.sw3, self.data.len())
    }
}

impl Response {
    pub fn from_frame(f: &Frame) -> Result<Response, DecodeError> {
        match f.payload.as_slice() {
            [sw1, sw2, sw3, data @ ..] => {
                Ok(Response { sw1: *sw1, sw2: *sw2, sw3: Sw3::from_byte(*sw3), data: data.to_vec() })
            }
            _ => Err(DecodeError::ShortPayload(f.payload.len())),
        }
    }
}

/// A frame the decoder had to throw away. The decoder resynchronises by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("bad checksum: frame says {got:02X}, bytes give {expected:02X}")]
    Checksum { expected: u8, got: u8 },
    #[error("bad length {0} (minimum {MIN_LEN})")]
    BadLength(usize),
    #[error("oversize frame: length {0} > {MAX_LEN}")]
    Oversize(usize),
    #[error("payload too short for its kind of frame: {0} bytes")]
    ShortPayload(usize),
}

/// Streaming decoder: push bytes as they arrive, pull frames.
///
/// Bytes before a preamble are skipped (counted in `garbage_bytes`). A frame whose
/// LEN or CHK is wrong is reported as an error and the search restarts one byte
/// after its preamble, so a false preamble inside garbage cannot swallow a real frame.
/// Consumed bytes are zeroed: card data does not linger in the buffer.
#[derive(Default, zeroize::ZeroizeOnDrop)]
pub struct Decoder {
    buf: Vec<u8>,
    garbage: u64,
}

impl Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes buffered but not yet part of a decoded frame.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Bytes skipped so far because they were outside any frame.
    pub fn garbage_bytes(&self) -> u64 {
        self.garbage
    }

    /// Drops everything buffered (after a timeout, before a retry).
    pub fn clear(&mut self) {
        let n = self.buf.len();
        self.consume(n);
    }

    /// Abandons a frame that is waiting for more bytes (e.g. after a timeout: its
    /// preamble may have been a false one) and rescans from the byte after it.
    pub fn abandon_partial(&mut self) {
        if self.buf.starts_with(&PREAMBLE) {
            self.consume(1);
        }
    }

    fn consume(&mut self, n: usize) {
        let len = self.buf.len();
        let n = n.min(len);
        self.buf.copy_within(n.., 0);
        self.buf[len - n..].fill(0);
        self.buf.truncate(len - n);
    }

    /// The next frame, an error for a frame that was thrown away, or `None` when more
    /// bytes are needed.
    pub fn next_frame(&mut self) -> Option<Result<Frame, DecodeError>> {
        // Find a preamble; keep a tail that may be the start of one.
        match find(&self.buf, &PREAMBLE) {
            Some(0) => {}
            Some(i) => {
                self.garbage += i as u64;
                self.consume(i);
            }
            None => {
                let keep = partial_preamble_tail(&self.buf);
                let drop = self.buf.len() - keep;
                self.garbage += drop as u64;
                self.consume(drop);
                return None;
            }
        }
        if self.buf.len() < HEADER_LEN {
            return None;
        }
        let len = u16::from_be_bytes([self.buf[5], self.buf[6]]) as usize;
        if len < MIN_LEN {
            self.consume(1);
            return Some(Err(DecodeError::BadLength(len)));
        }
        if len > MAX_LEN {
            self.consume(1);
            return Some(Err(DecodeError::Oversize(len)));
        }
        let total = HEADER_LEN + len;
        if self.buf.len() < total {
            return None;
        }
        let expected = xor(&self.buf[PREAMBLE.len()..total - 1]);
        let got = self.buf[total - 1];
        if expected != got {
            self.consume(1);
            return Some(Err(DecodeError::Checksum { expected, got }));
        }
        let payload = self.buf[HEADER_LEN..total - 1].to_vec();
        self.consume(total);
        Some(Ok(Frame { payload }))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if hay.len() < needle.len() {
        return None;
    }
    // The preamble starts with AA: jump between AA bytes.
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..].iter().position(|&b| b == needle[0]) {
            None => return None,
            Some(p) => i += p,
        }
        if hay[i..].starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Length of the longest suffix of `buf` that is a proper prefix of the preamble.
fn partial_preamble_tail(buf: &[u8]) -> usize {
    (1..PREAMBLE.len()).rev().find(|&k| buf.len() >= k && buf[buf.len() - k..] == PREAMBLE[..k]).unwrap_or(0)
}
