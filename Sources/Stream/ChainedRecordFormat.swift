package import Exposition
#if canImport(Glibc)
private import Glibc
#endif

/// Payload format 2, chained records: what `ChainedRecordEncoder` writes and
/// `ChainedRecordDecoder` reads (docs/stream.md "Chained records").
///
/// A payload is the format byte and one zstd frame of the body. The body uses protobuf's wire
/// primitives in a fixed order, no field tags:
///
///     fixed64 chain ID, varint sequence
///     key record only (sequence 0): fixed64 previous chain ID (0: none),
///                                   zigzag varint chain start (ms), varint max age (ms)
///     varint ms since the chain start (the writer's clock when it encoded the record)
///     varint count of series named here; each: varint label count, then per label the name
///                                         and value as varint length + UTF-8
///     varint sample count n
///     n × zigzag varint: series number − previous sample's series number − 1 (first: − (−1) − 1)
///     n × zigzag varint: timestamp delta of delta, per series (both 0 before its first sample)
///     n × value XOR the series' previous value (0 before its first): one byte 0 when equal,
///         else a byte `trailing zero bytes << 4 | significant bytes` and those bytes, low first
///
/// Columns, not rows: each compresses better on its own.
package enum ChainedRecordFormat {
    /// The format byte of a chained record.
    package static let formatByte: UInt8 = 2
    /// How long a chain lasts by default: five minutes. Labels are sent once per chain, so at a
    /// 15 s scrape interval they are paid for once per 20 samples; a restarted ingester reads
    /// back at most this much (plus the clock margin for writers that stopped).
    package static let defaultMaxAgeMs: Int64 = 5 * 60_000
    /// How far writers' clocks may differ: a reader considers a chain finished only when a
    /// record written this much after its end has been read.
    package static let clockMarginMs: Int64 = 5 * 60_000

    /// The wall clock in milliseconds since the Unix epoch: what writers date chains by.
    package static func wallClockMs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    static func zigZag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: value << 1) ^ UInt64(bitPattern: value >> 63)
    }

    static func unZigZag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    static func writeXOR(_ xor: UInt64, to body: inout ProtobufWriter) {
        guard xor != 0 else { return body.bytes.append(0) }
        let trailing = xor.trailingZeroBitCount / 8
        let significant = 8 - xor.leadingZeroBitCount / 8 - trailing
        body.bytes.append(UInt8(trailing << 4 | significant))
        var bits = xor >> (8 * trailing)
        for _ in 0..<significant {
            body.bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
        }
    }

    static func readXOR(_ reader: inout ProtobufReader) throws(ExpositionError) -> UInt64 {
        let start = reader.offset
        let header = try reader.byte()
        guard header != 0 else { return 0 }
        let trailing = Int(header >> 4), significant = Int(header & 0x0F)
        guard significant >= 1, trailing + significant <= 8 else {
            throw .malformedProtobuf("value header \(header) is not trailing bytes << 4 | 1...8 significant bytes", offset: start)
        }
        var bits: UInt64 = 0
        for i in 0..<significant { bits |= UInt64(try reader.byte()) << (8 * i) }
        return bits << (8 * trailing)
    }
}

/// What both ends of a chain remember about one series: its last timestamp, the delta before
/// it, and its last value's bits. Encoder and decoder update it identically.
struct ChainedSeriesState: Sendable {
    private var lastTimestamp: Int64 = 0
    private var lastDelta: Int64 = 0
    private var lastBits: UInt64 = 0

    /// The delta of delta that encodes `timestamp`; remembers it.
    mutating func nextTimestampDelta(_ timestamp: Int64) -> Int64 {
        let delta = timestamp &- lastTimestamp
        defer { lastTimestamp = timestamp; lastDelta = delta }
        return delta &- lastDelta
    }

    /// The timestamp `deltaOfDelta` encodes; remembers it.
    mutating func timestamp(fromDeltaOfDelta deltaOfDelta: Int64) -> Int64 {
        lastDelta = lastDelta &+ deltaOfDelta
        lastTimestamp = lastTimestamp &+ lastDelta
        return lastTimestamp
    }

    /// The XOR that encodes `value`; remembers it.
    mutating func nextValueXOR(_ value: Double) -> UInt64 {
        defer { lastBits = value.bitPattern }
        return value.bitPattern ^ lastBits
    }

    /// The value `xor` encodes; remembers it.
    mutating func value(fromXOR xor: UInt64) -> Double {
        lastBits ^= xor
        return Double(bitPattern: lastBits)
    }
}
