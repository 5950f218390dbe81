package import Hummingbird
package import Model
import NIOPosix
import PromQL
package import TSDB

/// `/api/v1/series`, `/api/v1/labels` and `/api/v1/label/<name>/values`, as Prometheus's API.
package struct SeriesAPI: Sendable {
    /// A querier over `[mint, maxt]` of the server's storage.
    package var querier: @Sendable (_ mint: Int64, _ maxt: Int64) -> any Querier
    /// The largest form body accepted.
    package var bodyLimit: Int

    /// Creates the endpoints.
    package init(querier: @escaping @Sendable (Int64, Int64) -> any Querier, bodyLimit: Int) {
        self.querier = querier
        self.bodyLimit = bodyLimit
    }

    /// Adds the routes to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        for method in [HTTPRequest.Method.get, .post] {
            router.on("api/v1/series", method: method) { request, _ in await self.respond(request, self.series) }
            router.on("api/v1/labels", method: method) { request, _ in await self.respond(request, self.labelNames) }
        }
        router.get("api/v1/label/{name}/values") { request, context in
            let name = context.parameters.get("name") ?? ""
            return await self.respond(request) { (p) throws(APIError) in try self.labelValues(Self.unescapedName(name), p) }
        }
    }

    private func respond(_ request: Request,
                         _ handler: @escaping @Sendable (RequestParameters) throws(APIError) -> Response) async -> Response {
        do throws(APIError) {
            let parameters = try await RequestParameters.read(request, bodyLimit: bodyLimit)
            // On the blocking pool: a remote_read endpoint (issue 6) blocks the thread on HTTP.
            let outcome: Result<Response, APIError>
            do {
                outcome = try await NIOThreadPool.singleton.runIfActive { () -> Result<Response, APIError> in
                    do throws(APIError) { return .success(try handler(parameters)) } catch { return .failure(error) }
                }
            } catch {
                throw APIError(.canceled, "query was canceled: \(error)")
            }
            return try outcome.get()
        } catch {
            return APIResponse.failure(error)
        }
    }

    /// The label sets of the series matching any `match[]` selector.
    func series(_ p: RequestParameters) throws(APIError) -> Response {
        let selectors = try Self.matcherSets(p.all("match[]"))
        guard !selectors.isEmpty else { throw APIError(.badData, "no match[] parameter provided") }
        let (mint, maxt) = try Self.range(p)
        let limit = try p.limit()
        let q = querier(mint, maxt)
        var all = Set<Labels>()
        // As Prometheus: "series" tells a querier that no samples are needed.
        let hints = SelectHints(function: "series")
        for matchers in selectors {
            do { for one in try q.select(matchers, mint: mint, maxt: maxt, hints: hints) { all.insert(one.labels) } }
            catch { throw APIError(.internal, error.description) }
        }
        var sorted = all.sorted(by: <)
        var warnings = q.warnings  // remote_read endpoints that failed (issue 6)
        if limit > 0, sorted.count > limit {
            sorted.removeLast(sorted.count - limit)
            warnings.append("results truncated due to limit")
        }
        return APIResponse.success(warnings: warnings) { json in json.array(sorted) { $0.labels($1) } }
    }

    /// The label names of the matching series (of all series without `match[]`).
    func labelNames(_ p: RequestParameters) throws(APIError) -> Response {
        try strings(p) { (q, matchers) throws(TSDBError) in try q.labelNames(matchers) }
    }

    /// The values of label `name` among the matching series.
    func labelValues(_ name: String, _ p: RequestParameters) throws(APIError) -> Response {
        guard NameValidationScheme.utf8.isValidLabelName(name) else {
            throw APIError(.badData, "invalid label name: \"\(name)\"")
        }
        return try strings(p) { (q, matchers) throws(TSDBError) in try q.labelValues(name, matchers) }
    }

    /// A sorted union of `read` over every `match[]` selector (or over no matchers).
    private func strings(_ p: RequestParameters,
                         _ read: (any Querier, [Matcher]) throws(TSDBError) -> [String]) throws(APIError) -> Response {
        let selectors = try Self.matcherSets(p.all("match[]"))
        let (mint, maxt) = try Self.range(p)
        let limit = try p.limit()
        let q = querier(mint, maxt)
        var values: [String]
        do {
            if selectors.isEmpty {
                values = try read(q, [])
            } else {
                var union = Set<String>()
                for matchers in selectors { union.formUnion(try read(q, matchers)) }
                values = union.sorted()
            }
        } catch {
            throw APIError(.internal, error.description)
        }
        var warnings = q.warnings  // remote_read endpoints do not serve labels (issue 6)
        if limit > 0, values.count > limit {
            values.removeLast(values.count - limit)
            warnings.append("results truncated due to limit")
        }
        return APIResponse.success(warnings: warnings) { $0.strings(values) }
    }

    /// `start`/`end` with Prometheus's defaults (all of time).
    private static func range(_ p: RequestParameters) throws(APIError) -> (Int64, Int64) {
        let start = try p.timeParameter("start", default: RequestParameters.minTime)
        let end = try p.timeParameter("end", default: RequestParameters.maxTime)
        guard end >= start else { throw APIError(.badData, "invalid parameter \"end\": end timestamp must not be before start time") }
        return (start, end)
    }

    /// Parses `match[]` selectors, rejecting ones that match every series.
    static func matcherSets(_ selectors: [String]) throws(APIError) -> [[Matcher]] {
        var sets: [[Matcher]] = []
        for selector in selectors {
            let matchers: [Matcher]
            do { matchers = try PromQLParser.parseMetricSelector(selector) } catch {
                throw APIError(.badData, "invalid parameter \"match[]\": \(error.description)")
            }
            sets.append(matchers)
        }
        return sets
    }

    /// A label name from the URL path; `U__`-prefixed names are decoded as Prometheus 3
    /// escapes UTF-8 names (`U__a_2e_b` is `a.b`, `__` is `_`).
    static func unescapedName(_ name: String) -> String {
        guard name.hasPrefix("U__") else { return name }
        var out: [UInt8] = []
        let b = Array(name.utf8.dropFirst(3))
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "_") {
                if i + 1 < b.count, b[i + 1] == UInt8(ascii: "_") {
                    out.append(UInt8(ascii: "_"))
                    i += 2
                    continue
                }
                if let close = b[(i + 1)...].firstIndex(of: UInt8(ascii: "_")),
                   let scalar = UInt32(String(decoding: b[(i + 1)..<close], as: UTF8.self), radix: 16),
                   let unicode = Unicode.Scalar(scalar) {
                    out.append(contentsOf: String(Character(unicode)).utf8)
                    i = close + 1
                    continue
                }
                return name  // not a valid escape: keep as given
            }
            out.append(b[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
