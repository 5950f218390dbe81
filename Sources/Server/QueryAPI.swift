package import Hummingbird
import Metrics
import Model
import NIOPosix
package import PromQL
package import TSDB

/// `/api/v1/query`, `/api/v1/query_range`, `/api/v1/format_query`, `/api/v1/parse_query` and
/// `/api/v1/query_exemplars`, as Prometheus's API.
package struct QueryAPI: Sendable {
    /// The engine with the server's `--query.*` settings.
    package var engine: Engine
    /// The parser's feature flags (`--enable-feature=`).
    package var parserOptions: ParserOptions
    /// A querier over `[mint, maxt]` of the server's storage.
    package var querier: @Sendable (_ mint: Int64, _ maxt: Int64) -> any Querier
    /// At most this many queries evaluate at once (`--query.max-concurrency`).
    package var gate: QueryGate
    /// The largest form body accepted.
    package var bodyLimit: Int
    /// The current time in milliseconds (the default `time` of instant queries).
    package var now: @Sendable () -> Int64 = WallClock.milliseconds

    /// Creates the endpoints.
    package init(engine: Engine, parserOptions: ParserOptions, querier: @escaping @Sendable (Int64, Int64) -> any Querier,
                 gate: QueryGate, bodyLimit: Int) {
        self.engine = engine
        self.parserOptions = parserOptions
        self.querier = querier
        self.gate = gate
        self.bodyLimit = bodyLimit
    }

    /// Adds the routes to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        for method in [HTTPRequest.Method.get, .post] {
            router.on("api/v1/query", method: method) { request, _ in await self.respond(request, self.instant) }
            router.on("api/v1/query_range", method: method) { request, _ in await self.respond(request, self.range) }
            router.on("api/v1/format_query", method: method) { request, _ in await self.respond(request, self.format) }
            router.on("api/v1/parse_query", method: method) { request, _ in await self.respond(request, self.parseTree) }
            router.on("api/v1/query_exemplars", method: method) { request, _ in await self.respond(request, self.exemplars) }
        }
    }

    private func respond(_ request: Request, _ handler: (RequestParameters) async throws(APIError) -> Response) async -> Response {
        do {
            let parameters = try await RequestParameters.read(request, bodyLimit: bodyLimit)
            return try await handler(parameters)
        } catch {
            return APIResponse.failure(error)
        }
    }

    /// `GET /api/v1/query?query=…&time=…&timeout=…&lookback_delta=…`.
    func instant(_ p: RequestParameters) async throws(APIError) -> Response {
        let time = try p.time("time", default: now())
        var stats = QueryStats()
        let (expr, engine) = try prepare(p, &stats)
        let result = try await evaluate(&stats) { () throws(PromQLError) in
            try engine.instantQuery(expr, at: time, querier: querier(RequestParameters.minTime, RequestParameters.maxTime))
        }
        let shown = Self.wantsStats(p) ? stats : nil
        return APIResponse.success(warnings: result.warnings, infos: result.infos) { $0.queryData(result.value, stats: shown) }
    }

    /// `GET /api/v1/query_range?query=…&start=…&end=…&step=…`.
    func range(_ p: RequestParameters) async throws(APIError) -> Response {
        let start = try required(p, "start", { () throws(APIError) in try p.time("start", default: 0) })
        let end = try required(p, "end", { () throws(APIError) in try p.time("end", default: 0) })
        guard end >= start else { throw APIError(.badData, "invalid parameter \"end\": end timestamp must not be before start time") }
        guard let step = try p.duration("step") else {
            throw APIError(.badData, "invalid parameter \"step\": cannot parse \"\" to a valid duration")
        }
        guard step > 0 else {
            throw APIError(.badData, "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        // Prometheus caps a range query at 11,000 points per series.
        guard (end - start) / step <= 11_000 else {
            throw APIError(.badData, "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
        }
        var stats = QueryStats()
        let (expr, engine) = try prepare(p, &stats)
        let result = try await evaluate(&stats) { () throws(PromQLError) in
            try engine.rangeQuery(expr, start: start, end: end, step: step,
                                  querier: querier(RequestParameters.minTime, RequestParameters.maxTime))
        }
        let shown = Self.wantsStats(p) ? stats : nil
        return APIResponse.success(warnings: result.warnings, infos: result.infos) { $0.queryData(result.value, stats: shown) }
    }

    /// `GET /api/v1/format_query?query=…`: the query pretty-printed.
    func format(_ p: RequestParameters) async throws(APIError) -> Response {
        let expr = try parse(p)
        return APIResponse.success { $0.string(expr.formatted()) }
    }

    /// `GET /api/v1/parse_query?query=…`: the query's syntax tree as JSON (Prometheus 3).
    func parseTree(_ p: RequestParameters) async throws(APIError) -> Response {
        let expr = try parse(p)
        return APIResponse.success { $0.ast(expr) }
    }

    /// `GET /api/v1/query_exemplars?query=…&start=…&end=…`. Pharos stores no exemplars, so
    /// a valid request gets what Prometheus without exemplar storage answers: `[]`, or no
    /// content when the query has no selector. Parameters are checked as Prometheus checks them.
    func exemplars(_ p: RequestParameters) async throws(APIError) -> Response {
        let start = try p.timeParameter("start", default: RequestParameters.minTime)
        let end = try p.timeParameter("end", default: RequestParameters.maxTime)
        guard end >= start else { throw APIError(.badData, "end timestamp must not be before start timestamp") }
        let expr: Expr
        do {
            expr = try PromQLParser.parse(p["query"] ?? "", options: parserOptions)
        } catch {
            throw APIError(.badData, error.description)
        }
        if expr.selectorMatchers.isEmpty { return Response(status: .noContent) }
        return APIResponse.success { $0.raw("[]") }
    }

    private func required(_ p: RequestParameters, _ name: String, _ read: () throws(APIError) -> Int64) throws(APIError) -> Int64 {
        guard let text = p[name], !text.isEmpty else {
            throw APIError(.badData, "invalid parameter \"\(name)\": cannot parse \"\" to a valid timestamp")
        }
        return try read()
    }

    private func parse(_ p: RequestParameters) throws(APIError) -> Expr {
        do {
            return try PromQLParser.parse(p["query"] ?? "", options: parserOptions)
        } catch {
            throw APIError(.badData, "invalid parameter \"query\": \(error.description)")
        }
    }

    /// Whether the response carries `stats` (Prometheus: any non-empty `stats` value).
    private static func wantsStats(_ p: RequestParameters) -> Bool { !(p["stats"] ?? "").isEmpty }

    /// The parsed query and the engine with the request's `timeout` and `lookback_delta`;
    /// the parse time goes to `stats`.
    private func prepare(_ p: RequestParameters, _ stats: inout QueryStats) throws(APIError) -> (Expr, Engine) {
        var engine = self.engine
        if let timeout = try p.duration("timeout"), timeout > 0 {
            engine.options.timeout = min(engine.options.timeout, .milliseconds(timeout))
        }
        if let lookback = try p.duration("lookback_delta"), lookback > 0 {
            engine.options.lookbackDelta = lookback
        }
        let began = ContinuousClock.now
        let expr = try parse(p)
        stats.queryPreparation = ContinuousClock.now - began
        return (expr, engine)
    }

    /// Runs `query` on the blocking thread pool once the gate lets it in, timing it as
    /// Prometheus's `prometheus_engine_query_duration_seconds{slice="inner_eval"}`.
    /// Queue and evaluation times and the result's sample counts go to `stats`.
    private func evaluate(_ stats: inout QueryStats,
                          _ query: @escaping @Sendable () throws(PromQLError) -> QueryResult) async throws(APIError) -> QueryResult {
        let outcome: Result<QueryResult, PromQLError>
        let queued = ContinuousClock.now
        let evaluated: Duration
        do {
            let measured = try await gate.run {
                let began = ContinuousClock.now
                let result = try await NIOThreadPool.singleton.runIfActive { () -> Result<QueryResult, PromQLError> in
                    let start = ContinuousClock.now
                    defer {
                        Metrics.Timer(label: "prometheus_engine_query_duration_seconds", dimensions: [("slice", "inner_eval")])
                            .recordNanoseconds(Int64((ContinuousClock.now - start) / .nanoseconds(1)))
                    }
                    do throws(PromQLError) { return .success(try query()) } catch { return .failure(error) }
                }
                return (result, ContinuousClock.now - began)
            }
            (outcome, evaluated) = (measured.0, measured.1)
        } catch {
            throw APIError(.canceled, "query was canceled: \(error)")
        }
        stats.innerEval = evaluated
        stats.execQueue = ContinuousClock.now - queued - evaluated
        switch outcome {
        case .success(let result):
            stats.samples = result.statistics
            return result
        case .failure(let error): throw APIError(error)
        }
    }
}
