import Foundation
import Model
import PharosTestSupport
import Testing

@testable import TSDB

/// Blocks read through memory mappings: damaged files give errors naming the file and
/// offset (never a crash), a damaged block is skipped while the others serve, and opening a
/// block does not read it into memory.
@Suite struct MappedBlockTests {
    /// A block of `PromtoolBlockTests.makeSeries` in `directory`; returns its path and series.
    static func writeBlock(in directory: String, seed: UInt64) throws -> (path: String, series: [BlockWriter.SeriesSamples]) {
        var rng = SeededGenerator(seed: seed)
        let series = PromtoolBlockTests.makeSeries(using: &rng)
        let ulid = ULID.make(milliseconds: 9, using: &rng)
        try BlockWriter.write(series, into: directory, ulid: ulid)
        return ("\(directory)/\(ulid)", series)
    }

    /// Opens the block at `path` and reads every sample: `nil` when all went well, else the error.
    static func openAndReadAll(_ path: String) -> TSDBError? {
        do throws(TSDBError) {
            let block = try Block(directory: path)
            for series in try block.querier().select([], mint: .min, maxt: .max) {
                var iterator = series.makeIterator()
                while iterator.next() {}
                if let error = iterator.error { return error }
            }
            _ = try block.querier().labelValues("__name__", [])
            return nil
        } catch {
            return error
        }
    }

    /// The file and offset an error names, if it is a damaged-index or damaged-chunk-file error.
    static func location(_ error: TSDBError?) -> (path: String, offset: Int)? {
        switch error {
        case .corruptIndex(let path, let offset, _)?, .corruptChunkFile(let path, let offset, _)?: (path, offset)
        default: nil
        }
    }

    /// Truncating the index or the chunk segment at any point makes the block fail to open
    /// with an error naming that file; flipped bytes are found when the block is opened or
    /// the damaged part read. Nothing crashes.
    @Test func truncatedOrFlippedFilesGiveErrorsNamingFileAndOffset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (path, _) = try Self.writeBlock(in: directory.path, seed: 61)
        #expect(Self.openAndReadAll(path) == nil)
        var rng = SeededGenerator(seed: 62)
        for file in ["index", "chunks/000001"] {
            let filePath = "\(path)/\(file)"
            let good = try [UInt8](Data(contentsOf: URL(fileURLWithPath: filePath)))
            defer { try? Data(good).write(to: URL(fileURLWithPath: filePath)) }
            // Truncated at 80 points spread over the file, and just short of its end.
            let lengths = Set(stride(from: 0, to: good.count, by: max(1, good.count / 80)).map { $0 } + (1...9).map { good.count - $0 })
            for length in lengths.sorted() where length >= 0 {
                try Data(good[..<length]).write(to: URL(fileURLWithPath: filePath))
                let error = Self.openAndReadAll(path)
                let named = try #require(Self.location(error), "\(file) truncated to \(length): \(String(describing: error))")
                #expect(named.path == filePath && named.offset >= 0 && named.offset < good.count, "\(String(describing: error))")
            }
            // One to three flipped bytes: detected, unless they only hit padding.
            var detected = 0
            for _ in 0..<150 {
                var bytes = good
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
                try Data(bytes).write(to: URL(fileURLWithPath: filePath))
                let error = Self.openAndReadAll(path)
                if error != nil {
                    detected += 1
                    if let named = Self.location(error) { #expect(named.path == filePath, "\(String(describing: error))") }
                }
            }
            // Every index section and chunk is checksummed; only flips in padding can go unnoticed.
            #expect(detected > 110, "\(file): only \(detected) of 150 mutations detected")
        }
    }

    /// A data directory with a truncated index in one block and a truncated chunk segment
    /// in another: both are skipped with errors naming the files, the third serves every
    /// sample.
    @Test func damagedBlocksAreSkippedAndTheRestServes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let data = DBTestData(seriesCount: 20, to: 8 * DBTestData.hour)
        let db = try data.compactedDatabase(in: directory.path)
        let blocks = db.blocks
        try db.close()
        try #require(blocks.count == 3)
        let index = blocks[0].directory + "/index", chunks = blocks[2].directory + "/chunks/000001"
        for path in [index, chunks] {
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: UInt64(size * 2 / 3))
            try handle.close()
        }
        let reopened = try DB.open(directory: directory.path, options: .twoHourBlocksOnly)
        defer { try? reopened.close() }
        #expect(reopened.skippedBlocks.map(\.directory).sorted() == [blocks[0].directory, blocks[2].directory].sorted())
        let skipped = reopened.skippedBlocks.map { Self.location($0.error)?.path }
        #expect(Set(skipped) == [index, chunks], "\(reopened.skippedBlocks)")
        let middle = blocks[1].minTime..<blocks[1].maxTime
        let result = try readAll(reopened.querier(mint: middle.lowerBound, maxt: middle.upperBound - 1), [matcher(.equal, "__name__", "db_test")])
        #expect(result.count == 20)
        for (_, samples) in result {
            #expect(samples.map(\.0) == data.timestamps.filter { middle.contains($0) })
        }
    }

    /// Opening a block maps its files: the process's resident memory grows by far less
    /// than the block's size (measured in a child process, `pharos-tsdb-compaction-probe
    /// open`), and the opened block serves its samples.
    @Test(.enabled(if: compactionProbePath() != nil, "needs the pharos-tsdb-compaction-probe executable"))
    func openingABlockDoesNotReadItIntoMemory() throws {
        let probe = try #require(compactionProbePath())
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let written = try run(probe, ["write-block", directory.path, "10000", "240"])
        try #require(written.status == 0, "probe failed: \(written.output)")
        let (status, output) = try run(probe, ["open", directory.path])
        try #require(status == 0, "probe failed: \(output)")
        let fields = probeFields(output)
        let before = try #require(fields["before"]), after = try #require(fields["after"]), size = try #require(fields["size"])
        let anonymous = try #require(fields["anonymous"])
        #expect(fields["samples"] == 240, "one series read back: \(output)")
        #expect(size > 16 << 20, "the block is big enough to tell: \(output)")
        // The symbols and the postings offset table are decoded (250 values); the series
        // entries, postings lists and chunks are not read. What grows is mostly the mapped
        // pages the kernel maps around the few that are touched (whole large folios), which
        // count in RSS but are page cache (measured: 1.7 MiB of 1.8).
        #expect(anonymous < size / 32, "opening took \(anonymous >> 10) KiB of memory for a \(size >> 20) MiB block: \(output)")
        #expect(after - before < size / 6, "opening grew RSS by \((after - before) >> 10) KiB for a \(size >> 20) MiB block: \(output)")
    }
}
