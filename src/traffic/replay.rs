//! Trace replay: packet times (and sizes) from a CSV file or from a pcap/pcapng capture.
//!
//! - CSV: one packet per row, `time_s[,size_bytes]`, times in seconds, non-decreasing; a first
//!   row that is not a number is taken as a header.
//! - pcap and pcapng, read with the `pcap-file` crate (recognised by their magic numbers, not by
//!   the file name). One flow is picked by a `filter` on its 5-tuple,
//!   `"10.0.0.1:5000->10.0.0.2:22/tcp"` (one direction; IPv4; tcp or udp); the packet's size is
//!   its original length on the wire. Ethernet (with 802.1Q tags), raw IPv4 and Linux cooked
//!   captures are understood; only the IPv4 and TCP/UDP header fields the filter needs are read.
//!
//! Times are kept relative to the first packet, so the replay starts at the flow's `start`.
//! [`synthetic_capture`] makes the small captures the tests use (tests/data/).

use crate::engine::{time, SimTime};
use std::fmt;
use std::io::Read;
use std::net::Ipv4Addr;
use std::path::Path;

/// A loaded trace: one flow's packets.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceData {
    /// Time of each packet from the first one (the first is 0), non-decreasing.
    pub times: Vec<SimTime>,
    /// Size of each packet in bytes, when the trace gives sizes.
    pub sizes: Option<Vec<u32>>,
}

impl TraceData {
    /// Mean packet rate over the trace's span (pkt/s); one packet counts as one per second.
    pub fn mean_rate(&self) -> f64 {
        let span = time::to_secs_f64(*self.times.last().unwrap_or(&0));
        if span > 0.0 {
            (self.times.len() - 1).max(1) as f64 / span
        } else {
            1.0
        }
    }

    /// Mean packet size, when sizes are known.
    pub fn mean_size(&self) -> Option<f64> {
        let s = self.sizes.as_ref()?;
        Some(s.iter().map(|&x| x as f64).sum::<f64>() / s.len().max(1) as f64)
    }
}

/// Transport protocol of a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Tcp = 6,
    Udp = 17,
}

/// One direction of one flow: "src:port->dst:port/proto".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowFilter {
    pub src: (Ipv4Addr, u16),
    pub dst: (Ipv4Addr, u16),
    pub proto: Proto,
}

impl fmt::Display for FlowFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = match self.proto {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        };
        write!(
            f,
            "{}:{}->{}:{}/{p}",
            self.src.0, self.src.1, self.dst.0, self.dst.1
        )
    }
}

/// A flow filter that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a flow filter like \"10.0.0.1:5000->10.0.0.2:22/tcp\" (IPv4, tcp or udp), got \"{0}\"")]
pub struct BadFilter(pub String);

impl std::str::FromStr for FlowFilter {
    type Err = BadFilter;
    fn from_str(s: &str) -> Result<Self, BadFilter> {
        let expected = || BadFilter(s.to_string());
        let (pair, proto) = s.trim().rsplit_once('/').ok_or_else(expected)?;
        let proto = match proto {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            _ => return Err(expected()),
        };
        let (a, b) = pair.split_once("->").ok_or_else(expected)?;
        let end = |e: &str| -> Result<(Ipv4Addr, u16), BadFilter> {
            let (ip, port) = e.trim().rsplit_once(':').ok_or_else(expected)?;
            Ok((
                ip.parse().map_err(|_| expected())?,
                port.parse().map_err(|_| expected())?,
            ))
        };
        Ok(FlowFilter {
            src: end(a)?,
            dst: end(b)?,
            proto,
        })
    }
}

