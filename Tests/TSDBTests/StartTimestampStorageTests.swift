import Foundation
import Testing

import Model
@testable import TSDB
import PharosTestSupport

/// Start timestamps (`Head.Options.storesStartTimestamps`, `--enable-feature=st-storage`): kept
/// by the head in XOR2 chunks, logged in samples v2 WAL records, replayed after a restart,
/// carried into blocks; dropped without the option.
@Suite struct StartTimestampStorageTests {
    static let labels = Labels(["__name__": "requests_total", "job": "api"])

    /// Every sample of the series `labels` in `[mint, maxt]`: start timestamp, time, value.
    static func samples(_ querier: any Querier, mint: Int64 = .min, maxt: Int64 = .max) throws -> [(st: Int64, t: Int64, v: Double)] {
        let series = try querier.select([Matcher(.equal, "__name__", "requests_total")], mint: mint, maxt: maxt)
        var out: [(st: Int64, t: Int64, v: Double)] = []
        for one in series {
            var iterator = one.makeIterator()
            while iterator.next() { out.append((iterator.startTimestamp, iterator.timestamp, iterator.value)) }
            if let error = iterator.error { throw error }
        }
        return out
    }

    /// A counter restarted at t = 40 s, each sample with its start timestamp.
    static let written: [(st: Int64, t: Int64, v: Double)] = (0..<8).map { i in
        let t = Int64(i + 1) * 10_000
        return (t >= 40_000 ? 39_500 : 1_000, t, Double(i < 3 ? i * 10 : (i - 3) * 2))
    }

    static func options(storing: Bool) -> Head.Options {
        var options = Head.Options()
        options.storesStartTimestamps = storing
        return options
    }

    static func write(_ samples: [(st: Int64, t: Int64, v: Double)], to head: Head) throws {
        var appender = head.appender()
        for sample in samples { try appender.append(labels, timestamp: sample.t, value: sample.v, startTimestamp: sample.st) }
        try appender.commit()
    }

    static func same(_ a: [(st: Int64, t: Int64, v: Double)], _ b: [(st: Int64, t: Int64, v: Double)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.st == $1.st && $0.t == $1.t && $0.v.bitPattern == $1.v.bitPattern }
    }

    @Test func headKeepsStartTimestampsAndReplaysThemFromTheWAL() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let head = try Head.open(directory: directory.path, options: Self.options(storing: true))
        try Self.write(Self.written, to: head)
        #expect(Self.same(try Self.samples(head.querier()), Self.written))
        let chunks = try head.querier().select([Matcher(.equal, "__name__", "requests_total")], mint: .min, maxt: .max)
        #expect(chunks.first?.chunks.allSatisfy { $0.encoding == .xor2 } == true)
        try head.close()

