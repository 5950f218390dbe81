import Model
import SwiftProtobuf
import Testing

@testable import Exposition
import PharosTestSupport

/// A decoder with a labels cache answers exactly as one without: on repeated requests (served
/// from the cache), on mutated and hostile bodies, under both ways of handling invalid series.
@Suite struct RemoteWriteLabelsCacheTests {
    /// The outcome of one decode: the batch, or the error's text.
    enum Outcome: Equatable {
        case batch(RemoteWriteBatch)
        case error(String)
    }

    static func outcome(_ decoder: inout RemoteWriteDecoder, _ bytes: [UInt8], version: RemoteWriteVersion = .v1) -> Outcome {
        var batch = RemoteWriteBatch()
        do {
            try decoder.decode(bytes, version: version, into: &batch)
            return .batch(batch)
        } catch {
            return .error("\(error)")
        }
    }

    @Test(arguments: [false, true], [RemoteWriteVersion.v1, .v2])
    func repeatedAndMutatedRequestsDecodeAsWithoutTheCache(skipsInvalidSeries: Bool, version: RemoteWriteVersion) throws {
        let options = RemoteWriteDecoder.Options(skipsInvalidSeries: skipsInvalidSeries)
        let cache = RemoteWriteLabelsCache(options: options, capacity: 64)
        var cached = RemoteWriteDecoder(options: options, labelsCache: cache)
        var plain = RemoteWriteDecoder(options: options)
        var rng = SeededGenerator(seed: 11)
        var repeatedFromCache = 0
        for seed in 0..<60 {
            var random = RandomRemoteWrite(seed: UInt64(seed))
            let original: [UInt8] = version == .v1 ? try random.v1Request().serializedBytes() : try random.v2Request().serializedBytes()
            #expect(Self.outcome(&cached, original, version: version) == Self.outcome(&plain, original, version: version), "seed \(seed)")
            let stored = cache.count
            // The same request again: every valid label set comes from the cache.
            let again = Self.outcome(&cached, original, version: version)
            #expect(again == Self.outcome(&plain, original, version: version), "seed \(seed), repeated")
            if case .batch(let batch) = again, !batch.labels.isEmpty, cache.count == stored { repeatedFromCache += 1 }
            for _ in 0..<20 where !original.isEmpty {
                var mutated = original
                mutated[Int(rng.next() % UInt64(mutated.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                #expect(Self.outcome(&cached, mutated, version: version) == Self.outcome(&plain, mutated, version: version), "seed \(seed), mutated")
            }
        }
        #expect(repeatedFromCache > 10)
    }

    /// Hand-made series: the same labels in the same bytes hit; the same labels sent in
    /// another order are decoded again (and refused or sorted exactly as without the cache).
    @Test func onlyIdenticalLabelBytesHit() throws {
        let options = RemoteWriteDecoder.Options(sortsUnsortedLabels: true)
        let cache = RemoteWriteLabelsCache(options: options)
        var decoder = RemoteWriteDecoder(options: options, labelsCache: cache)
        var batch = RemoteWriteBatch()
        let sorted = RemoteWriteValidationTests.v1Body([[("__name__", "up"), ("job", "a")]])
        let unsorted = RemoteWriteValidationTests.v1Body([[("job", "a"), ("__name__", "up")]])
        try decoder.decode(sorted, version: .v1, into: &batch)
        #expect(cache.count == 1)
        try decoder.decode(sorted, version: .v1, into: &batch)
        #expect(cache.count == 1 && batch.labels == [Labels(["__name__": "up", "job": "a"])])
        try decoder.decode(unsorted, version: .v1, into: &batch)
        #expect(cache.count == 2 && batch.labels == [Labels(["__name__": "up", "job": "a"])])

        let strict = RemoteWriteLabelsCache(options: RemoteWriteDecoder.Options())
        var strictDecoder = RemoteWriteDecoder(labelsCache: strict)
        try strictDecoder.decode(sorted, version: .v1, into: &batch)
        #expect(throws: ExpositionError.self) { try strictDecoder.decode(unsorted, version: .v1, into: &batch) }
        #expect(strict.count == 1, "a refused label set is not stored")
    }

    /// Remote write 2.0: symbol numbers differ between requests, the texts do not. The same
    /// labels through another symbol table hit; other texts miss; and a series' labels
    /// resolve to the same `Labels` either way.
    @Test func v2LabelsHitAcrossSymbolTables() throws {
        func body(symbols: [String], refs: [UInt32]) throws -> [UInt8] {
            var request = Io_Prometheus_Write_V2_Request()
            request.symbols = symbols
            var series = Io_Prometheus_Write_V2_TimeSeries()
            series.labelsRefs = refs
            var sample = Io_Prometheus_Write_V2_Sample()
            sample.value = 1
            sample.timestamp = 1000
            series.samples = [sample]
            request.timeseries = [series]
            return try request.serializedBytes()
        }
        let cache = RemoteWriteLabelsCache(options: RemoteWriteDecoder.Options())
        var decoder = RemoteWriteDecoder(labelsCache: cache)
        var batch = RemoteWriteBatch()
        let expected = [Labels(["__name__": "up", "job": "a"])]
        try decoder.decode(try body(symbols: ["", "__name__", "up", "job", "a"], refs: [1, 2, 3, 4]), version: .v2, into: &batch)
        #expect(cache.count == 1 && batch.labels == expected)
        try decoder.decode(try body(symbols: ["", "a", "job", "up", "__name__", "unused"], refs: [4, 3, 2, 1]), version: .v2, into: &batch)
        #expect(cache.count == 1, "the same texts in another table hit")
        #expect(batch.labels == expected && batch.cachedSeries.count == 1)
        try decoder.decode(try body(symbols: ["", "__name__", "up", "job", "b"], refs: [1, 2, 3, 4]), version: .v2, into: &batch)
        #expect(cache.count == 2 && batch.labels == [Labels(["__name__": "up", "job": "b"])])
        // Length prefixes keep "ab"+"c" apart from "a"+"bc".
        try decoder.decode(try body(symbols: ["", "__name__", "up", "jo", "ba"], refs: [1, 2, 3, 4]), version: .v2, into: &batch)
        #expect(cache.count == 3 && batch.labels == [Labels(["__name__": "up", "jo": "ba"])])
    }

    /// Keys whose low bits collide (they pick the slot) are still told apart by the rest, across
    /// table growth and generation changes; keys never stored are not found.
    @Test func collidingKeysAreToldApart() {
        let cache = RemoteWriteLabelsCache(options: RemoteWriteDecoder.Options(), capacity: 300)
        func key(_ i: Int) -> RemoteWriteLabelsCache.Key { .init(low: UInt64(i % 16), high: UInt64(i)) }
        for i in 0..<500 { cache.insert(Labels(["__name__": "m\(i)"]), for: key(i)) }
        for i in 200..<500 { #expect(cache.series(for: key(i))?.labels == Labels(["__name__": "m\(i)"])) }
        for i in 500..<600 { #expect(cache.series(for: key(i)) == nil) }
        #expect(cache.series(for: .init(low: 3, high: 1 << 40)) == nil)
    }

    @Test func holdsAtMostTwoGenerations() throws {
        let cache = RemoteWriteLabelsCache(options: RemoteWriteDecoder.Options(), capacity: 4)
        var decoder = RemoteWriteDecoder(labelsCache: cache)
        var batch = RemoteWriteBatch()
        for i in 0..<40 {
            try decoder.decode(RemoteWriteValidationTests.v1Body([[("__name__", "m\(i)")]]), version: .v1, into: &batch)
            #expect(cache.count <= 8)
        }
        #expect(batch.labels == [Labels(["__name__": "m39"])])
    }

    /// Every series of a batch decoded with the cache carries its entry; a repeated request
    /// carries the same entries, whose references hold only under the epoch they were set in.
    @Test func entriesCarryStorageReferencesPerEpoch() throws {
        let cache = RemoteWriteLabelsCache(options: RemoteWriteDecoder.Options())
        var decoder = RemoteWriteDecoder(labelsCache: cache)
        var first = RemoteWriteBatch(), second = RemoteWriteBatch()
        let body = RemoteWriteValidationTests.v1Body([[("__name__", "up"), ("job", "a")], [("__name__", "up"), ("job", "b")]])
        try decoder.decode(body, version: .v1, into: &first)
        try decoder.decode(body, version: .v1, into: &second)
        #expect(first.cachedSeries.count == 2)
        #expect(zip(first.cachedSeries, second.cachedSeries).allSatisfy { $0 === $1 })
        #expect(first.cachedSeries.map(\.labels) == first.labels)

        final class Storage: Sendable {}
        let one = Storage(), two = Storage()
        let epochOne = try #require(cache.refEpoch(for: one))
        #expect(cache.refEpoch(for: one) == epochOne)
        let entry = first.cachedSeries[0]
        #expect(entry.ref(epoch: epochOne) == 0)
        entry.setRef(42, epoch: epochOne)
        #expect(entry.ref(epoch: epochOne) == 42)
        let epochTwo = try #require(cache.refEpoch(for: two))
        #expect(epochTwo != epochOne)
        #expect(entry.ref(epoch: epochTwo) == 0, "a reference into another storage is never used")
        entry.setRef(1 << 50, epoch: epochTwo)
        #expect(entry.ref(epoch: epochTwo) == 0, "a reference too wide for the tag is not kept")
        #expect(cache.refEpoch(for: 7) == nil, "a value type has no identity to tie references to")
    }

    /// Plain decoders (no cache) and 2.0 requests leave the column empty.
    @Test func noEntriesWithoutTheCache() throws {
        var decoder = RemoteWriteDecoder()
        var batch = RemoteWriteBatch()
        try decoder.decode(RemoteWriteValidationTests.v1Body([[("__name__", "up")]]), version: .v1, into: &batch)
        #expect(batch.labels.count == 1 && batch.cachedSeries.isEmpty)
    }

    /// Label fields a sender interleaves with samples (valid protobuf, unusual order) are keyed
    /// by their bytes in wire order: the same message hits, and decodes as without the cache.
    @Test func interleavedLabelFieldsHitToo() throws {
        func field(_ number: UInt8, _ payload: [UInt8]) -> [UInt8] { [number << 3 | 2, UInt8(payload.count)] + payload }
        func label(_ name: String, _ value: String) -> [UInt8] { field(1, field(1, Array(name.utf8)) + field(2, Array(value.utf8))) }
        let sample = field(2, [0x09] + [UInt8](repeating: 0, count: 6) + [0xF0, 0x3F] + [0x10, 0x05])  // value 1.0, timestamp 5
        let series = label("__name__", "up") + sample + label("job", "a")
        let body = field(1, series)
        let cache = RemoteWriteLabelsCache(options: RemoteWriteDecoder.Options())
        var cached = RemoteWriteDecoder(labelsCache: cache)
        var plain = RemoteWriteDecoder()
        let expected = Self.outcome(&plain, body)
        guard case .batch(let batch) = expected else {
            Issue.record("the body does not decode: \(expected)")
            return
        }
        #expect(batch.labels == [Labels(["__name__": "up", "job": "a"])] && batch.values == [1] && batch.timestampsMs == [5])
        #expect(Self.outcome(&cached, body) == expected)
        #expect(cache.count == 1)
        guard case .batch(let again) = Self.outcome(&cached, body) else {
            Issue.record("the repeated body does not decode")
            return
        }
        #expect(again == batch && cache.count == 1)
        #expect(again.cachedSeries.count == 1)
    }
}
