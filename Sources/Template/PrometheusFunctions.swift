import Model

/// What Prometheus's template functions need from the caller: the external URL, the
/// evaluation time, and a way to run a PromQL instant query at that time.
package struct PrometheusTemplateContext: Sendable {
    /// `--web.external-url`, as given (e.g. `http://prom.example.com:9090/prometheus`).
    package var externalURL: String
    /// The evaluation timestamp in milliseconds (what `now` returns, in seconds).
    package var timestampMs: Int64
    /// Runs a PromQL instant query at `timestampMs` (Rules provides the engine); `nil` makes
    /// `query` fail with `query is not available`. Synchronous: templates do not suspend.
    package var query: (@Sendable (String) throws -> [QueryResultSample])?

    /// Creates a context.
    package init(externalURL: String = "", timestampMs: Int64 = 0, query: (@Sendable (String) throws -> [QueryResultSample])? = nil) {
        self.externalURL = externalURL
        self.timestampMs = timestampMs
        self.query = query
    }

    /// The path of the external URL (`url.URL.Path`): what follows the host, before `?`/`#`.
    var externalPath: String {
        var rest = Substring(externalURL)
        if let scheme = rest.firstRange(of: "://") { rest = rest[scheme.upperBound...] } else { return "" }
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        let path = rest[slash...]
        let end = path.firstIndex { $0 == "?" || $0 == "#" } ?? path.endIndex
        return String(path[..<end])
    }
}

