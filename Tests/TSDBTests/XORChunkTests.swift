import Exposition
import Foundation
import Testing

import Model
@testable import TSDB
import PharosTestSupport

/// A random series with the awkward cases: NaN, stale markers, infinities, negative zero,
/// repeated values, negative and huge timestamp jumps and every delta-of-delta bucket.
func randomSeries(count: Int, using rng: inout SeededGenerator) -> [(Int64, Double)] {
    var t = Int64.random(in: -1_000_000...2_000_000_000_000, using: &rng)
    var v = 0.0
    var out = [(Int64, Double)]()
    for _ in 0..<count {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0: t &+= 15_000
        case 1: t &+= Int64.random(in: -8_191...8_192, using: &rng)
        case 2: t &+= Int64.random(in: -65_535...65_536, using: &rng)
        case 3: t &+= Int64.random(in: -524_287...524_288, using: &rng)
        case 4: t &+= Int64.random(in: -1 << 40...1 << 40, using: &rng)
        default: t &+= Int64.random(in: 14_000...16_000, using: &rng)
        }
        switch Int.random(in: 0..<14, using: &rng) {
        case 0: v = .nan
        case 1: v = .staleMarker
        case 2: v = .infinity
        case 3: v = -.infinity
        case 4: v = -0.0
        case 5: v = Double(bitPattern: rng.next())
        case 6: break  // repeat
        case 7: v = Double(Int.random(in: -1000...1000, using: &rng))
        default: v += Double.random(in: -10...10, using: &rng)
        }
        out.append((t, v))
    }
    return out
}

func decode(_ chunk: XORChunk) -> [(Int64, UInt64)] {
    var iterator = XORIterator(chunk)
    var out = [(Int64, UInt64)]()
    while iterator.next() { out.append((iterator.timestamp, iterator.value.bitPattern)) }
    #expect(iterator.error == nil)
    return out
}

