import CompressNIO
import Foundation
import Exposition
package import Hummingbird
import Model
import NIOPosix
package import Pushgateway

/// The Pushgateway's HTTP API with the real Pushgateway's paths and answers (Debian's
/// `prometheus-pushgateway` 1.5): `PUT|POST|DELETE /metrics/job/<job>{/<label>/<value>}` (and
/// `/metrics/job@base64/…`), `GET /metrics`, `GET /api/v1/status`, `GET /api/v1/metrics`,
/// `PUT /api/v1/admin/wipe`, `/-/healthy`, `/-/ready`. Served at the root of
/// `--pushgateway.listen-address` and under `/pushgateway/` on the main port.
package struct PushgatewayAPI: Sendable {
    /// The groups and their journal.
    package var pushgateway: Pushgateway
    /// `--web.max-request-body-bytes`: the largest push body, compressed and decompressed.
    package var bodyLimit: Int
    /// `--web.enable-admin-api`: `PUT /api/v1/admin/wipe`.
    package var adminEnabled: Bool
    /// The flags and their values, for `/api/v1/status`.
    package var flags: [String: String]
    /// When the server started, Unix milliseconds.
    package var startTimeMs: Int64
    /// Pushes handled at once (`--push.max-concurrency`); more get 503.
    package var concurrency: ConcurrencyLimit

    /// Creates the endpoints.
    package init(pushgateway: Pushgateway, bodyLimit: Int, adminEnabled: Bool, flags: [String: String], startTimeMs: Int64,
                 concurrency: ConcurrencyLimit = ConcurrencyLimit(limit: .max)) {
        self.pushgateway = pushgateway
        self.bodyLimit = bodyLimit
        self.adminEnabled = adminEnabled
        self.flags = flags
        self.startTimeMs = startTimeMs
        self.concurrency = concurrency
    }

    /// Adds the routes to `router`, relative to it.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        for base in ["metrics/job/**", "metrics/job@base64/**"] {
            router.put(RouterPath(base)) { request, _ in await push(request, replace: true) }
            router.post(RouterPath(base)) { request, _ in await push(request, replace: false) }
            router.delete(RouterPath(base)) { request, _ in
                let key: GroupingKey
                do { key = try groupingKey(request) } catch { return LifecycleAPI.text(.badRequest, "\(error)\n") }
                if let error = await journaled({ () throws(PushgatewayError) in try pushgateway.delete(key) }) {
                    return LifecycleAPI.text(.internalServerError, "\(error)\n")
                }
                return Response(status: .accepted)
            }
        }
        router.get("metrics") { _, _ in
            await expire()
            var body: [UInt8] = []
            PushgatewayExposition.write(pushgateway.groups, into: &body)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("api/v1/status") { _, _ in
            APIResponse.success { json in PushgatewayJSON.status(flags: flags, startTimeMs: startTimeMs, into: &json) }
        }
        router.get("api/v1/metrics") { _, _ in
            await expire()
            return APIResponse.success { json in PushgatewayJSON.groups(pushgateway.groups, into: &json) }
        }
        router.put("api/v1/admin/wipe") { _, _ in
            guard adminEnabled else { return LifecycleAPI.text(.notFound, "404 page not found\n") }
            if let error = await journaled({ () throws(PushgatewayError) in try pushgateway.wipe() }) {
                return LifecycleAPI.text(.internalServerError, "\(error)\n")
            }
            return Response(status: .accepted)
        }
        router.get("-/healthy") { _, _ in LifecycleAPI.text(.ok, "OK") }
        router.get("-/ready") { _, _ in LifecycleAPI.text(.ok, "OK") }
    }

    /// The grouping key of a push URL: what follows `/metrics/` in the raw path.
    private func groupingKey(_ request: Request) throws(PushgatewayError) -> GroupingKey {
        let path = request.uri.path
        guard let metrics = path.range(of: "/metrics/") else { throw .invalidPath("push paths start with /metrics/job/") }
        return try GroupingKey(path: String(path[metrics.upperBound...]))
    }

    /// Runs a change on the blocking thread pool (its journal write ends in an fsync, which
    /// must not stall an event loop); returns why it failed, if it did.
    private func journaled(_ change: @escaping @Sendable () throws(PushgatewayError) -> Void) async -> PushgatewayError? {
        do {
            return try await NIOThreadPool.singleton.runIfActive { () -> PushgatewayError? in
                do throws(PushgatewayError) { try change(); return nil } catch { return error }
            }
        } catch {
            return .journal(path: "", reason: "the blocking thread pool is shut down: \(error)")
        }
    }

    /// Deletes the groups whose TTL ran out.
    private func expire() async {
        _ = await journaled { () throws(PushgatewayError) in try pushgateway.expire(nowMs: WallClock.milliseconds()) }
    }

    private func push(_ request: Request, replace: Bool) async -> Response {
        guard concurrency.tryAcquire() else {
            var response = LifecycleAPI.text(.serviceUnavailable, "too many concurrent pushes (limit \(concurrency.limit)); retry later or raise --push.max-concurrency\n")
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { concurrency.release() }
        let key: GroupingKey
        do { key = try groupingKey(request) } catch { return LifecycleAPI.text(.badRequest, "\(error)\n") }
        var ttlMs: Int64?
        if let ttl = request.uri.queryParameters["ttl"] {
            do { ttlMs = try PrometheusDuration.parse(String(ttl)).wholeMilliseconds } catch {
                return LifecycleAPI.text(.badRequest, "\(PushgatewayError.invalidTTL(String(ttl)))\n")
            }
        }
        var request = request
        var buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: bodyLimit)
        } catch {
            return LifecycleAPI.text(.contentTooLarge, "request body larger than \(bodyLimit) bytes (raise it with --web.max-request-body-bytes)\n")
        }
        // As upstream's gunzipRequest: only exactly "gzip" is decoded; other encodings pass as they are.
        if request.headers[.contentEncoding] == "gzip" {
            do {
                buffer = try buffer.decompress(with: .gzip(), maxSize: bodyLimit)
            } catch let error as CompressNIOError where error == .bufferOverflow {
                return LifecycleAPI.text(.contentTooLarge, "decompressed request body larger than \(bodyLimit) bytes (raise it with --web.max-request-body-bytes)\n")
            } catch {
                return LifecycleAPI.text(.badRequest, "gzip: invalid header\n")
            }
        }
        await expire()
        let body = Array(buffer.readableBytesView), contentType = request.headers[.contentType] ?? "", ttl = ttlMs
        let failure = await journaled { () throws(PushgatewayError) in
            try pushgateway.push(body, contentType: contentType, to: key, replace: replace, ttlMs: ttl, nowMs: WallClock.milliseconds())
        }
        switch failure {
        case nil: return Response(status: .ok)
        case let error? where error.isJournalFailure: return LifecycleAPI.text(.internalServerError, "\(error)\n")
        case let error?: return LifecycleAPI.text(.badRequest, "\(error)\n")
        }
    }
}
