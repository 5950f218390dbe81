import Foundation
import Model
import TSDB

/// Runs promqltest scripts against the engine over a real TSDB head (FORMAT.md sections 6-7).
package struct PromQLTestRunner: Sendable {
    /// What became of one eval.
    package enum Outcome: Sendable, Equatable {
        case passed
        case failed(String)
    }

    /// The outcomes of one file's evals, by header line.
    package struct FileReport: Sendable {
        /// `(line, outcome)` in file order.
        package var evals: [(line: Int, outcome: Outcome)] = []
        /// Evals that ran while native-histogram data was loaded or that expect a histogram.
        package var histogramLines: Set<Int> = []
        /// Why the file could not run at all.
        package var fileError: String?

        package var passed: Int { evals.count { $0.outcome == .passed } }
        package var failed: Int { evals.count - passed }
    }

    /// The engine configuration the scripts assume.
    package var engine: Engine

    /// Creates a runner with the settings of FORMAT.md section 9.
    package init() {
        var options = Engine.Options()
        options.maxSamples = 10_000
        options.useStartTimestamps = true
        engine = Engine(options: options)
    }

    /// Runs a script's text.
    package func run(_ text: String) -> FileReport {
        var report = FileReport()
        let script: PromQLTestScript
        do throws(PromQLError) {
            script = try PromQLTestScript(parsing: text)
        } catch {
            report.fileError = error.message
            return report
        }
        var head = PromQLTestRunner.makeHead()
        var histogramsLoaded = false
        for command in script.commands {
            switch command {
            case .clear:
                head = PromQLTestRunner.makeHead()
                histogramsLoaded = false
            case .load(let step, let series, let startOffsets, _, let nativeHistograms):
                if load(series, startOffsets: startOffsets, step: step, into: head) || nativeHistograms { histogramsLoaded = true }
            case .eval(let eval):
                if histogramsLoaded || PromQLTestRunner.expectsHistogram(eval) { report.histogramLines.insert(eval.line) }
                let outcome: Outcome
                do throws(EvalFailure) {
                    try run(eval, querier: head.querier())
                    outcome = .passed
                } catch {
                    outcome = .failed(error.message)
                }
                report.evals.append((eval.line, outcome))
            }
        }
        return report
    }

    private static func makeHead() -> Head {
        var options = Head.Options()
        options.chunkRange = 1 << 60
        options.stripeCount = 16
        options.storesStartTimestamps = true
        return Head(options: options)
    }

    private static func expectsHistogram(_ eval: PromQLTestScript.Eval) -> Bool {
        eval.series.contains { $0.values.contains { if case .float = $0 { false } else if case .omitted = $0 { false } else { true } } }
    }

    /// Appends a `load` block (a sample at time T with start-timestamp offset D gets start
    /// timestamp T + D); returns whether it held histograms (which are not stored).
    private func load(_ series: [SeriesDescription], startOffsets: [[Int64?]?], step: Int64, into head: Head) -> Bool {
        var latest: [Labels: (values: [SeriesValue], offsets: [Int64?]?)] = [:]
        var order: [Labels] = []
        for (description, offsets) in zip(series, startOffsets) {
            if latest[description.labels] == nil { order.append(description.labels) }
            latest[description.labels] = (description.values, offsets)
        }
        var sawHistogram = false
        var appender = head.appender()
        for labels in order {
            guard let (values, offsets) = latest[labels] else { continue }
            var t: Int64 = 0
            for value in values {
                switch value {
                case .omitted: t += step
                case .float(let v):
                    let position = Int(t / step)
                    let st = offsets.flatMap { $0[position] }.map { t + $0 } ?? 0
                    _ = try? appender.append(labels, timestamp: t, value: v, startTimestamp: st)
                    t += step
                case .histogram:
                    sawHistogram = true
                    t += step
                case .histogramSequence(_, _, _, let times):
                    sawHistogram = true
                    t += step * Int64(times + 1)
                }
            }
        }
        _ = try? appender.commit()
        return sawHistogram
    }
}

/// Why an eval failed.
struct EvalFailure: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