/// Why a trace did not load; the message says what is wrong, the caller names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TraceError {
    /// The file cannot be opened or read.
    #[error("cannot {action} it: {source}")]
    Io {
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The CSV reader rejects the file.
    #[error("not a readable CSV: {0}")]
    Csv(#[source] csv::Error),
    /// A CSV row holds something other than `time_s[,size_bytes]`.
    #[error("line {line}: {expected}")]
    CsvRow { line: u64, expected: String },
    /// The capture ends in the middle of a header or packet.
    #[error("truncated: the capture ends in the middle of a header or packet")]
    Truncated,
    /// The capture parser rejects the file.
    #[error("not a valid capture: {0}")]
    Capture(#[source] pcap_file::PcapError),
    /// The file is not the format it claims, or holds no usable packet.
    #[error("{0}")]
    File(String),
    /// The `filter`: missing for a capture, given for a CSV, or matching no packet.
    #[error("{0}")]
    Filter(String),
}

impl TraceError {
    /// True when the `filter` key is at fault rather than the file.
    pub fn is_filter(&self) -> bool {
        matches!(self, TraceError::Filter(_))
    }
}

/// Load a trace file. `filter` is required for captures and refused for CSV.
pub fn load(path: &Path, filter: Option<&FlowFilter>) -> Result<TraceData, TraceError> {
    let io = |action| move |source| TraceError::Io { action, source };
    let mut file = std::fs::File::open(path).map_err(io("open"))?;
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut file, &mut magic).map_err(io("read"))?;
    drop(file);
    let bytes = std::fs::read(path).map_err(io("read"))?;
    const PCAP: [[u8; 4]; 4] = [
        [0xd4, 0xc3, 0xb2, 0xa1],
        [0xa1, 0xb2, 0xc3, 0xd4],
        [0x4d, 0x3c, 0xb2, 0xa1],
        [0xa1, 0xb2, 0x3c, 0x4d],
    ];
    const PCAPNG: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
    let is_pcap = n == 4 && PCAP.contains(&magic);
    let is_pcapng = n == 4 && magic == PCAPNG;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !is_pcap && !is_pcapng && (ext == "pcap" || ext == "pcapng" || ext == "cap") {
        return Err(TraceError::File(format!(
            "not a pcap or pcapng file: wrong magic number {}",
            hex(&magic[..n])
        )));
    }
    let packets = if is_pcap || is_pcapng {
        let filter = filter.ok_or_else(|| {
            TraceError::Filter("a capture needs `filter`, the one flow to replay, like filter = \"10.0.0.1:5000->10.0.0.2:22/tcp\"".to_string())
        })?;
        let all = if is_pcap {
            read_pcap(&bytes)?
        } else {
            read_pcapng(&bytes)?
        };
        let total = all.len();
        let mine: Vec<(SimTime, u32)> = all
            .into_iter()
            .filter(|p| p.tuple == Some(*filter))
            .map(|p| (p.time, p.size))
            .collect();
        if mine.is_empty() {
            return Err(TraceError::Filter(format!(
                "no packets match filter {filter} ({total} packets read)"
            )));
        }
        mine
    } else {
        if filter.is_some() {
            return Err(TraceError::Filter(
                "`filter` applies to pcap/pcapng captures, not to CSV".into(),
            ));
        }
        read_csv(&bytes)?
    };
    let mut times: Vec<SimTime> = packets.iter().map(|p| p.0).collect();
    if times.windows(2).any(|w| w[1] < w[0]) {
        // Captures can hold slightly reordered timestamps; replay them in time order.
        times.sort_unstable();
    }
    let t0 = times[0];
    times.iter_mut().for_each(|t| *t -= t0);
    let sizes: Vec<u32> = packets.iter().map(|p| p.1).collect();
    Ok(TraceData {
        times,
        sizes: sizes.iter().any(|&s| s > 0).then_some(sizes),
    })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn hex(b: &[u8]) -> String {
    if b.is_empty() {
        return "(empty file)".into();
    }
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// CSV rows as (time, size or 0).
fn read_csv(bytes: &[u8]) -> Result<Vec<(SimTime, u32)>, TraceError> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(bytes);
    let mut out = Vec::new();
    let mut last = 0.0f64;
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(TraceError::Csv)?;
        let line = rec.position().map_or(i as u64 + 1, |p| p.line());
        let row = |expected: String| TraceError::CsvRow { line, expected };
        let Some(t) = rec.get(0).filter(|s| !s.is_empty()) else {
            continue;
        };
        let t: f64 = match t.parse() {
            Ok(t) => t,
            Err(_) if out.is_empty() && i == 0 => continue, // a header
            Err(_) => return Err(row(format!("expected a time in seconds, got \"{t}\""))),
        };
        if !t.is_finite() || t < 0.0 {
            return Err(row(format!(
                "expected a time of zero or more seconds, got {t}"
            )));
        }
        if t < last {
            return Err(row(format!(
                "times must not decrease ({t} s after {last} s)"
            )));
        }
        last = t;
        let size = match rec.get(1).filter(|s| !s.is_empty()) {
            None => 0,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(row(format!(
                        "expected a size in bytes (a whole number above 0), got \"{s}\""
                    )))
                }
            },
        };
        out.push((time::from_secs_f64(t), size));
    }
    if out.is_empty() {
        return Err(TraceError::File(
            "no packets: expected rows of time_s[,size_bytes]".into(),
        ));
    }
    Ok(out)
}