@Suite struct XORChunkTests {
    @Test(arguments: [1, 2, 3, 120, 1000])
    func roundTripsRandomSeriesBitExactly(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count))
        for _ in 0..<50 {
            let series = randomSeries(count: count, using: &rng)
            var chunk = XORChunk()
            for (t, v) in series { chunk.append(timestamp: t, value: v) }
            #expect(chunk.count == count)
            let decoded = decode(chunk)
            #expect(decoded.map(\.0) == series.map(\.0))
            #expect(decoded.map(\.1) == series.map(\.1.bitPattern))
        }
    }

    /// Values changing in windows of every width, with regular (delta-of-delta 0) and jittered
    /// timestamps, one sample in three unchanged: the decoder's one-word paths at their limits
    /// and the bit-by-bit path they fall back to.
    @Test func roundTripsEveryValueWindowWidth() {
        var rng = SeededGenerator(seed: 9)
        for width in 1...64 {
            for jitter in [false, true] {
                var chunk = XORChunk()
                var t: Int64 = 1_700_000_000_000, bits: UInt64 = 0x4059_0000_0000_0000
                var expected = [(Int64, UInt64)]()
                for i in 0..<200 {
                    t += jitter ? Int64.random(in: 14_000...16_000, using: &rng) : 15_000
                    if i % 3 != 2 {
                        // Lowest and highest bit of the window set: the XOR is `width` wide.
                        let shift = UInt64.random(in: 0...UInt64(64 - width), using: &rng)
                        let window: UInt64 = width == 64 ? .max : ((1 << UInt64(width)) - 1) << shift
                        bits ^= rng.next() & window | 1 << shift | 1 << (shift + UInt64(width) - 1)
                    }
                    chunk.append(timestamp: t, value: Double(bitPattern: bits))
                    expected.append((t, bits))
                }
                let decoded = decode(chunk)
                #expect(decoded.map(\.0) == expected.map(\.0), "width \(width), jitter \(jitter)")
                #expect(decoded.map(\.1) == expected.map(\.1), "width \(width), jitter \(jitter)")
            }
        }
    }

    /// Every delta-of-delta bucket's extreme values and their neighbours, followed by enough
    /// samples that the decoder reads them with its one-word path, come back exactly.
    @Test func roundTripsEveryBucketsLimits() {
        var dods: [Int64] = [0, 1, -1]
        for bits in [14, 17, 20] {
            let half = Int64(1) << Int64(bits - 1)
            dods += [half, half + 1, -(half - 1), -half, half - 1, -(half - 2)]
        }
        var chunk = XORChunk()
        var t: Int64 = 1_000_000_000, delta: Int64 = 15_000
        var expected = [Int64]()
        for dod in [0, 0] + dods + [Int64](repeating: 0, count: 30) {
            delta += dod
            t += delta
            chunk.append(timestamp: t, value: 1)
            expected.append(t)
        }
        #expect(decode(chunk).map(\.0) == expected)
    }

    @Test func emptyChunkHasOnlyTheHeader() {
        let chunk = XORChunk()
        #expect(chunk.bytes == [0, 0])
        var iterator = XORIterator(chunk)
        let advanced = iterator.next()
        #expect(!advanced)
        #expect(iterator.error == nil)
    }

    /// The bucket bounds are upstream's asymmetric `bitRange`.
    @Test func bucketBoundsMatchUpstream() {
        #expect(XORChunk.fits(8192, bits: 14))
        #expect(!XORChunk.fits(8193, bits: 14))
        #expect(XORChunk.fits(-8191, bits: 14))
        #expect(!XORChunk.fits(-8192, bits: 14))
        for dod: Int64 in [8192, -8191, -8192, 8193, 65536, -65535, -65536, 524_288, -524_288, 1 << 50, -(1 << 50)] {
            var chunk = XORChunk()
            let ts: [Int64] = [1000, 2000, 3000 + dod]
            for t in ts { chunk.append(timestamp: t, value: 1) }
            #expect(decode(chunk).map(\.0) == ts, "dod \(dod)")
        }
    }

    /// As upstream's `XORChunk.Appender`, a resumed chunk continues from the decoder's state,
    /// so its bytes may differ from appending in one go but its samples are the same.
    @Test func continuesAppendingToExistingBytes() throws {
        var rng = SeededGenerator(seed: 7)
        let series = randomSeries(count: 200, using: &rng)
        for split in [0, 1, 2, 3, 17, 199] {
            var first = XORChunk()
            for (t, v) in series[..<split] { first.append(timestamp: t, value: v) }
            var resumed = try XORChunk(bytes: first.bytes)
            for (t, v) in series[split...] { resumed.append(timestamp: t, value: v) }
            #expect(decode(resumed).map(\.0) == series.map(\.0), "split at \(split)")
            #expect(decode(resumed).map(\.1) == series.map(\.1.bitPattern), "split at \(split)")
        }
    }

    @Test func seekFindsFirstSampleAtOrAfter() {
        var chunk = XORChunk()
        for t in stride(from: Int64(0), to: 1000, by: 10) { chunk.append(timestamp: t, value: Double(t)) }
        var iterator = XORIterator(chunk)
        let found55 = iterator.seek(to: 55)
        #expect(found55 && iterator.timestamp == 60)
        let found10 = iterator.seek(to: 10)  // already past: stays
        #expect(found10 && iterator.timestamp == 60)
        let found990 = iterator.seek(to: 990)
        #expect(found990 && iterator.value == 990)
        let found991 = iterator.seek(to: 991)
        #expect(!found991)
        #expect(iterator.error == nil)
    }

    /// Truncated and mutated chunks end with an error or decode something; they never trap.
    @Test func corruptBytesNeverTrap() {
        var rng = SeededGenerator(seed: 42)
        let series = randomSeries(count: 120, using: &rng)
        var chunk = XORChunk()
        for (t, v) in series { chunk.append(timestamp: t, value: v) }
        let bytes = chunk.bytes
        var iterator = XORIterator()
        for length in 0..<bytes.count {
            iterator.reset(bytes: bytes, range: 0..<length)
            var n = 0
            while iterator.next() { n += 1 }
            #expect(iterator.error != nil, "truncated to \(length) bytes")
            #expect(n < 120)
        }
        for _ in 0..<3000 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let index = Int.random(in: 0..<mutated.count, using: &rng)
                mutated[index] ^= UInt8.random(in: 1...255, using: &rng)
            }
            iterator.reset(bytes: mutated, range: mutated.indices)
            var n = 0
            while iterator.next() { n += 1 }
            #expect(n <= iterator.count)
            #expect(iterator.error != nil || n == iterator.count)
        }
        for _ in 0..<500 {
            let random = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            iterator.reset(bytes: random, range: random.indices)
            while iterator.next() {}
            _ = try? XORChunk(bytes: random)
        }
    }
}

