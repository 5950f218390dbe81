import Config
import Model
import PharosTestSupport
@testable import Scrape
import Testing
import TSDB

/// The scrape cache finds series by the order the target wrote them in and by their text:
/// reordered, inserted and vanished series land on the right series, get staleness markers
/// when they disappear, and are forgotten after ten scrapes without them.
@Suite struct ScrapeCacheTests {
    /// One target's writer over a head, scraped by hand.
    struct Harness {
        let head = Head()
        var writer: ScrapeWriter
        var timestampMs: Int64 = 1_700_000_000_000

        init(extra: String = "") throws {
            let config = try #require(try PrometheusConfig.parse(scrapeYAML(extra: extra)).scrapeConfigs.first)
            writer = ScrapeWriter(options: try SampleOptions(config), targetLabels: Labels(["job": "cache", "instance": "x:1"]))
        }

        /// Writes one scrape of `body` as the loop does and returns its counts.
        mutating func scrape(_ body: String) throws -> WriteCounts {
            timestampMs += 15_000
            var app = head.makeAppender()
            var counts = WriteCounts()
            try writer.write(body: Array(body.utf8), contentType: "text/plain; version=0.0.4", timestampMs: timestampMs,
                             counts: &counts, into: &app)
            writer.finish(timestampMs: timestampMs, failure: nil, durationSeconds: 0, counts: counts, into: &app)
            try app.commitBatch()
            return counts
        }

        /// The samples of `name`, per `k` label value: (timestamp, value) with stale markers as nil.
        func samples(_ name: String) throws -> [String: [(Int64, Double?)]] {
            var out = [String: [(Int64, Double?)]]()
            var iterator = SeriesIterator()
            for series in try head.querier().select([try Matcher(.equal, "__name__", name)], mint: .min, maxt: .max) {
                iterator.reset(series)
                var samples = [(Int64, Double?)]()
                while iterator.next() { samples.append((iterator.timestamp, iterator.value.isStaleMarker ? nil : iterator.value)) }
                out[series.labels["k"] ?? ""] = samples
            }
            return out
        }
    }

    @Test func reorderedInsertedAndVanishedSeries() throws {
        var h = try Harness()
        let t0 = h.timestampMs
        let t = { (n: Int64) in t0 + n * 15_000 }
        #expect(try h.scrape("m{k=\"a\"} 1\nm{k=\"b\"} 2\nm{k=\"c\"} 3\n").seriesAdded == 3)
        // Reordered, a new series in the middle, b gone.
        #expect(try h.scrape("m{k=\"c\"} 4\nm{k=\"x\"} 5\nm{k=\"a\"} 6\n").seriesAdded == 1)
        // b comes back while still cached; every series in yet another order.
        #expect(try h.scrape("m{k=\"x\"} 10\nm{k=\"b\"} 8\nm{k=\"a\"} 7\nm{k=\"c\"} 9\n").seriesAdded == 0)
        let stored = try h.samples("m")
        #expect(stored["a"]?.map(\.0) == [t(1), t(2), t(3)])
        #expect(stored["a"]?.map(\.1) == [1, 6, 7])
        #expect(stored["b"]?.map(\.0) == [t(1), t(2), t(3)])
        #expect(stored["b"]?.map(\.1) == [2, nil, 8])
        #expect(stored["c"]?.map(\.1) == [3, 4, 9])
        #expect(stored["x"]?.map(\.0) == [t(2), t(3)])
        #expect(stored["x"]?.map(\.1) == [5, 10])
        #expect(h.writer.cache.count == 4)
    }

    @Test func seriesUnseenForTenScrapesAreForgotten() throws {
        var h = try Harness()
        #expect(try h.scrape("m{k=\"a\"} 1\nm{k=\"b\"} 2\n").seriesAdded == 2)
        // Forgotten at the first cleanup (every tenth scrape) after ten scrapes without it.
        for i in 0..<20 { #expect(try h.scrape("m{k=\"a\"} \(i)\n").seriesAdded == 0) }
        #expect(h.writer.cache.count == 1)
        #expect(try h.scrape("m{k=\"b\"} 3\nm{k=\"a\"} 4\n").seriesAdded == 1)
        #expect(h.writer.cache.count == 2)
    }

    @Test func aRepeatedSeriesInOneBodyIsADuplicate() throws {
        var h = try Harness()
        let counts = try h.scrape("m{k=\"a\"} 1\nm{k=\"a\"} 2\nm{k=\"b\"} 3\n")
        #expect(counts.seriesAdded == 2)
        #expect(counts.duplicateTimestamp == 1)
        #expect(try h.samples("m")["a"]?.map(\.1) == [1])
        #expect(try h.scrape("m{k=\"a\"} 1\nm{k=\"a\"} 2\nm{k=\"b\"} 3\n").duplicateTimestamp == 1)
    }

    @Test func aDroppedSeriesStaysDroppedWithoutRelabelingAgain() throws {
        var h = try Harness(extra: """
            metric_relabel_configs:
              - source_labels: [k]
                regex: drop.*
                action: drop
            """)
        for _ in 0..<3 {
            let counts = try h.scrape("m{k=\"drop1\"} 1\nm{k=\"keep\"} 2\nm{k=\"drop2\"} 3\n")
            #expect(counts.scraped == 3)
            #expect(counts.postRelabeling == 1)
        }
        #expect(try h.samples("m").keys.sorted() == ["keep"])
        #expect(h.writer.cache.count == 3)
    }
}
