import Foundation
import Model
import PharosTestSupport
import Testing

@testable import TSDB

/// Reading persistent blocks: Pharos's own, promtool's, and damaged ones.
@Suite struct BlockReaderTests {
    /// Every sample of every series a querier selects, keyed by labels.
    static func readAll(_ querier: some Querier, _ matchers: [Matcher], mint: Int64 = .min, maxt: Int64 = .max)
        throws -> [Labels: [(Int64, UInt64)]]
    {
        var out = [Labels: [(Int64, UInt64)]]()
        var previous: Labels?
        for series in try querier.select(matchers, mint: mint, maxt: maxt) {
            if let previous { #expect(previous < series.labels, "select is not sorted by labels") }
            previous = series.labels
            var iterator = series.makeIterator()
            var samples = [(Int64, UInt64)]()
            while iterator.next() { samples.append((iterator.timestamp, iterator.value.bitPattern)) }
            #expect(iterator.error == nil)
            out[series.labels] = samples
        }
        return out
    }

    @Test func pharosBlockReadsBack() throws {
        var rng = SeededGenerator(seed: 11)
        let series = PromtoolBlockTests.makeSeries(using: &rng)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ulid = ULID.make(milliseconds: 5, using: &rng)
        let meta = try BlockWriter.write(series, into: directory.path, ulid: ulid)
        let block = try Block(directory: "\(directory.path)/\(ulid)")
        #expect(block.ulid == ulid && block.minTime == meta.minTime && block.maxTime == meta.maxTime)

        let all = try Self.readAll(block.querier(), [try Matcher(.regexMatch, "__name__", ".+")])
        #expect(all.count == series.count)
        for item in series {
            #expect(all[item.labels]?.map(\.0) == item.samples.map(\.timestamp))
            #expect(all[item.labels]?.map(\.1) == item.samples.map(\.value.bitPattern))
        }

        // Matchers select the same series as filtering by hand, absent labels matching "".
        let matcherSets: [[Matcher]] = [
            [try Matcher(.equal, "__name__", "metric_3")],
            [try Matcher(.equal, "odd", "")],
            [try Matcher(.notEqual, "zone", "z1"), try Matcher(.regexMatch, "__name__", "metric_[12]")],
            [try Matcher(.regexMatch, "instance", "host-1.*|host-2"), try Matcher(.regexNoMatch, "odd", "plain|日本")],
            // Exact lookups narrowed by matchers that scan values, then an excluding one.
            [try Matcher(.equal, "__name__", "metric_3"), try Matcher(.notEqual, "instance", ""),
             try Matcher(.regexMatch, "zone", ".+"), try Matcher(.notEqual, "zone", "z1")],
            [try Matcher(.regexMatch, "instance", ".*1.*"), try Matcher(.regexMatch, "__name__", "metric_[12]")],
        ]
        for matchers in matcherSets {
            let expected = Set(series.map(\.labels).filter { labels in matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") } })
            let got = try Self.readAll(block.querier(), matchers)
            #expect(Set(got.keys) == expected, "\(matchers)")
        }

        // A time window keeps only the samples inside it.
        let mint = meta.minTime + 200_000, maxt = meta.minTime + 900_000
        let window = try Self.readAll(block.querier(), [], mint: mint, maxt: maxt)
        for item in series {
            let inside = item.samples.filter { $0.timestamp >= mint && $0.timestamp <= maxt }
            #expect((window[item.labels] ?? []).map(\.0) == inside.map(\.timestamp))
        }
        let names = try block.querier().labelNames([])
        #expect(names == ["__name__", "instance", "odd", "zone"])
        #expect(try block.querier().labelValues("zone", [try Matcher(.equal, "__name__", "metric_0")]).allSatisfy { $0.hasPrefix("z") })
        #expect(try block.querier().labelValues("__name__", []).count == 7)
    }

    /// A block written by promtool reads back exactly as `promtool tsdb dump` prints it.
    @Test(.enabled(if: executableExists("promtool"), "needs promtool (Debian package prometheus)"))
    func promtoolBlockMatchesPromtoolDump() throws {
        var rng = SeededGenerator(seed: 21)
        var input = "# TYPE up gauge\n# TYPE temp gauge\n"
        let start: Int64 = 1_699_999_200
        for index in 0..<20 {
            let name = index % 2 == 0 ? "up" : "temp"
            var t = start + Int64.random(in: 0..<600, using: &rng)
            // Up to 500 samples: promtool cuts several chunks for the long ones.
            for _ in 0..<Int.random(in: 1...500, using: &rng) {
                let v = Double(Int.random(in: -100_000...100_000, using: &rng)) / 8
                input += "\(name){job=\"j\(index % 4)\",instance=\"i\(index)\"} \(v) \(t)\n"
                t += 10
            }
        }
        input += "# EOF\n"
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try input.write(toFile: directory.path + "/input.om", atomically: true, encoding: .utf8)
        let db = directory.path + "/db"
        let created = try run("/usr/bin/env", ["promtool", "tsdb", "create-blocks-from", "openmetrics", directory.path + "/input.om", db])
        try #require(created.status == 0, "promtool failed: \(created.output)")
        try FileManager.default.createDirectory(atPath: db + "/wal", withIntermediateDirectories: true)
        let dump = try run("/usr/bin/env", ["promtool", "tsdb", "dump", db])
        try #require(dump.status == 0, "promtool tsdb dump failed: \(dump.output)")
        var theirs = [Labels: [(Int64, UInt64)]]()
        for line in dump.output.split(separator: "\n") {
            let parsed = try #require(DumpLine(line), "unparsable dump line: \(line)")
            theirs[parsed.labels, default: []].append((parsed.timestamp, parsed.value.bitPattern))
        }
        var ours = [Labels: [(Int64, UInt64)]]()
        let blocks = try FileManager.default.contentsOfDirectory(atPath: db).filter { ULID($0) != nil }
        try #require(!blocks.isEmpty)
        for name in blocks {
            let block = try Block(directory: "\(db)/\(name)")
            for (labels, samples) in try Self.readAll(block.querier(), []) {
                ours[labels, default: []].append(contentsOf: samples)
            }
        }
        #expect(ours.count == 20)
        #expect(Set(ours.keys) == Set(theirs.keys))
        for (labels, samples) in theirs {
            let mine = (ours[labels] ?? []).sorted { $0.0 < $1.0 }
            #expect(mine.map(\.0) == samples.map(\.0), "\(labels)")
            #expect(mine.map(\.1) == samples.map(\.1), "\(labels)")
        }
        // The data directory opened whole, as `pharos tsdb dump` opens one, serves the same.
        let reader = try DataDirectoryReader(directory: db)
        #expect(reader.skippedBlocks.isEmpty)
        let whole = try Self.readAll(reader, [try Matcher(.regexMatch, "__name__", ".+")])
        #expect(Set(whole.keys) == Set(theirs.keys))
        for (labels, samples) in theirs {
            #expect(whole[labels]?.map(\.0) == samples.map(\.0), "\(labels)")
            #expect(whole[labels]?.map(\.1) == samples.map(\.1), "\(labels)")
        }
    }

    /// Truncated and mutated index files: always an error naming the file, or a result; never a crash.
    @Test func damagedIndexNeverCrashes() throws {
        var rng = SeededGenerator(seed: 31)
        let series = Array(PromtoolBlockTests.makeSeries(using: &rng).prefix(12)).sorted { $0.labels < $1.labels }
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/index"
        let writer = try IndexWriter(path: path, symbols: series.flatMap { $0.labels.flatMap { [$0.name, $0.value] } })
        for (index, item) in series.enumerated() {
            try writer.add(item.labels, chunks: [.init(ref: UInt64(8 + index * 100), minTime: item.samples[0].timestamp,
                                                       maxTime: item.samples[item.samples.count - 1].timestamp)])
        }
        try writer.finish()
        let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        func exercise(_ bytes: [UInt8]) -> TSDBError? {
            do {
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let reader = try IndexReader(path: path)
                for ref in try reader.allPostings() { _ = try reader.series(ref) }
                for name in reader.labelNames {
                    for value in reader.labelValues(name) { _ = try reader.postings(name: name, value: value) }
                }
                _ = try reader.lastSeriesReference()
                _ = try? reader.series(UInt64.max)
                return nil
            } catch let error as TSDBError {
                return error
            } catch {
                Issue.record("unexpected \(error)")
                return nil
            }
        }
        #expect(exercise(good) == nil)
        for length in stride(from: 0, to: good.count, by: 3) {
            let error = exercise(Array(good[..<length]))
            #expect(error != nil, "truncated to \(length) bytes")
            if case .corruptIndex(let errorPath, let offset, _)? = error {
                #expect(errorPath == path && offset >= 0 && offset <= length)
            }
        }
        var detected = 0
        for _ in 0..<400 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            }
            if exercise(bytes) != nil { detected += 1 }
        }
        // Every section is checksummed; only flips in padding can go unnoticed.
        #expect(detected > 350, "only \(detected) of 400 mutations detected")
        for _ in 0..<200 {
            let random = (0..<Int.random(in: 0..<300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = exercise(random)
        }
    }

    /// meta.json and ULID text: truncated, mutated and random input gives a value or `nil`, never a crash.
    @Test func metaAndULIDParsersSurviveGarbage() {
        let ulid = ULID(milliseconds: 1_700_000_000_000, randomHigh: 7, randomLow: 42)
        let meta = BlockMeta(ulid: ulid, minTime: -5, maxTime: 1_000, numSamples: 3, numSeries: 2, numChunks: 2).json
        #expect(MetaJSON.string("ulid", in: meta) == ulid.description)
        #expect(MetaJSON.integer("minTime", in: meta) == -5 && MetaJSON.integer("maxTime", in: meta) == 1_000)
        #expect(MetaJSON.integer("version", in: meta) == 1)
        var rng = SeededGenerator(seed: 51)
        let bytes = Array(meta.utf8)
        for length in 0..<bytes.count {
            let text = String(decoding: bytes[..<length], as: UTF8.self)
            _ = (MetaJSON.string("ulid", in: text), MetaJSON.integer("maxTime", in: text))
        }
        for _ in 0..<300 {
            var mutated = bytes
            mutated[Int.random(in: 0..<mutated.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            let text = String(decoding: mutated, as: UTF8.self)
            _ = (MetaJSON.string("ulid", in: text), MetaJSON.integer("minTime", in: text), MetaJSON.integer("version", in: text))
            let garbage = String(decoding: (0..<26).map { _ in UInt8.random(in: 0...255, using: &rng) }, as: UTF8.self)
            if let parsed = ULID(garbage) { #expect(parsed.description == garbage.uppercased()) }
        }
    }

    @Test func damagedBlockFilesAreNamed() throws {
        var rng = SeededGenerator(seed: 41)
        let series = Array(PromtoolBlockTests.makeSeries(using: &rng).prefix(5))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ulid = ULID.make(milliseconds: 7, using: &rng)
        try BlockWriter.write(series, into: directory.path, ulid: ulid)
        let path = "\(directory.path)/\(ulid)"
        // A flipped byte inside the first chunk's data: its checksum no longer matches.
        let segmentPath = "\(path)/chunks/000001"
        var segment = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segmentPath)))
        segment[12] ^= 0x40
        try Data(segment).write(to: URL(fileURLWithPath: segmentPath))
        let block = try Block(directory: path)
        let chunkError = #expect(throws: TSDBError.self) { _ = try block.querier().select([], mint: .min, maxt: .max) }
        guard case .corruptChunkFile(let file, let offset, _)? = chunkError else {
            Issue.record("expected a chunk file error, got \(String(describing: chunkError))")
            return
        }
        #expect(file == segmentPath && offset == 8)
        try Data("{\"ulid\": \"nope\"}".utf8).write(to: URL(fileURLWithPath: "\(path)/meta.json"))
        let metaError = #expect(throws: TSDBError.self) { _ = try Block(directory: path) }
        #expect(metaError == .corruptBlock(path: "\(path)/meta.json", reason: "no valid \"ulid\""))
    }
}