/// Upstream's `bstream` writer, transcribed literally (bit by bit, `writeByte` always
/// appending), as the reference the fast `BitWriter` must match byte for byte.
struct ReferenceBitStream {
    var stream: [UInt8] = []
    var count = 0

    mutating func writeBit(_ bit: Bool) {
        if count == 0 { stream.append(0); count = 8 }
        if bit { stream[stream.count - 1] |= 1 << UInt8(count - 1) }
        count -= 1
    }

    mutating func writeByte(_ byte: UInt8) {
        if count == 0 { stream.append(0); count = 8 }
        stream[stream.count - 1] |= byte >> UInt8(8 - count)
        stream.append(UInt8(truncatingIfNeeded: UInt16(byte) << UInt16(count)))
    }

    mutating func writeBits(_ value: UInt64, _ n: Int) {
        var u = value << UInt64(64 - n)
        var n = n
        while n >= 8 { writeByte(UInt8(u >> 56)); u <<= 8; n -= 8 }
        while n > 0 { writeBit(u >> 63 == 1); u <<= 1; n -= 1 }
    }
}

@Suite struct BitStreamTests {
    @Test func writerMatchesUpstreamsAlgorithmAndReaderReadsItBack() {
        var rng = SeededGenerator(seed: 77)
        for _ in 0..<300 {
            var reference = ReferenceBitStream()
            var writer = BitWriter(bytes: [], freeBits: 0)
            var written = [(UInt64, Int)]()
            for _ in 0..<Int.random(in: 1...60, using: &rng) {
                switch Int.random(in: 0..<5, using: &rng) {
                case 0:
                    let bit = Bool.random(using: &rng)
                    reference.writeBit(bit)
                    writer.writeBit(bit)
                    written.append((bit ? 1 : 0, 1))
                case 1:
                    let byte = UInt8.random(in: 0...255, using: &rng)
                    reference.writeByte(byte)
                    writer.writeByte(byte)
                    written.append((UInt64(byte), 8))
                case 3:
                    // Two fields in one write: the same bytes as two writes.
                    let n1 = Int.random(in: 1...8, using: &rng), n2 = Int.random(in: 1...(64 - n1), using: &rng)
                    let first = rng.next() & ((1 << UInt64(n1)) - 1)
                    let second = rng.next() & (n2 == 64 ? UInt64.max : (1 << UInt64(n2)) - 1)
                    reference.writeBits(first, n1)
                    reference.writeBits(second, n2)
                    writer.write(first << UInt64(n2) | second, bits: n1 + n2, lastField: n2)
                    written.append((first, n1))
                    written.append((second, n2))
                case 4:
                    // Settling the accumulator into the buffer changes no byte.
                    writer.materialize()
                default:
                    let n = Int.random(in: 1...64, using: &rng)
                    let value = rng.next() & (n == 64 ? UInt64.max : (1 << UInt64(n)) - 1)
                    reference.writeBits(value, n)
                    writer.write(value, bits: n)
                    written.append((value, n))
                }
                #expect(writer.bytes == reference.stream)
                #expect(writer.freeBits == reference.count)
            }
            var reader = BitReader(bytes: writer.bytes, range: writer.bytes.indices)
            for (value, n) in written {
                #expect(reader.read(bits: n) == value)
            }
        }
    }
}
