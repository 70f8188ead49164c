//! Codec golden frames (from DESIGN.md and public implementations), round trips,
//! split frames, resynchronisation and the SW3 table.

use kiosk_hardware::idcard::codec::*;
fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace().map(|h| u8::from_str_radix(h, 16).unwrap()).collect()
}

#[test]
fn golden_requests() {
    assert_eq!(encode_request(0x20, 0x01, &[]), hex("AA AA AA 96 69 00 03 20 01 22"));
    assert_eq!(encode_request(0x20, 0x02, &[]), hex("AA AA AA 96 69 00 03 20 02 21"));
    assert_eq!(encode_request(0x30, 0x01, &[]), hex("AA AA AA 96 69 00 03 30 01 32"));
    assert_eq!(encode_request(0x10, 0xFF, &[]), hex("AA AA AA 96 69 00 03 10 FF EC"));
    assert_eq!(encode_request(0x11, 0xFF, &[]), hex("AA AA AA 96 69 00 03 11 FF ED"));
    assert_eq!(encode_request(0x12, 0xFF, &[]), hex("AA AA AA 96 69 00 03 12 FF EE"));
}

#[test]
fn golden_responses() {
    assert_eq!(encode_response(Sw3::FindOk, &[0; 4]), hex("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"));
    assert_eq!(encode_response(Sw3::SelectFailed, &[]), hex("AA AA AA 96 69 00 04 00 00 81 85"));
    assert_eq!(encode_response(Sw3::Ok, &[0; 8]), hex("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"));
    assert_eq!(encode_response(Sw3::ReadFailed, &[]), hex("AA AA AA 96 69 00 04 00 00 41 45"));
    let read = encode_response(Sw3::Ok, &[0; 4 + 256 + 1024]);
    assert_eq!(read.len(), 1295);
    assert_eq!(&read[5..7], &[0x05, 0x08]);
}

#[test]
fn round_trip_and_split() {
    let a = encode_request(0x20, 0x01, &[]);
    let b = encode_response(Sw3::Ok, &[1, 2, 3]);
    let mut all = a.clone();
    all.extend(&b);
    for split in 0..=all.len() {
        let mut d = Decoder::new();
        d.push(&all[..split]);
        let mut frames = Vec::new();
        while let Some(f) = d.next_frame() {
            frames.push(f.unwrap());
        }
        d.push(&all[split..]);
        while let Some(f) = d.next_frame() {
            frames.push(f.unwrap());
        }
        assert_eq!(frames.len(), 2, "split at {split}");
        assert_eq!(Request::from_frame(&frames[0]).unwrap(), Request { cmd: 0x20, para: 1, data: vec![] });
        let r = Response::from_frame(&frames[1]).unwrap();
        assert_eq!((r.sw3, r.data.as_slice()), (Sw3::Ok, &[1u8, 2, 3][..]));
    }
}

#[test]
fn resync_after_garbage_and_errors() {
    let good = encode_response(Sw3::FindOk, &[0; 4]);
    let mut bad = good.clone();
    *bad.last_mut().unwrap() ^= 0xFF;
    let mut stream = vec![0x00, 0xAA, 0xAA, 0x13];
    stream.extend(&bad);
    stream.extend([0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x01]); // bad length
    stream.extend([0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF]); // oversize
    stream.extend(&good);
    let mut d = Decoder::new();
    d.push(&stream);
    let mut out = Vec::new();
    while let Some(f) = d.next_frame() {
        out.push(f.map(|f| f.payload.clone()));
    }
    assert_eq!(out[0], Err(DecodeError::Checksum { expected: 0x97, got: 0x68 }));
    assert!(out.contains(&Err(DecodeError::BadLength(1))));
    assert!(out.contains(&Err(DecodeError::Oversize(0xFFFF))));
    assert_eq!(out.last().unwrap().as_ref().unwrap(), &vec![0, 0, 0x9F, 0, 0, 0, 0]);
    assert_eq!(d.pending(), 0);
}

#[test]
fn every_sw3_has_messages() {
    for s in Sw3::ALL_KNOWN {
        assert_eq!(Sw3::from_byte(s.code()), s);
        assert!(!s.message_zh().is_empty() && !s.message_en().is_empty());
    }
    assert_eq!(Sw3::from_byte(0x42), Sw3::Other(0x42));
    assert!(Sw3::ReadFailed.to_string().contains("41"));
}

#[test]
fn abandon_partial_rescans() {
    // A false preamble claiming 0x100 bytes hides a real frame; abandoning it finds the frame.
    let mut s = vec![0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x01, 0x00];
    s.extend(encode_response(Sw3::Ok, &[]));
    let mut d = Decoder::new();
    d.push(&s);
    assert!(d.next_frame().is_none());
    d.abandon_partial();
    assert!(d.next_frame().unwrap().is_ok());
}