/// A captured packet: time, size on the wire, and its 5-tuple if it is IPv4 TCP/UDP.
struct Captured {
    time: SimTime,
    size: u32,
    tuple: Option<FlowFilter>,
}

fn capture_error(e: pcap_file::PcapError) -> TraceError {
    match e {
        pcap_file::PcapError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            TraceError::Truncated
        }
        pcap_file::PcapError::IncompleteBuffer => TraceError::Truncated,
        e => TraceError::Capture(e),
    }
}

fn read_pcap(bytes: &[u8]) -> Result<Vec<Captured>, TraceError> {
    let mut r = pcap_file::pcap::PcapReader::new(bytes).map_err(capture_error)?;
    let link = r.header().datalink;
    let mut out = Vec::new();
    while let Some(p) = r.next_packet() {
        let p = p.map_err(capture_error)?;
        out.push(Captured {
            time: p.timestamp.as_nanos() as SimTime,
            size: p.orig_len,
            tuple: five_tuple(link, &p.data),
        });
    }
    Ok(out)
}

fn read_pcapng(bytes: &[u8]) -> Result<Vec<Captured>, TraceError> {
    use pcap_file::pcapng::Block;
    let mut r = pcap_file::pcapng::PcapNgReader::new(bytes).map_err(capture_error)?;
    let mut out = Vec::new();
    // Link types of the current section's interfaces, by interface id.
    let mut links = Vec::new();
    while let Some(b) = r.next_block() {
        match b.map_err(capture_error)? {
            Block::SectionHeader(_) => links.clear(),
            Block::InterfaceDescription(i) => links.push(i.linktype),
            Block::EnhancedPacket(p) => {
                let link = *links.get(p.interface_id as usize).ok_or_else(|| {
                    TraceError::File(format!(
                        "a packet of undeclared interface {}",
                        p.interface_id
                    ))
                })?;
                out.push(Captured {
                    time: p.timestamp.as_nanos() as SimTime,
                    size: p.original_len,
                    tuple: five_tuple(link, &p.data),
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// The IPv4 TCP/UDP 5-tuple of a captured frame, reading only the fields needed.
fn five_tuple(link: pcap_file::DataLink, frame: &[u8]) -> Option<FlowFilter> {
    use pcap_file::DataLink;
    let ip = match link {
        DataLink::ETHERNET => {
            let mut off = 12;
            let mut ethertype = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
            while ethertype == 0x8100 || ethertype == 0x88a8 {
                off += 4;
                ethertype = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
            }
            if ethertype != 0x0800 {
                return None;
            }
            frame.get(off + 2..)?
        }
        DataLink::LINUX_SLL => {
            if u16::from_be_bytes([*frame.get(14)?, *frame.get(15)?]) != 0x0800 {
                return None;
            }
            frame.get(16..)?
        }
        DataLink::RAW | DataLink::IPV4 => frame,
        _ => return None,
    };
    if ip.first()? >> 4 != 4 {
        return None;
    }
    let ihl = ((ip[0] & 0x0f) as usize) * 4;
    let proto = match *ip.get(9)? {
        6 => Proto::Tcp,
        17 => Proto::Udp,
        _ => return None,
    };
    // Later fragments carry no transport header.
    if u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]) & 0x1fff != 0 {
        return None;
    }
    let addr = |o: usize| -> Option<Ipv4Addr> {
        Some(Ipv4Addr::new(
            *ip.get(o)?,
            *ip.get(o + 1)?,
            *ip.get(o + 2)?,
            *ip.get(o + 3)?,
        ))
    };
    let port =
        |o: usize| -> Option<u16> { Some(u16::from_be_bytes([*ip.get(o)?, *ip.get(o + 1)?])) };
    Some(FlowFilter {
        src: (addr(12)?, port(ihl)?),
        dst: (addr(16)?, port(ihl + 2)?),
        proto,
    })
}

/// A synthetic packet for [`synthetic_capture`]: time (ns), 5-tuple, size on the wire.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticPacket {
    pub time: SimTime,
    pub tuple: FlowFilter,
    pub size: u32,
}

/// The frame of a synthetic packet: Ethernet, IPv4 and TCP/UDP headers only (the payload is not
/// captured, as with a short snap length; the original length says how long it was).
fn synthetic_frame(p: &SyntheticPacket) -> Vec<u8> {
    let mut f = Vec::with_capacity(54);
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
    let ip_len = p.size.saturating_sub(14).min(u16::MAX as u32) as u16;
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&ip_len.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0x40, 0, 64, p.tuple.proto as u8, 0, 0]);
    f.extend_from_slice(&p.tuple.src.0.octets());
    f.extend_from_slice(&p.tuple.dst.0.octets());
    f.extend_from_slice(&p.tuple.src.1.to_be_bytes());
    f.extend_from_slice(&p.tuple.dst.1.to_be_bytes());
    match p.tuple.proto {
        Proto::Tcp => {
            f.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0])
        }
        Proto::Udp => {
            let udp_len = ip_len.saturating_sub(20);
            f.extend_from_slice(&udp_len.to_be_bytes());
            f.extend_from_slice(&[0, 0]);
        }
    }
    f
}

