package import Hummingbird
import Metrics
import Synchronization

/// Counts and times every request as Prometheus does:
/// `prometheus_http_requests_total{code,handler}`,
/// `prometheus_http_request_duration_seconds{handler}` and
/// `prometheus_http_response_size_bytes{handler}`, where `handler` is the route pattern
/// (`/api/v1/query`, `/api/v1/label/:name/values`).
package struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The route prefix to strip from handler names.
    let prefix: String
    private let cache = HandlerMetrics()

    /// A middleware for routes served under `prefix`.
    package init(prefix: String) {
        self.prefix = prefix
    }

    package func handle(_ request: Request, context: Context,
                        next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            record(handler(context), status: status, start: start, size: nil)
            throw error
        }
        record(handler(context), status: response.status, start: start, size: response.body.contentLength)
        return response
    }

    private func handler(_ context: Context) -> String {
        guard var path = context.endpointPath else { return "/other" }
        if !prefix.isEmpty, path.hasPrefix(prefix) { path.removeFirst(prefix.count) }
        if !path.hasPrefix("/") { path = "/" + path }
        // Hummingbird's `{name}` parameters, written as Prometheus's router writes them.
        return path.replacing("{", with: ":").replacing("}", with: "")
    }

    private func record(_ handler: String, status: HTTPResponse.Status, start: ContinuousClock.Instant, size: Int?) {
        let metrics = cache.metrics(handler: handler, code: Int(status.code))
        metrics.requests.increment()
        metrics.duration.recordNanoseconds(Int64((ContinuousClock.now - start) / .nanoseconds(1)))
        if let size { metrics.size.record(size) }
    }
}

/// The metric handles of each `(handler, code)`, made once instead of looked up in the
/// registry on every request.
private final class HandlerMetrics: Sendable {
    struct Handles: Sendable {
        let requests: Counter
        let duration: Metrics.Timer
        let size: Recorder
    }

    private struct Key: Hashable {
        let handler: String
        let code: Int
    }

    private let handles = Mutex<[Key: Handles]>([:])

    func metrics(handler: String, code: Int) -> Handles {
        handles.withLock { table in
            let key = Key(handler: handler, code: code)
            if let found = table[key] { return found }
            let made = Handles(
                requests: Counter(label: "prometheus_http_requests_total", dimensions: [("code", String(code)), ("handler", handler)]),
                duration: Metrics.Timer(label: "prometheus_http_request_duration_seconds", dimensions: [("handler", handler)]),
                size: Recorder(label: "prometheus_http_response_size_bytes", dimensions: [("handler", handler)]))
            table[key] = made
            return made
        }
    }
}
