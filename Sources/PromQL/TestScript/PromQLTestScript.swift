import Model

/// A parsed promqltest script (`/work/shared/conformance/promql/FORMAT.md`): `load`, `clear`
/// and `eval` commands in file order.
package struct PromQLTestScript: Sendable {
    /// One `eval` with its expectations.
    package struct Eval: Sendable {
        /// 1-based line of the `eval` header.
        package var line: Int
        /// The expression text.
        package var query: String
        /// The parsed expression.
        package var expr: Expr
        /// `at` time for instant evals (ms); nil for range evals.
        package var instantTime: Int64?
        /// `from`, `to`, `step` of a range eval (ms).
        package var range: (start: Int64, end: Int64, step: Int64)?
        /// `expect fail`: nil when success is expected; `.some(nil)` when any failure will do.
        package var expectFail: Pattern??
        package var warnings: [Pattern?] = []
        package var infos: [Pattern?] = []
        package var noWarn = false
        package var noInfo = false
        package var ordered = false
        /// `expect range vector from a to b step s`.
        package var rangeVector: (start: Int64, end: Int64, step: Int64)?
        /// `expect string "..."`.
        package var expectedString: String?
        /// A bare number line.
        package var expectedScalar: Double?
        /// Expected series lines.
        package var series: [SeriesDescription] = []
    }

    /// How an expected message is matched.
    package enum Pattern: Sendable {
        case exact(String)
        case regex(String)
    }

    /// A command.
    package enum Command: Sendable {
        /// `startOffsets[i]`: the start-timestamp offsets of `series[i]`'s positions (an `@st`
        /// line), `nil` without one.
        case load(step: Int64, series: [SeriesDescription], startOffsets: [[Int64?]?], line: Int, nativeHistograms: Bool)
        case clear
        case eval(Eval)
    }

    /// The commands in file order.
    package var commands: [Command] = []

    /// Parses a whole script.
    /// - Throws: `PromQLError.execution` naming the line that does not parse.
    package init(parsing text: String) throws(PromQLError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { raw -> String in
            let trimmed = raw.trimmingWhitespace()
            return trimmed.hasPrefix("#") ? "" : trimmed
        }
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.isEmpty {
                index += 1
                continue
            }
            let word = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map { $0.lowercased() } ?? ""
            var body: [(Int, String)] = []
            var cursor = index + 1
            while cursor < lines.count, !lines[cursor].isEmpty {
                body.append((cursor + 1, lines[cursor]))
                cursor += 1
            }
            if word == "clear" {
                commands.append(.clear)
                index += 1
                continue
            } else if word.hasPrefix("load") {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard parts.count == 2, let step = PromQLTestScript.duration(String(parts[1])) else {
                    throw .execution("line \(index + 1): invalid load command: \(line)")
                }
                var series: [SeriesDescription] = []
                var startOffsets: [[Int64?]?] = []
                var pending: (line: StartTimestampLine, number: Int)?
                for (number, text) in body {
                    do throws(PromQLError) {
                        if let line = try StartTimestampLine(parsing: text) {
                            if let pending { throw .execution("start timestamp line \(pending.number) has no series line after it") }
                            pending = (line, number)
                            continue
                        }
                        let description = try SeriesDescription(parsing: text)
                        series.append(description)
                        startOffsets.append(try PromQLTestScript.offsets(pending?.line, for: description))
                        pending = nil
                    } catch {
                        throw .execution("line \(number): \(error.message)")
                    }
                }
                if let pending { throw .execution("line \(pending.number): start timestamp line has no series line after it") }
                commands.append(.load(step: step, series: series, startOffsets: startOffsets, line: index + 1,
                                      nativeHistograms: word == "load_with_nhcb"))
                index = cursor
            } else if word.hasPrefix("eval") {
                let (eval, consumed) = try PromQLTestScript.parseEval(header: line, number: index + 1, body: body)
                commands.append(.eval(eval))
                index = index + 1 + consumed
            } else {
                throw .execution("line \(index + 1): unknown command: \(line)")
            }
        }
    }

    /// The start-timestamp offsets `line` gives `series` (`nil` without a line), checked to be
    /// for the same labels and as many positions.
    private static func offsets(_ line: StartTimestampLine?, for series: SeriesDescription) throws(PromQLError) -> [Int64?]? {
        guard let line else { return nil }
        guard line.labels == series.labels else {
            throw .execution("start timestamp line for \(line.labels) is followed by a series line for \(series.labels)")
        }
        let positions = series.values.reduce(0) { count, value in
            if case .histogramSequence(_, _, _, let times) = value { return count + times + 1 }
            return count + 1
        }
        guard line.offsets.count == positions else {
            throw .execution("start timestamp line has \(line.offsets.count) positions, its series line \(positions)")
        }
        return line.offsets
    }

    private static func parseEval(header: String, number: Int, body: [(Int, String)]) throws(PromQLError) -> (Eval, Int) {
        var tokens = header.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var rest = header
        func dropToken() {
            let token = tokens.removeFirst()
            rest = String(rest.dropFirst(token.count)).trimmingWhitespace()
        }
        let command = tokens.first ?? ""
        dropToken()
        var failLegacy = false, orderedLegacy = false, warnLegacy = false, infoLegacy = false
        switch command {
        case "eval": break
        case "eval_fail": failLegacy = true
        case "eval_ordered": orderedLegacy = true
        case "eval_warn": warnLegacy = true
        case "eval_info": infoLegacy = true
        default: throw .execution("line \(number): invalid eval command: \(header)")
        }
        var instantTime: Int64?
        var range: (Int64, Int64, Int64)?
        guard let mode = tokens.first else { throw .execution("line \(number): invalid eval command: \(header)") }
        dropToken()
        if mode == "instant" {
            if tokens.first == "at" { dropToken() }
            guard let at = tokens.first, let time = duration(at) else {
                throw .execution("line \(number): invalid instant time in: \(header)")
            }
            dropToken()
            instantTime = time
        } else if mode == "range" {
            guard tokens.count >= 6, tokens[0] == "from", tokens[2] == "to", tokens[4] == "step",
                  let start = duration(tokens[1]), let end = duration(tokens[3]), let step = duration(tokens[5]) else {
                throw .execution("line \(number): invalid range eval: \(header)")
            }
            for _ in 0..<6 { dropToken() }
            guard end >= start else { throw .execution("line \(number): invalid test definition, end timestamp (\(tokens)) is before start timestamp") }
            range = (start, end, step)
        } else {
            throw .execution("line \(number): invalid eval command: \(header)")
        }
        let expr: Expr
        do throws(PromQLError) {
            expr = try PromQLParser.parse(rest, options: .all)
        } catch {
            throw .execution("line \(number): \(error.description)")
        }
        var eval = Eval(line: number, query: rest, expr: expr, instantTime: instantTime, range: range)
        if failLegacy { eval.expectFail = .some(nil) }
        if orderedLegacy { eval.ordered = true }
        if warnLegacy { eval.warnings.append(nil) }
        if infoLegacy { eval.infos.append(nil) }
        var consumed = 0
        for (lineNumber, text) in body {
            consumed += 1
            if text.hasPrefix("expected_fail_message ") {
                eval.expectFail = .some(.exact(String(text.dropFirst("expected_fail_message ".count)).trimmingWhitespace()))
                break
            }
            if text.hasPrefix("expected_fail_regexp ") {
                eval.expectFail = .some(.regex(String(text.dropFirst("expected_fail_regexp ".count)).trimmingWhitespace()))
                break
            }
            if text.hasPrefix("expect range vector") {
                let parts = text.split(separator: " ").map(String.init)
                guard parts.count == 9, parts[3] == "from", parts[5] == "to", parts[7] == "step",
                      let start = duration(parts[4]), let end = duration(parts[6]), let step = duration(parts[8]) else {
                    throw .execution("line \(lineNumber): invalid expect range vector: \(text)")
                }
                eval.rangeVector = (start, end, step)
                continue
            }
            if text.hasPrefix("expect string") {
                let literal = String(text.dropFirst("expect string".count)).trimmingWhitespace()
                guard case .string(let string)? = try? PromQLParser.parse(literal) else {
                    throw .execution("line \(lineNumber): invalid expect string: \(text)")
                }
                eval.expectedString = string.value
                continue
            }
            let words = text.split(separator: " ", omittingEmptySubsequences: false)
            if words.first == "expect" {
                try parseExpect(text, lineNumber: lineNumber, into: &eval)
                continue
            }
            if let value = scalar(text) {
                eval.expectedScalar = value
                break
            }
            do throws(PromQLError) {
                eval.series.append(try SeriesDescription(parsing: text))
            } catch {
                throw .execution("line \(lineNumber): \(error.message)")
            }
        }
        return (eval, consumed)
    }

    private static func parseExpect(_ text: String, lineNumber: Int, into eval: inout Eval) throws(PromQLError) {
        var rest = String(text.dropFirst("expect".count)).trimmingWhitespace()
        let kindEnd = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
        let kind = String(rest[..<kindEnd])
        rest = String(rest[kindEnd...]).trimmingWhitespace()
        var pattern: Pattern?
        if rest.hasPrefix("msg:") {
            pattern = .exact(String(rest.dropFirst(4)).trimmingWhitespace())
        } else if rest.hasPrefix("regex:") {
            pattern = .regex(String(rest.dropFirst(6)).trimmingWhitespace())
        } else if !rest.isEmpty {
            throw .execution("line \(lineNumber): invalid expect line: \(text)")
        }
        switch kind {
        case "fail": eval.expectFail = .some(pattern)
        case "warn": eval.warnings.append(pattern)
        case "info": eval.infos.append(pattern)
        case "no_warn": eval.noWarn = true
        case "no_info": eval.noInfo = true
        case "ordered": eval.ordered = true
        default: throw .execution("line \(lineNumber): unknown expect kind: \(text)")
        }
    }

    /// A bare number line: an integer with base prefix or a float.
    static func scalar(_ text: String) -> Double? {
        if let value = Int64(text) { return Double(value) }
        if text.hasPrefix("0x") || text.hasPrefix("0X"), let value = Int64(text.dropFirst(2), radix: 16) { return Double(value) }
        let lowered = text.lowercased()
        switch lowered {
        case "nan", "+nan", "-nan": return .nan
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: break
        }
        guard text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 46 || $0 == 43 || $0 == 45 || $0 == 101 || $0 == 69 }) else {
            return nil
        }
        return Double(text)
    }

    /// A test-script duration (`1h30m`, `20s500ms`, `0`) in milliseconds.
    package static func duration(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        let units: [(String, Int64)] = [("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
                                         ("ms", 1), ("m", 60_000), ("s", 1000)]
        let bytes = Array(text.utf8)
        var index = 0
        var total: Int64 = 0
        var any = false
        while index < bytes.count {
            var number: Int64 = 0
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                let (product, overflow) = number.multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                number = product + Int64(bytes[index] - 48)
                index += 1
            }
            guard index > start else { return nil }
            var matched = false
            for (unit, factor) in units {
                let unitBytes = Array(unit.utf8)
                if index + unitBytes.count <= bytes.count, Array(bytes[index..<index + unitBytes.count]) == unitBytes {
                    // "m" must not swallow the "m" of "ms".
                    if unit == "m", index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "s") { continue }
                    total += number * factor
                    index += unitBytes.count
                    matched = true
                    break
                }
            }
            guard matched else { return nil }
            any = true
        }
        return any ? total : nil
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return String(slice)
    }
}
