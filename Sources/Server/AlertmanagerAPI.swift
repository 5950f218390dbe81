package import Alerting
import Foundation
import Metrics
package import Hummingbird
import Model

/// Alertmanager's API v2 (its `api/v2/openapi.yaml`) and lifecycle endpoints over an
/// `Alertmanager`: alerts, alert groups, silences, status, receivers, `/-/healthy`,
/// `/-/ready`, `/-/reload`. Served at the root of `--alertmanager.listen-address` (or of
/// `--web.listen-address` with `--role=alertmanager`) and under `/alertmanager/` on the main port.
package struct AlertmanagerAPI: Sendable {
    /// The Alertmanager served.
    package var alertmanager: Alertmanager
    /// Re-reads the config file; throws why the new one is refused.
    package var reload: @Sendable () throws -> Void
    /// When the process started, Unix milliseconds.
    package var startTimeMs: Int64
    /// The largest request body.
    package var bodyLimit: Int

    /// Creates the endpoints.
    package init(alertmanager: Alertmanager, reload: @escaping @Sendable () throws -> Void, startTimeMs: Int64, bodyLimit: Int) {
        self.alertmanager = alertmanager
        self.reload = reload
        self.startTimeMs = startTimeMs
        self.bodyLimit = bodyLimit
    }

    /// Adds the routes to `router`, relative to it.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.get("api/v2/alerts") { request, _ in
            guard let filter = Self.filter(request) else { return Self.badRequest(Self.filterError(request)) }
            var json = JSONWriter()
            json.array(alertmanager.alerts().filter { filter.accepts($0) }) { Self.write($1, into: &$0) }
            return Self.json(json)
        }
        router.post("api/v2/alerts") { request, _ in await postAlerts(request) }
        router.get("api/v2/alerts/history") { request, _ in history(request) }
        router.get("api/v2/alerts/groups") { request, _ in
            guard let filter = Self.filter(request) else { return Self.badRequest(Self.filterError(request)) }
            var json = JSONWriter()
            let groups = alertmanager.groups().compactMap { group -> Alertmanager.GroupView? in
                guard filter.acceptsReceiver([group.receiver]) else { return nil }
                var kept = group
                kept.alerts = group.alerts.filter { filter.accepts($0, checkReceiver: false) }
                return kept.alerts.isEmpty ? nil : kept
            }
            json.array(groups) { json, group in
                json.raw(#"{"alerts":"#)
                json.array(group.alerts) { Self.write($1, into: &$0) }
                json.raw(#","labels":"#)
                Self.object(group.labels, into: &json)
                json.raw(#","receiver":{"name":"#)
                json.string(group.receiver)
                json.raw("}}")
            }
            return Self.json(json)
        }
        router.get("api/v2/silences") { request, _ in
            var matchers: [Matcher] = []
            for text in Self.queryValues(request, "filter") {
                do { matchers += try MatcherSyntax.parse(text) } catch { return Self.badRequest("\(error)") }
            }
            let now = alertmanager.nowMs
            var json = JSONWriter()
            json.array(alertmanager.silences().filter { Self.silence($0, matches: matchers) }) { Self.write($1, nowMs: now, into: &$0) }
            return Self.json(json)
        }
        router.post("api/v2/silences") { request, _ in await postSilence(request) }
        router.get("api/v2/silence/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard Self.isUUID(id) else { return Self.invalidUUID(id) }
            guard let silence = alertmanager.silence(id: id) else { return Response(status: .notFound) }
            var json = JSONWriter()
            Self.write(silence, nowMs: alertmanager.nowMs, into: &json)
            return Self.json(json)
        }
        router.delete("api/v2/silence/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard Self.isUUID(id) else { return Self.invalidUUID(id) }
            do throws(AlertingError) {
                try alertmanager.expireSilence(id: id)
            } catch .silenceAlreadyExpired {
                return Response(status: .ok)  // Alertmanager 0.25 answers 200 here too
            } catch {
                // An unknown ID is a 500 "silence not found" in Alertmanager 0.25, not its spec's 404.
                return Self.jsonString(.internalServerError, "\(error)")
            }
            return Response(status: .ok)
        }
        router.get("api/v2/status") { _, _ in
            var json = JSONWriter()
            if let cluster = alertmanager.cluster {
                json.raw(#"{"cluster":{"name":"#)
                json.string(cluster.options.name)
                json.raw(#","peers":"#)
                json.array(cluster.members) { json, member in
                    json.raw(#"{"address":"#)
                    json.string(member.address)
                    json.raw(#","name":"#)
                    json.string(member.name)
                    json.byte("}")
                }
                json.raw(#","status":"#)
                json.string(cluster.status)
                json.raw(#"},"config":{"original":"#)
            } else {
                json.raw(#"{"cluster":{"peers":[],"status":"disabled"},"config":{"original":"#)
            }
            json.string(alertmanager.config.redactedYAML)
            json.raw(#"},"uptime":"#)
            json.string(Self.time(startTimeMs))
            // The Alertmanager version whose API this is: amtool warns when it differs from its own.
            json.raw(#","versionInfo":{"branch":"pharos","buildDate":"","buildUser":"","goVersion":"","revision":"#)
            json.string(BuildInfo.version)
            json.raw(#","version":"0.25.0"}}"#)
            return Self.json(json)
        }
        router.get("api/v2/receivers") { _, _ in
            var json = JSONWriter()
            json.array(alertmanager.config.receivers) { json, receiver in
                json.raw(#"{"name":"#)
                json.string(receiver.name)
                json.byte("}")
            }
            return Self.json(json)
        }
        for method in [HTTPRequest.Method.get, .head] {
            router.on("-/healthy", method: method) { _, _ in LifecycleAPI.text(.ok, "OK") }
            router.on("-/ready", method: method) { _, _ in LifecycleAPI.text(.ok, "OK") }
        }
        router.post("-/reload") { _, _ in
            do {
                try reload()
                return Response(status: .ok)
            } catch {
                return LifecycleAPI.text(.internalServerError, "failed to reload config: \(error)\n")
            }
        }
        router.get("-/reload") { _, _ in LifecycleAPI.text(.methodNotAllowed, "Only POST requests allowed") }
    }

    // MARK: - Alerts

    private struct PostableAlert: Decodable {
        var labels: [String: String]
        var annotations: [String: String]?
        var startsAt: String?
        var endsAt: String?
        var generatorURL: String?
    }

    /// `POST /api/v2/alerts`: every valid alert is taken; the invalid ones are reported together (400).
    private func postAlerts(_ request: Request) async -> Response {
        if let refused = Self.unsupportedMediaType(request) { return refused }
        let body: [UInt8]
        do { body = try await Self.body(request, limit: bodyLimit) } catch { return Self.badRequest("\(error)") }
        let posted: [PostableAlert]
        do { posted = try JSONDecoder().decode([PostableAlert].self, from: Data(body)) } catch {
            return Self.badRequest("parsing alerts body failed: \(Self.describe(error))")
        }
        let now = alertmanager.nowMs, resolveTimeout = alertmanager.config.global.resolveTimeout
        var valid: [AlertmanagerAlert] = []
        var errors: [String] = []
        for alert in posted {
            var times: [Int64?] = []
            for text in [alert.startsAt, alert.endsAt] {
                guard let text, !text.isEmpty, text != "0001-01-01T00:00:00.000Z", text != "0001-01-01T00:00:00Z" else {
                    times.append(nil)
                    continue
                }
                guard let ms = RFC3339.milliseconds(text) else { return Self.badRequest("parsing time \"\(text)\": not RFC 3339") }
                times.append(ms)
            }
            do {
                valid.append(try AlertmanagerAlert.received(
                    labels: alert.labels, annotations: alert.annotations ?? [:], startsAtMs: times[0], endsAtMs: times[1],
                    generatorURL: alert.generatorURL ?? "", nowMs: now, resolveTimeout: resolveTimeout))
            } catch {
                errors.append(error.description)
            }
        }
        let firing = valid.filter { !$0.isResolved(at: now) }.count
        Counter(label: "alertmanager_alerts_received_total", dimensions: [("status", "firing"), ("version", "v2")]).increment(by: firing)
        Counter(label: "alertmanager_alerts_received_total", dimensions: [("status", "resolved"), ("version", "v2")])
            .increment(by: valid.count - firing)
        Counter(label: "alertmanager_alerts_invalid_total", dimensions: [("version", "v2")]).increment(by: errors.count)
        alertmanager.receive(valid)
        guard errors.isEmpty else { return Self.badRequest(errors.joined(separator: "; ")) }
        return Response(status: .ok)
    }

    /// The filters of `GET /api/v2/alerts` and `/alerts/groups`.
    private struct AlertFilter {
        var matchers: [Matcher]
        var receiver: Matcher?
        var active, silenced, inhibited: Bool

        func acceptsReceiver(_ receivers: [String]) -> Bool {
            guard let receiver else { return true }
            return receivers.contains { receiver.matches($0) }
        }

        func accepts(_ view: Alertmanager.AlertView, checkReceiver: Bool = true) -> Bool {
            if checkReceiver && !acceptsReceiver(view.receivers) { return false }
            guard AlertmanagerAPI.matchesFilter(matchers, view.alert.labels) else { return false }
            let suppressed = !view.silencedBy.isEmpty || !view.inhibitedBy.isEmpty
            if !active && !suppressed { return false }
            if !silenced && !view.silencedBy.isEmpty { return false }
            if !inhibited && !view.inhibitedBy.isEmpty { return false }
            return true
        }
    }

    private static func filter(_ request: Request) -> AlertFilter? {
        var matchers: [Matcher] = []
        for text in queryValues(request, "filter") {
            guard let parsed = try? MatcherSyntax.parse(text) else { return nil }
            matchers += parsed
        }
        var receiver: Matcher?
        if let text = queryValues(request, "receiver").first {
            guard let compiled = try? Matcher(.regexMatch, "receiver", text) else { return nil }
            receiver = compiled
        }
        func flag(_ name: String) -> Bool? {
            guard let text = queryValues(request, name).first else { return true }
            switch text.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: return nil
            }
        }
        guard let active = flag("active"), let silenced = flag("silenced"), let inhibited = flag("inhibited"),
              flag("unprocessed") != nil  // checked only: every alert is processed when the API answers
        else { return nil }
        return AlertFilter(matchers: matchers, receiver: receiver, active: active, silenced: silenced, inhibited: inhibited)
    }

    /// Why `filter` refused the request, as upstream words it.
    private static func filterError(_ request: Request) -> String {
        for text in queryValues(request, "filter") {
            do { _ = try MatcherSyntax.parse(text) } catch { return "\(error)" }
        }
        if let text = queryValues(request, "receiver").first {
            do { _ = try Matcher(.regexMatch, "receiver", text) } catch { return "failed to parse receiver param: \(error)" }
        }
        return "invalid boolean parameter"
    }

    private static func write(_ view: Alertmanager.AlertView, into json: inout JSONWriter) {
        let alert = view.alert
        json.raw(#"{"annotations":"#)
        object(alert.annotations, into: &json)
        json.raw(#","endsAt":"#)
        json.string(time(alert.endsAtMs ?? 0))
        json.raw(#","fingerprint":"#)
        json.string(alert.fingerprint.description)
        json.raw(#","receivers":"#)
        json.array(view.receivers) { json, name in
            json.raw(#"{"name":"#)
            json.string(name)
            json.byte("}")
        }
        json.raw(#","startsAt":"#)
        json.string(time(alert.startsAtMs))
        json.raw(#","status":{"inhibitedBy":"#)
        json.strings(view.inhibitedBy)
        json.raw(#","silencedBy":"#)
        json.strings(view.silencedBy)
        json.raw(#","state":"#)
        json.string(view.silencedBy.isEmpty && view.inhibitedBy.isEmpty ? "active" : "suppressed")
        json.raw(#"},"updatedAt":"#)
        json.string(time(alert.updatedAtMs))
        if !alert.generatorURL.isEmpty {
            json.raw(#","generatorURL":"#)
            json.string(alert.generatorURL)
        }
        json.raw(#","labels":"#)
        object(alert.labels, into: &json)
        json.byte("}")
    }

    // MARK: - Silences

    private struct PostableSilence: Decodable {
        struct PostableMatcher: Decodable {
            var name: String
            var value: String
            var isRegex: Bool
            var isEqual: Bool?
        }
        var id: String?
        var matchers: [PostableMatcher]
        var startsAt: String
        var endsAt: String
        var createdBy: String
        var comment: String
    }

    /// `POST /api/v2/silences`, with upstream's checks and messages.
    private func postSilence(_ request: Request) async -> Response {
        if let refused = Self.unsupportedMediaType(request) { return refused }
        let body: [UInt8]
        do { body = try await Self.body(request, limit: bodyLimit) } catch { return Self.badRequest("\(error)") }
        let posted: PostableSilence
        do { posted = try JSONDecoder().decode(PostableSilence.self, from: Data(body)) } catch {
            return Self.validationError(Self.describe(error))
        }
        guard !posted.matchers.isEmpty else { return Self.validationError("matchers in body should have at least 1 items") }
        guard let start = RFC3339.milliseconds(posted.startsAt), let end = RFC3339.milliseconds(posted.endsAt) else {
            return Self.validationError("startsAt and endsAt in body must be of type date-time")
        }
        var matchers: [Matcher] = []
        for matcher in posted.matchers {
            let isEqual = matcher.isEqual ?? true
            let type: MatchType = matcher.isRegex ? (isEqual ? .regexMatch : .regexNoMatch) : (isEqual ? .equal : .notEqual)
            do { matchers.append(try Matcher(type, matcher.name, matcher.value)) } catch {
                return Self.jsonString(.badRequest, "silence invalid: invalid label matcher: \(error)")
            }
        }
        guard start < end else { return Self.jsonString(.badRequest, "Failed to create silence: start time must be before end time") }
        guard end >= alertmanager.nowMs else { return Self.jsonString(.badRequest, "Failed to create silence: end time can't be in the past") }
        let silence = Silence(id: posted.id ?? "", matchers: matchers, startsAtMs: start, endsAtMs: end,
                              createdBy: posted.createdBy, comment: posted.comment)
        do throws(AlertingError) {
            let id = try alertmanager.setSilence(silence)
            var json = JSONWriter()
            json.raw(#"{"silenceID":"#)
            json.string(id)
            json.byte("}")
            return Self.json(json)
        } catch .silenceNotFound(let id) {
            return Self.jsonString(.notFound, AlertingError.silenceNotFound(id).description)
        } catch .stateFile(let path, let reason) {
            return Self.jsonString(.internalServerError, "\(AlertingError.stateFile(path: path, reason: reason))")
        } catch {
            return Self.jsonString(.badRequest, "silence invalid: \(error)")
        }
    }

    /// Upstream's `CheckSilenceMatchesFilterLabels`: the filter applied to the silence's
    /// matcher patterns by name.
    private static func silence(_ silence: Silence, matches filter: [Matcher]) -> Bool {
        var patterns: [String: String] = [:]
        for matcher in silence.matchers { patterns[matcher.name] = matcher.value }
        return matchesFilter(filter, patterns)
    }

    /// Upstream's `matchFilterLabels`: an empty-valued `=`/`=~` filter also accepts an absent
    /// label, an empty-valued `!=`/`!~` one a present label; otherwise each must match.
    static func matchesFilter(_ filter: [Matcher], _ values: [String: String]) -> Bool {
        filter.allSatisfy { matcher in
            let value = values[matcher.name]
            switch matcher.type {
            case .notEqual, .regexNoMatch:
                if matcher.value.isEmpty && value != nil { return true }
            case .equal, .regexMatch:
                if matcher.value.isEmpty && value == nil { return true }
            }
            return matcher.matches(value ?? "")
        }
    }

    private static func write(_ silence: Silence, nowMs: Int64, into json: inout JSONWriter) {
        json.raw(#"{"id":"#)
        json.string(silence.id)
        json.raw(#","status":{"state":"#)
        json.string(silence.state(at: nowMs).rawValue)
        json.raw(#"},"updatedAt":"#)
        json.string(time(silence.updatedAtMs))
        json.raw(#","comment":"#)
        json.string(silence.comment)
        json.raw(#","createdBy":"#)
        json.string(silence.createdBy)
        json.raw(#","endsAt":"#)
        json.string(time(silence.endsAtMs))
        json.raw(#","matchers":"#)
        json.array(silence.matchers) { json, matcher in
            json.raw(#"{"isEqual":"#)
            json.bool(matcher.type == .equal || matcher.type == .regexMatch)
            json.raw(#","isRegex":"#)
            json.bool(matcher.type == .regexMatch || matcher.type == .regexNoMatch)
            json.raw(#","name":"#)
            json.string(matcher.name)
            json.raw(#","value":"#)
            json.string(matcher.value)
            json.byte("}")
        }
        json.raw(#","startsAt":"#)
        json.string(time(silence.startsAtMs))
        json.byte("}")
    }

    // MARK: - Helpers

    /// go-openapi's `strfmt.DateTime`: RFC 3339 with exactly three fractional digits, UTC.
    static func time(_ ms: Int64) -> String {
        var text = RFC3339.format(milliseconds: ms)
        text.removeLast()  // "Z"
        if let dot = text.firstIndex(of: ".") {
            while text.distance(from: dot, to: text.endIndex) < 4 { text += "0" }
        } else {
            text += ".000"
        }
        return text + "Z"
    }

    private static func object(_ map: [String: String], into json: inout JSONWriter) {
        json.byte("{")
        for (i, name) in map.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if i > 0 { json.byte(",") }
            json.key(name)
            json.string(map[name] ?? "")
        }
        json.byte("}")
    }

    private static func queryValues(_ request: Request, _ name: String) -> [String] {
        RequestParameters(query: request.uri.query ?? "").all(name)
    }

    private static func body(_ request: Request, limit: Int) async throws -> [UInt8] {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        return Array(buffer.readableBytesView)
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "\(key.stringValue) in body is required"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) in body has the wrong type"
        default: "body is not valid JSON"
        }
    }

    private static func isUUID(_ id: String) -> Bool { UUID(uuidString: id) != nil }

    private static func invalidUUID(_ id: String) -> Response {
        validationError("silenceID in path must be of type uuid: \(JSONQuote.string(id))", code: 605)
    }

    /// A request the spec refuses (go-swagger's 422 with its error code).
    private static func validationError(_ message: String, code: Int = 602) -> Response {
        Response(status: .unprocessableContent, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"code":\#(code),"message":"# + JSONQuote.string(message) + "}")))
    }

    /// go-swagger refuses bodies that are not JSON (415).
    private static func unsupportedMediaType(_ request: Request) -> Response? {
        let type = request.headers[.contentType] ?? ""
        guard !type.lowercased().hasPrefix("application/json") else { return nil }
        let message = "unsupported media type \(JSONQuote.string(type)), only [application/json] are allowed"
        return Response(status: .unsupportedMediaType, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"code":415,"message":"# + JSONQuote.string(message) + "}")))
    }

    private static func json(_ json: JSONWriter) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }

    /// An error whose payload is a JSON string, as go-swagger writes `BadRequest` and friends.
    private static func jsonString(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var json = JSONWriter()
        json.string(message)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: json.bytes)))
    }

    private static func badRequest(_ message: String) -> Response { jsonString(.badRequest, message) }
}

/// A string as a JSON literal.
private enum JSONQuote {
    static func string(_ text: String) -> String {
        var writer = JSONWriter(capacity: text.utf8.count + 2)
        writer.string(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
