import Foundation
package import Hummingbird
import Model
package import TSDB

/// `/api/v1/admin/tsdb/{delete_series,clean_tombstones,snapshot}` behind
/// `--web.enable-admin-api`, answered as Prometheus's admin API.
package struct AdminAPI: Sendable {
    /// The open database, `nil` while it is opening.
    package var db: @Sendable () -> DB?
    /// `--web.enable-admin-api`.
    package var enabled: Bool
    /// `--storage.tsdb.path`, under which `snapshots/` are written.
    package var storagePath: String
    /// The largest form body accepted.
    package var bodyLimit: Int

    /// Creates the endpoints.
    package init(db: @escaping @Sendable () -> DB?, enabled: Bool, storagePath: String, bodyLimit: Int) {
        self.db = db
        self.enabled = enabled
        self.storagePath = storagePath
        self.bodyLimit = bodyLimit
    }

    /// Adds the routes to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        for method in [HTTPRequest.Method.post, .put] {
            router.on("api/v1/admin/tsdb/delete_series", method: method) { request, _ in await self.respond(request, self.deleteSeries) }
            router.on("api/v1/admin/tsdb/clean_tombstones", method: method) { request, _ in await self.respond(request, self.cleanTombstones) }
            router.on("api/v1/admin/tsdb/snapshot", method: method) { request, _ in await self.respond(request, self.snapshot) }
        }
    }

    private func respond(_ request: Request, _ handler: (RequestParameters, DB) throws(APIError) -> Response) async -> Response {
        do throws(APIError) {
            guard enabled else { throw APIError(.unavailable, "admin APIs disabled") }
            guard let db = db() else { throw APIError(.unavailable, "TSDB not ready") }
            return try handler(try await RequestParameters.read(request, bodyLimit: bodyLimit), db)
        } catch {
            return APIResponse.failure(error)
        }
    }

    /// Deletes the samples of series matching any `match[]` in `[start, end]`: 204.
    func deleteSeries(_ p: RequestParameters, _ db: DB) throws(APIError) -> Response {
        let selectors = try SeriesAPI.matcherSets(p.all("match[]"))
        guard !selectors.isEmpty else { throw APIError(.badData, "no match[] parameter provided") }
        let start = try p.timeParameter("start", default: RequestParameters.minTime)
        let end = try p.timeParameter("end", default: RequestParameters.maxTime)
        do {
            for matchers in selectors { try db.delete(matchers: matchers, mint: start, maxt: end) }
        } catch {
            throw APIError(.internal, "\(error)")
        }
        return Response(status: .noContent)
    }

    /// Rewrites blocks without their deleted samples: 204.
    func cleanTombstones(_ p: RequestParameters, _ db: DB) throws(APIError) -> Response {
        do { try db.cleanTombstones() } catch { throw APIError(.internal, "\(error)") }
        return Response(status: .noContent)
    }

    /// Writes a snapshot under `<storage>/snapshots/<name>` (the head too unless
    /// `skip_head=true`) and answers its name.
    func snapshot(_ p: RequestParameters, _ db: DB) throws(APIError) -> Response {
        let skipHead = ["true", "1"].contains(p["skip_head"]?.lowercased() ?? "")
        let name = "\(Self.timestampName(WallClock.milliseconds()))-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        var base = storagePath
        while base.hasSuffix("/") { base.removeLast() }
        do {
            try FileManager.default.createDirectory(atPath: base + "/snapshots", withIntermediateDirectories: true)
        } catch {
            throw APIError(.internal, "create snapshot: \(error.localizedDescription)")
        }
        do { try db.snapshot(to: base + "/snapshots/" + name, withHead: !skipHead) } catch {
            throw APIError(.internal, "create snapshot: \(error)")
        }
        return APIResponse.success { json in
            json.raw(#"{"name":"#)
            json.string(name)
            json.byte("}")
        }
    }

    /// `20060102T150405Z`, the layout of Prometheus's snapshot names.
    static func timestampName(_ t: Int64) -> String {
        let text = RFC3339.format(milliseconds: t / 1000 * 1000)  // 2006-01-02T15:04:05Z
        return text.filter { $0 != "-" && $0 != ":" }
    }
}