/// The bytes of `packets` as a pcap (`ng = false`) or pcapng capture, written through the
/// `pcap-file` crate with Ethernet framing. Times should be whole microseconds (pcap's default
/// resolution).
pub fn synthetic_capture(packets: &[SyntheticPacket], ng: bool) -> std::io::Result<Vec<u8>> {
    use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
    use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
    use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionBlock;
    use pcap_file::pcapng::PcapNgWriter;
    let io = |e: pcap_file::PcapError| std::io::Error::other(e.to_string());
    let mut buf = Vec::new();
    if ng {
        let mut w = PcapNgWriter::new(&mut buf).map_err(io)?;
        w.write_pcapng_block(InterfaceDescriptionBlock {
            linktype: pcap_file::DataLink::ETHERNET,
            snaplen: 65535,
            options: vec![],
        })
        .map_err(io)?;
        for p in packets {
            let frame = synthetic_frame(p);
            w.write_pcapng_block(EnhancedPacketBlock {
                interface_id: 0,
                timestamp: std::time::Duration::from_nanos(p.time),
                original_len: p.size,
                data: std::borrow::Cow::Owned(frame),
                options: vec![],
            })
            .map_err(io)?;
        }
    } else {
        let header = PcapHeader {
            snaplen: 65535,
            endianness: pcap_file::Endianness::Little,
            ..PcapHeader::default()
        };
        let mut w = PcapWriter::with_header(&mut buf, header).map_err(io)?;
        for p in packets {
            let frame = synthetic_frame(p);
            w.write_packet(&PcapPacket::new(
                std::time::Duration::from_nanos(p.time),
                p.size,
                &frame,
            ))
            .map_err(io)?;
        }
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_keep_their_cause_and_location() {
        use std::error::Error;
        let missing = load(Path::new("/nonexistent/trace.csv"), None).unwrap_err();
        let io = missing
            .source()
            .and_then(|e| e.downcast_ref::<std::io::Error>());
        assert_eq!(io.map(|e| e.kind()), Some(std::io::ErrorKind::NotFound));
        assert!(
            missing.to_string().starts_with("cannot open it: "),
            "{missing}"
        );
        match read_csv(b"0.5\n0.25\n") {
            Err(TraceError::CsvRow { line: 2, expected }) => {
                assert!(expected.contains("must not decrease"), "{expected}")
            }
            other => panic!("expected a row error on line 2, got {other:?}"),
        }
        // A pcap global header cut short.
        let Err(cut) = read_pcap(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]) else {
            panic!("a cut header must not parse");
        };
        assert!(matches!(cut, TraceError::Truncated), "{cut:?}");
        assert!(!cut.is_filter() && TraceError::Filter(String::new()).is_filter());
    }

    #[test]
    fn filter_round_trips_and_rejects_junk() {
        let f: FlowFilter = "10.0.0.1:5000->10.0.0.2:22/tcp".parse().unwrap();
        assert_eq!(f.to_string(), "10.0.0.1:5000->10.0.0.2:22/tcp");
        for bad in [
            "10.0.0.1:5000->10.0.0.2:22",
            "10.0.0.1->10.0.0.2:22/tcp",
            "a:1->b:2/udp",
            "10.0.0.1:5000->10.0.0.2:22/icmp",
        ] {
            assert!(bad.parse::<FlowFilter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn frame_parses_back_to_its_tuple() {
        for proto in ["tcp", "udp"] {
            let tuple: FlowFilter = format!("192.168.1.7:40000->10.1.2.3:443/{proto}")
                .parse()
                .unwrap();
            let p = SyntheticPacket {
                time: 0,
                tuple,
                size: 1500,
            };
            assert_eq!(
                five_tuple(pcap_file::DataLink::ETHERNET, &synthetic_frame(&p)),
                Some(tuple)
            );
        }
    }
}