        let reopened = try Head.open(directory: directory.path, options: Self.options(storing: true))
        defer { try? reopened.close() }
        #expect(Self.same(try Self.samples(reopened.querier()), Self.written))
    }

    @Test func withoutTheOptionStartTimestampsAreDropped() throws {
        let head = Head(options: Self.options(storing: false))
        try Self.write(Self.written, to: head)
        let stored = try Self.samples(head.querier())
        #expect(stored.map(\.t) == Self.written.map(\.t))
        #expect(stored.allSatisfy { $0.st == 0 })
        let chunks = try head.querier().select([Matcher(.equal, "__name__", "requests_total")], mint: .min, maxt: .max)
        #expect(chunks.first?.chunks.allSatisfy { $0.encoding == .xor } == true)
    }

    /// A WAL written with start timestamps replays without them when the option is off (the
    /// data stays readable), and a head started before the option keeps its XOR chunk until
    /// a start timestamp arrives.
    @Test func optionTurnedOnOrOffLaterKeepsEverySample() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let head = try Head.open(directory: directory.path, options: Self.options(storing: true))
        try Self.write(Array(Self.written.prefix(4)), to: head)
        try head.close()
        let without = try Head.open(directory: directory.path, options: Self.options(storing: false))
        let replayed = try Self.samples(without.querier())
        #expect(replayed.map(\.t) == Self.written.prefix(4).map(\.t) && replayed.allSatisfy { $0.st == 0 })
        try without.close()

        let plain = Head(options: Self.options(storing: true))
        var appender = plain.appender()
        try appender.append(Self.labels, timestamp: 1_000, value: 1)
        try appender.commit()
        try Self.write(Array(Self.written.suffix(2)), to: plain)
        let stored = try Self.samples(plain.querier())
        #expect(Self.same(stored, [(0, 1_000, 1)] + Array(Self.written.suffix(2))))
    }

    @Test func compactionCarriesStartTimestampsIntoBlocks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = DB.Options.twoHourBlocksOnly
        options.head.storesStartTimestamps = true
        let db = try DB.open(directory: directory.path, options: options)
        // Four hours of samples: the first two-hour range is cut into a block.
        let hour: Int64 = 3_600_000
        let samples = stride(from: Int64(0), to: 4 * hour, by: 60_000).map { t in
            (st: t - t % hour + 1, t: t + 30_000, v: Double(t % hour) / 60_000)
        }
        var appender = db.appender()
        for sample in samples { try appender.append(Self.labels, timestamp: sample.t, value: sample.v, startTimestamp: sample.st) }
        try appender.commit()
        try db.compact()
        #expect(try blockDirectories(directory.path).count == 1)
        #expect(Self.same(try Self.samples(db.querier(mint: .min, maxt: .max)), samples))
        try db.close()
        let reopened = try DB.open(directory: directory.path, options: options)
        defer { try? reopened.close() }
        #expect(Self.same(try Self.samples(reopened.querier(mint: .min, maxt: .max)), samples))
    }

    @Test func samplesRecordsV2RoundTripAndV1StaysWithoutStartTimestamps() throws {
        let withStarts: [WALRecord.SampleEntry] = [
            .init(ref: SeriesRef(rawValue: 9), timestamp: 5_000, value: 1, startTimestamp: 1_000),
            .init(ref: SeriesRef(rawValue: 3), timestamp: 5_000, value: .staleMarker, startTimestamp: 1_000),
            .init(ref: SeriesRef(rawValue: 3), timestamp: 4_000, value: -0.0, startTimestamp: 0),
            .init(ref: SeriesRef(rawValue: 700), timestamp: 6_000, value: .nan, startTimestamp: -70),
        ]
        let encoded = WALRecord.encodeSamples(withStarts)
        #expect(encoded.first == WALRecord.Kind.samplesV2.rawValue)
        #expect(try WALRecord.decode(encoded) == .samples(withStarts))
        // The layout of upstream's `samplesV2`: first sample in full, then deltas and markers.
        #expect(Array(encoded.prefix(4)) == [11, 18, 0x90, 0x4E])

        let plain = withStarts.map { WALRecord.SampleEntry(ref: $0.ref, timestamp: $0.timestamp, value: $0.value) }
        let v1 = WALRecord.encodeSamples(plain)
        #expect(v1.first == WALRecord.Kind.samples.rawValue)
        #expect(try WALRecord.decode(v1) == .samples(plain))
    }

    @Test func malformedSamplesV2RecordsFailWithAClearError() throws {
        let entries = (0..<20).map { (i: Int) -> WALRecord.SampleEntry in
            let st: Int64 = i % 4 == 0 ? 0 : Int64(i / 4) * 1000 + 1
            return WALRecord.SampleEntry(ref: SeriesRef(rawValue: UInt64(i % 3)), timestamp: Int64(i) * 1000, value: Double(i),
                                         startTimestamp: st)
        }
        let encoded = WALRecord.encodeSamples(entries)
        // A cut inside a sample fails naming the record; a cut between samples is a shorter record.
        var failures = 0
        for cut in 2..<encoded.count {
            do {
                guard case .samples(let decoded)? = try WALRecord.decode(Array(encoded[..<cut])) else {
                    Issue.record("cut at \(cut) decoded to another record")
                    continue
                }
                #expect(decoded == Array(entries.prefix(decoded.count)) && decoded.count < entries.count)
            } catch {
                failures += 1
                #expect("\(error)".contains("samples v2 record"))
            }
        }
        #expect(failures > encoded.count / 2)
        // An unknown start-timestamp marker (the second sample's marker byte set to 7).
        var corrupt = encoded
        let secondMarker = 1 + 1 + 1 + 1 + 8 + 1 + 2
        corrupt[secondMarker] = 7
        #expect(throws: TSDBError.self) { try WALRecord.decode(corrupt) }
    }
}