/// The functions Prometheus adds to Go's builtins for alert and console templates
/// (`template/template.go` upstream).
package enum PrometheusTemplateFunctions {
    /// The function map for `context`.
    package static func functions(_ context: PrometheusTemplateContext) -> [String: TemplateFunction] {
        var f: [String: TemplateFunction] = [:]
        f["query"] = TemplateFunction([.string]) { args throws(TemplateFunctionError) in
            guard let query = context.query else { throw TemplateFunctionError("query is not available") }
            do {
                return .samples(try query(string(args[0])))
            } catch {
                throw TemplateFunctionError(String(describing: error))
            }
        }
        f["first"] = TemplateFunction([.samples]) { args throws(TemplateFunctionError) in
            guard case .samples(let samples) = args[0], let first = samples.first else {
                throw TemplateFunctionError("first() called on vector with no elements")
            }
            return .sample(first)
        }
        f["label"] = TemplateFunction([.string, .sample]) { args throws(TemplateFunctionError) in
            .string(try sample(args[1]).labels[string(args[0])] ?? "")
        }
        f["value"] = TemplateFunction([.sample]) { args throws(TemplateFunctionError) in .float(try sample(args[0]).value) }
        f["strvalue"] = TemplateFunction([.sample]) { args throws(TemplateFunctionError) in
            .string(try sample(args[0]).labels["__value__"] ?? "")
        }
        f["args"] = TemplateFunction([], variadic: .any) { args in
            var entries: [String: TemplateValue] = [:]
            for (i, arg) in args.enumerated() { entries["arg\(i)"] = arg }
            return .map(TemplateMap(entries, elementType: .any))
        }
        f["reReplaceAll"] = TemplateFunction([.string, .string, .string]) { args throws(TemplateFunctionError) in
            let pattern = string(args[0])
            let regex: RE2Regex
            do throws(ModelError) {
                regex = try RE2Regex(pattern)
            } catch {
                // Go's MustCompile panics; text/template reports the recovered panic.
                throw TemplateFunctionError("regexp: Compile(`\(pattern)`): \(regexReason(error))")
            }
            return .string(GoRegexpReplace.replaceAll(regex, in: string(args[2]), with: string(args[1])))
        }
        f["match"] = TemplateFunction([.string, .string]) { args throws(TemplateFunctionError) in
            do throws(ModelError) {
                return .bool(try RE2Regex(string(args[0])).matchesPart(of: string(args[1])))
            } catch {
                throw TemplateFunctionError(regexReason(error))
            }
        }
        f["safeHtml"] = TemplateFunction([.string]) { args in .html(string(args[0])) }
        f["title"] = TemplateFunction([.string]) { args in .string(GoStrings.title(string(args[0]))) }
        f["toUpper"] = TemplateFunction([.string]) { args in .string(GoStrings.upper(string(args[0]))) }
        f["toLower"] = TemplateFunction([.string]) { args in .string(GoStrings.lower(string(args[0]))) }
        f["graphLink"] = TemplateFunction([.string]) { args in
            .string("/graph?g0.expr=" + GoEscape.queryEscape(string(args[0])) + "&g0.tab=0")
        }
        f["tableLink"] = TemplateFunction([.string]) { args in
            .string("/graph?g0.expr=" + GoEscape.queryEscape(string(args[0])) + "&g0.tab=1")
        }
        f["sortByLabel"] = TemplateFunction([.string, .samples]) { args in
            guard case .samples(let samples) = args[1] else { return args[1] }
            let name = string(args[0])
            // Stable, byte-wise on the label value, as Go's sort.Stable with `<` on strings.
            let sorted = samples.enumerated().sorted { a, b in
                let x = Array((a.element.labels[name] ?? "").utf8)
                let y = Array((b.element.labels[name] ?? "").utf8)
                return x == y ? a.offset < b.offset : x.lexicographicallyPrecedes(y)
            }
            return .samples(sorted.map(\.element))
        }
        f["stripPort"] = TemplateFunction([.string]) { args in
            .string(GoStrings.splitHostPort(string(args[0]))?.host ?? string(args[0]))
        }
        f["stripDomain"] = TemplateFunction([.string]) { args in
            let hostPort = string(args[0])
            let split = GoStrings.splitHostPort(hostPort)
            var host = split?.host ?? hostPort
            if GoStrings.isIP(host) { return .string(hostPort) }
            host = String(host.split(separator: ".", omittingEmptySubsequences: false).first ?? "")
            if let port = split?.port, !port.isEmpty { return .string(GoStrings.joinHostPort(host, port)) }
            return .string(host)
        }
        f["humanize"] = TemplateFunction([.any]) { args throws(TemplateFunctionError) in .string(Humanize.si(try toFloat(args[0]))) }
        f["humanize1024"] = TemplateFunction([.any]) { args throws(TemplateFunctionError) in .string(Humanize.binary(try toFloat(args[0]))) }
        f["humanizeDuration"] = TemplateFunction([.any]) { args throws(TemplateFunctionError) in .string(Humanize.duration(try toFloat(args[0]))) }
        f["humanizePercentage"] = TemplateFunction([.any]) { args throws(TemplateFunctionError) in
            .string(Humanize.g4(try toFloat(args[0]) * 100) + "%")
        }
        f["humanizeTimestamp"] = TemplateFunction([.any]) { args throws(TemplateFunctionError) in
            let v = try toFloat(args[0])
            if v.isNaN || v.isInfinite { return .string(Humanize.g4(v)) }
            return .string(GoTimeFormat.string(try time(fromSeconds: v)))
        }
        f["toTime"] = TemplateFunction([.any]) { args throws(TemplateFunctionError) in
            let v = try toFloat(args[0])
            if v.isNaN || v.isInfinite { throw TemplateFunctionError("value is NaN or Inf") }
            return .time(try time(fromSeconds: v))
        }
        f["toDuration"] = TemplateFunction([.any]) { args throws(TemplateFunctionError) in
            let nanos = try toFloat(args[0]) * 1e9
            // Go's float-to-int conversion of an out-of-range value is unspecified; saturate.
            if nanos.isNaN { return .duration(Int64.min) }
            return .duration(nanos >= 9.223372036854775807e18 ? Int64.max : nanos <= -9.223372036854775808e18 ? Int64.min : Int64(nanos))
        }
        f["parseDuration"] = TemplateFunction([.string]) { args throws(TemplateFunctionError) in
            let text = string(args[0])
            guard let ms = PrometheusDuration.parseMilliseconds(text) else {
                throw TemplateFunctionError("not a valid duration string: \(GoQuote.quote(text))")
            }
            return .float(Double(ms) / 1000)
        }
        f["now"] = TemplateFunction([]) { _ in .float(Double(context.timestampMs) / 1000) }
        f["pathPrefix"] = TemplateFunction([]) { _ in .string(context.externalPath) }
        f["externalURL"] = TemplateFunction([]) { _ in .string(context.externalURL) }
        f["urlQueryEscape"] = TemplateFunction([.string]) { args in .string(GoEscape.queryEscape(string(args[0]))) }
        f["tmpl"] = .executeNamedTemplate
        return f
    }

    private static func string(_ v: TemplateValue) -> String {
        if case .string(let s) = v { return s }
        return ""
    }

    /// A nil `*sample` makes Go's function dereference nil; text/template reports the panic.
    private static func sample(_ v: TemplateValue) throws(TemplateFunctionError) -> QueryResultSample {
        guard case .sample(let s) = v else {
            throw TemplateFunctionError("runtime error: invalid memory address or nil pointer dereference")
        }
        return s
    }

    private static func regexReason(_ error: ModelError) -> String {
        if case .invalidRegex(_, let reason) = error { return "error parsing regexp: " + reason }
        return "error parsing regexp: \(error)"
    }

    /// Prometheus's `convertToFloat`.
    static func toFloat(_ v: TemplateValue) throws(TemplateFunctionError) -> Double {
        switch v {
        case .float(let f): return f
        case .int(let i): return Double(i)
        case .duration(let nanos): return Double(nanos) / 1e9
        case .string(let s):
            guard let f = goParseFloat(s) else {
                throw TemplateFunctionError("strconv.ParseFloat: parsing \(GoQuote.quote(s)): invalid syntax")
            }
            return f
        default:
            throw TemplateFunctionError("can't convert \(v.goTypeName) to float")
        }
    }

    /// `strconv.ParseFloat(s, 64)` for the forms Go accepts (decimal, hex, `Inf`, `NaN`).
    private static func goParseFloat(_ s: String) -> Double? {
        let lower = s.lowercased()
        let body = lower.hasPrefix("+") || lower.hasPrefix("-") ? String(lower.dropFirst()) : lower
        switch body {
        case "inf", "infinity": return lower.hasPrefix("-") ? -.infinity : .infinity
        case "nan": return lower == "nan" ? .nan : nil
        default: break
        }
        guard let first = body.first, first.isNumber || first == "." else { return nil }
        return Double(s)
    }

    /// Prometheus's `floatToTime`: seconds to a UTC time, truncated to milliseconds
    /// (`model.TimeFromUnixNano`).
    private static func time(fromSeconds v: Double) throws(TemplateFunctionError) -> TemplateTime {
        let nanos = v * 1e9
        guard nanos < 9.223372036854775807e18, nanos >= -9.223372036854775808e18 else {
            throw TemplateFunctionError("\(GoFloatFormat.shortest(v)) cannot be represented as a nanoseconds timestamp since it overflows int64")
        }
        let ms = Int64(nanos) / 1_000_000
        return TemplateTime(seconds: ms / 1000, nanoseconds: (ms % 1000) * 1_000_000)
    }
}
