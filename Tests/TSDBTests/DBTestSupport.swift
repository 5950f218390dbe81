import Foundation
import Model

@testable import TSDB

/// Test data for `DB` tests: `seriesCount` series `db_test{i="k"}`, one sample every `step`
/// ms in `[from, to)`, value `t + k` (exactly representable, so every sample can be checked).
struct DBTestData {
    var seriesCount = 3
    var from: Int64 = 0
    var to: Int64
    var step: Int64 = 60_000

    static let hour: Int64 = 3_600_000

    func labels(_ k: Int) -> Labels { Labels(["__name__": "db_test", "i": String(k)]) }

    /// The timestamps every series should have.
    var timestamps: [Int64] {
        let count = Int((to - from + step - 1) / step)
        return (0..<count).map { from + Int64($0) * step }
    }

    /// Appends everything, committing once per timestamp.
    func append(to db: DB) throws {
        var app = db.appender()
        var refs = [SeriesRef?](repeating: nil, count: seriesCount)
        for t in timestamps {
            for k in 0..<seriesCount {
                if let ref = refs[k] {
                    try app.append(ref, timestamp: t, value: Double(t) + Double(k))
                } else {
                    refs[k] = try app.append(labels(k), timestamp: t, value: Double(t) + Double(k))
                }
            }
            try app.commit()
        }
    }

    /// A database in `directory` (2 h blocks only, no retention) holding this data, compacted.
    func compactedDatabase(in directory: String) throws -> DB {
        let db = try DB.open(directory: directory, options: .twoHourBlocksOnly)
        try append(to: db)
        try db.compact()
        return db
    }

    /// Checks that `db` returns exactly the expected samples of every series (sorted, each
    /// once) and returns a description of the first mismatch, `nil` if none.
    func mismatch(in db: DB, from lower: Int64? = nil) throws -> String? {
        let expected = timestamps.filter { $0 >= (lower ?? .min) }
        let result = try readAll(db.querier(mint: .min, maxt: .max), [matcher(.equal, "__name__", "db_test")])
        guard result.count == seriesCount else { return "\(result.count) series, expected \(seriesCount)" }
        for (labels, samples) in result {
            guard let k = labels["i"].flatMap({ Int($0) }), labels == self.labels(k) else { return "unexpected series \(labels)" }
            let times = samples.map(\.0).filter { $0 >= (lower ?? .min) }
            guard times == expected else {
                return "\(labels): \(times.count) samples, expected \(expected.count); first difference at "
                    + "\(zip(times, expected).first { $0 != $1 }.map { "\($0)" } ?? "the end")"
            }
            guard samples.allSatisfy({ Double(bitPattern: $0.1) == Double($0.0) + Double(k) }) else { return "\(labels): wrong values" }
        }
        return nil
    }
}

extension DB.Options {
    /// Options with level compaction off (blocks stay 2 h) and no retention.
    static var twoHourBlocksOnly: DB.Options {
        var options = DB.Options()
        options.retentionDuration = 0
        options.maxBlockDuration = options.minBlockDuration
        return options
    }
}

/// The block directories (ULID names) in `path`.
func blockDirectories(_ path: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).filter { ULID($0) != nil }.sorted()
}
