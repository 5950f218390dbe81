package import Hummingbird
import Model
package import Rules
import Template

/// `/api/v1/rules`, `/api/v1/alerts` and `/api/v1/alertmanagers`, with Prometheus's fields
/// and filters (`web/api/v1/api.go`'s `rules`, `alerts`, `alertmanagers`).
package struct RulesAPI: Sendable {
    /// The rule manager whose groups and alerts are shown.
    package var rules: RuleManager
    /// The notifier whose Alertmanagers are listed.
    package var notifier: Notifier

    /// Creates the endpoints.
    package init(rules: RuleManager, notifier: Notifier) {
        self.rules = rules
        self.notifier = notifier
    }

    /// Adds the routes to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.get("api/v1/rules") { request, _ in
            do throws(APIError) {
                return try self.ruleGroups(RequestParameters(query: request.uri.query ?? ""))
            } catch {
                return APIResponse.failure(error)
            }
        }
        router.get("api/v1/alerts") { _, _ in
            let alerts = rules.groups.flatMap { group in group.rules.flatMap { Self.activeAlerts($0) } }
            return APIResponse.success { json in
                json.raw(#"{"alerts":"#)
                json.array(alerts) { Self.write($1, to: &$0) }
                json.byte("}")
            }
        }
        router.get("api/v1/alertmanagers") { _, _ in
            let alertmanagers = notifier.alertmanagers, dropped = notifier.droppedAlertmanagerURLs
            return APIResponse.success { json in
                json.raw(#"{"activeAlertmanagers":"#)
                json.array(alertmanagers) { json, alertmanager in
                    json.raw(#"{"url":"#)
                    json.string(alertmanager.url)
                    json.byte("}")
                }
                json.raw(#","droppedAlertmanagers":"#)
                json.array(dropped) { json, url in
                    json.raw(#"{"url":"#)
                    json.string(url)
                    json.byte("}")
                }
                json.byte("}")
            }
        }
    }

    /// `type=alert|record`, `rule_name[]`, `rule_group[]`, `file[]`, `match[]` (on the rule's
    /// labels, group labels included), `exclude_alerts`, and pages of `group_limit` groups:
    /// when more follow, `groupNextToken` (the SHA-256 of `file;name` of the next group, as
    /// upstream) is passed back as `group_next_token` for the next page.
    func ruleGroups(_ p: RequestParameters) throws(APIError) -> Response {
        let type = p["type"] ?? ""
        guard ["", "alert", "record"].contains(type) else {
            throw APIError(.badData, "invalid query parameter type='\(type)', must be one of 'alert' or 'record'")
        }
        let names = Set(p.all("rule_name[]")), groupNames = Set(p.all("rule_group[]")), files = Set(p.all("file[]"))
        let matcherSets = try SeriesAPI.matcherSets(p.all("match[]"))
        let excludeAlerts = (p["exclude_alerts"] ?? "false").lowercased() == "true"
        let (groupLimit, nextToken) = try Self.pagination(p)
        var groups = rules.groups
        if let nextToken {
            guard let start = groups.firstIndex(where: { Self.nextToken($0) == nextToken }) else {
                throw APIError(.badData, "invalid parameter \"group_next_token\": invalid group_next_token '\(nextToken)'. were rule groups changed?")
            }
            groups.removeFirst(start)
        }
        var page: [(group: RuleGroupState, shown: [RuleState])] = []
        var groupNextToken: String?
        for group in groups where (groupNames.isEmpty || groupNames.contains(group.loaded.group.name)) && (files.isEmpty || files.contains(group.loaded.file)) {
            let shown = group.rules.filter { state in
                let rule = state.rule.rule
                return (type.isEmpty || (type == "alert") == rule.isAlerting) && (names.isEmpty || names.contains(rule.name))
                    && Self.matches(matcherSets, group.loaded.group.labels(of: rule))
            }
            // As upstream, a group none of whose rules pass the rule filters is left out.
            if shown.isEmpty && (!type.isEmpty || !names.isEmpty || !matcherSets.isEmpty) { continue }
            if let groupLimit, page.count == groupLimit {
                groupNextToken = Self.nextToken(group)
                break
            }
            page.append((group, shown))
        }
        return APIResponse.success { json in
            json.raw(#"{"groups":"#)
            var first = true
            json.byte("[")
            for (group, shown) in page {
                if !first { json.byte(",") }
                first = false
                json.raw(#"{"name":"#)
                json.string(group.loaded.group.name)
                json.raw(#","file":"#)
                json.string(group.loaded.file)
                json.raw(#","rules":"#)
                json.array(shown) { Self.write($1, excludeAlerts: excludeAlerts, to: &$0) }
                json.raw(#","interval":"#)
                json.number(group.loaded.interval.inSeconds)
                json.raw(#","limit":"#)
                json.int(group.loaded.group.limit)
                json.raw(#","evaluationTime":"#)
                json.number(group.evaluationDuration.inSeconds)
                json.raw(#","lastEvaluation":"#)
                json.string(Self.time(group.lastEvaluationMs))
                json.byte("}")
            }
            json.byte("]")
            if let groupNextToken {
                json.raw(#","groupNextToken":"#)
                json.string(groupNextToken)
            }
            json.byte("}")
        }
    }

    /// `group_limit` (a positive number) and `group_next_token` (only with a limit), with
    /// upstream's errors.
    private static func pagination(_ p: RequestParameters) throws(APIError) -> (limit: Int?, token: String?) {
        let limit = p["group_limit"] ?? "", token = p["group_next_token"] ?? ""
        if !token.isEmpty && limit.isEmpty {
            throw APIError(.badData, "invalid parameter \"group_next_token\": group_limit needs to be present in order to paginate over the groups")
        }
        guard !limit.isEmpty else { return (nil, nil) }
        guard let value = Int32(limit) else {
            let reason = Int64(limit) == nil && !limit.allSatisfy(\.isNumber) ? "invalid syntax" : "value out of range"
            throw APIError(.badData, "invalid parameter \"group_limit\": group_limit needs to be a valid number: strconv.ParseInt: parsing \(limit.quotedForPromQL): \(reason)")
        }
        guard value > 0 else { throw APIError(.badData, "invalid parameter \"group_limit\": group_limit needs to be greater than 0") }
        return (Int(value), token.isEmpty ? nil : token)
    }

    /// The token that names `group` as the first of the next page.
    private static func nextToken(_ group: RuleGroupState) -> String {
        (group.loaded.file + ";" + group.loaded.group.name).sha256Hex
    }

    private static func write(_ state: RuleState, excludeAlerts: Bool, to json: inout JSONWriter) {
        let rule = state.rule.rule
        if let alerting = state.alerting {
            json.raw(#"{"state":"#)
            json.string(alerting.state.description)
            json.raw(#","name":"#)
            json.string(rule.alert)
            json.raw(#","query":"#)
            json.string(rule.expr)
            json.raw(#","duration":"#)
            json.number(rule.holdDuration.inSeconds)
            json.raw(#","keepFiringFor":"#)
            json.number(rule.keepFiringFor.inSeconds)
            json.raw(#","labels":"#)
            json.labels(labels(rule.labels))
            json.raw(#","annotations":"#)
            json.labels(Annotations(rule.annotations))
            if !excludeAlerts {
                json.raw(#","alerts":"#)
                json.array(activeAlerts(state)) { write($1, to: &$0) }
            }
        } else {
            json.raw(#"{"name":"#)
            json.string(rule.record)
            json.raw(#","query":"#)
            json.string(rule.expr)
            if !rule.labels.isEmpty {
                json.raw(#","labels":"#)
                json.labels(labels(rule.labels))
            }
        }
        json.raw(#","health":"#)
        json.string(state.health.rawValue)
        if !state.lastError.isEmpty {
            json.raw(#","lastError":"#)
            json.string(state.lastError)
        }
        json.raw(#","evaluationTime":"#)
        json.number(state.evaluationDuration.inSeconds)
        json.raw(#","lastEvaluation":"#)
        json.string(time(state.lastEvaluationMs))
        json.raw(#","type":"#)
        json.string(rule.isAlerting ? "alerting" : "recording")
        json.byte("}")
    }

    /// Pending and firing alerts, as upstream's `ActiveAlerts` (resolved ones are only sent).
    private static func activeAlerts(_ state: RuleState) -> [Alert] {
        guard let alerting = state.alerting else { return [] }
        return alerting.active.values.filter { $0.state != .inactive }.sorted { $0.labels < $1.labels }
    }

    private static func write(_ alert: Alert, to json: inout JSONWriter) {
        json.raw(#"{"labels":"#)
        json.labels(alert.labels)
        json.raw(#","annotations":"#)
        json.labels(alert.annotations)
        json.raw(#","state":"#)
        json.string(alert.state.description)
        json.raw(#","activeAt":"#)
        json.string(RFC3339.format(milliseconds: alert.activeAtMs))
        if let since = alert.keepFiringSinceMs {
            json.raw(#","keepFiringSince":"#)
            json.string(RFC3339.format(milliseconds: since))
        }
        json.raw(#","value":"#)
        json.string(GoFloatFormat.shortestExponent(alert.value))
        json.byte("}")
    }

    /// Whether `labels` satisfy any of `matcherSets` (all of them when there are none), as
    /// upstream's `matchesMatcherSets`; an absent label matches as `""`.
    private static func matches(_ matcherSets: [[Matcher]], _ labels: [String: String]) -> Bool {
        matcherSets.isEmpty || matcherSets.contains { set in set.allSatisfy { $0.matches(labels[$0.name] ?? "") } }
    }

    private static func labels(_ map: [String: String]) -> Labels {
        Labels(map.map { Label(name: $0.key, value: $0.value) })
    }

    /// Go's zero time when never evaluated, as upstream prints it.
    private static func time(_ ms: Int64?) -> String {
        ms.map { RFC3339.format(milliseconds: $0) } ?? "0001-01-01T00:00:00Z"
    }
}
