import Exposition
package import Hummingbird
import Model
package import Scrape

/// `/api/v1/targets`, `/api/v1/scrape_pools`, `/api/v1/targets/metadata` and
/// `/api/v1/metadata`, with Prometheus's fields and filters.
package struct TargetsAPI: Sendable {
    /// The scrape manager whose targets are shown.
    package var scrape: ScrapeManager

    /// Creates the endpoints.
    package init(scrape: ScrapeManager) {
        self.scrape = scrape
    }

    /// Adds the routes to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.get("api/v1/targets") { request, _ in self.respond(request, self.targets) }
        router.get("api/v1/scrape_pools") { _, _ in
            let pools = scrape.poolNames()
            return APIResponse.success { json in
                json.raw(#"{"scrapePools":"#)
                json.strings(pools)
                json.byte("}")
            }
        }
        router.get("api/v1/targets/metadata") { request, _ in self.respond(request, self.targetMetadata) }
        router.get("api/v1/metadata") { request, _ in self.respond(request, self.metadata) }
    }

    private func respond(_ request: Request, _ handler: (RequestParameters) throws(APIError) -> Response) -> Response {
        do {
            return try handler(RequestParameters(query: request.uri.query ?? ""))
        } catch {
            return APIResponse.failure(error)
        }
    }

    /// `state=active|dropped|any` (default any) and `scrapePool=`.
    func targets(_ p: RequestParameters) throws(APIError) -> Response {
        let state = (p["state"] ?? "").lowercased()
        let pool = p["scrapePool"] ?? ""
        let showActive = state.isEmpty || state == "any" || state == "active"
        let showDropped = state.isEmpty || state == "any" || state == "dropped"
        let active = showActive ? scrape.activeTargets().filter { pool.isEmpty || $0.scrapePool == pool } : []
        let dropped = showDropped ? scrape.droppedTargets().filter { pool.isEmpty || $0.scrapePool == pool } : []
        let counts = scrape.droppedTargetCounts().filter { pool.isEmpty || $0.key == pool }
        return APIResponse.success { json in
            json.raw(#"{"activeTargets":"#)
            json.array(active) { json, target in
                json.raw(#"{"discoveredLabels":"#)
                json.labels(target.discoveredLabels)
                json.raw(#","labels":"#)
                json.labels(target.labels)
                json.raw(#","scrapePool":"#)
                json.string(target.scrapePool)
                json.raw(#","scrapeUrl":"#)
                json.string(target.scrapeURL)
                json.raw(#","globalUrl":"#)
                json.string(target.globalURL)
                json.raw(#","lastError":"#)
                json.string(target.lastError)
                json.raw(#","lastScrape":"#)
                json.string(target.lastScrapeMs.map { RFC3339.format(milliseconds: $0) } ?? "0001-01-01T00:00:00Z")
                json.raw(#","lastScrapeDuration":"#)
                json.number(target.lastScrapeDurationSeconds)
                json.raw(#","health":"#)
                json.string(target.health.rawValue)
                json.raw(#","scrapeInterval":"#)
                json.string(target.scrapeInterval)
                json.raw(#","scrapeTimeout":"#)
                json.string(target.scrapeTimeout)
                json.raw(#","discoveryProvider":"#)  // Pharos's: the provider the target came from
                json.string(target.discoveryProvider)
                json.byte("}")
            }
            json.raw(#","droppedTargets":"#)
            json.array(dropped) { json, target in
                json.raw(#"{"discoveredLabels":"#)
                json.labels(target.discoveredLabels)
                json.raw(#","scrapePool":"#)
                json.string(target.scrapePool)
                json.raw(#","discoveryProvider":"#)
                json.string(target.discoveryProvider)
                json.byte("}")
            }
            json.raw(#","droppedTargetCounts":{"#)
            for (i, (name, count)) in counts.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { json.byte(",") }
                json.key(name)
                json.int(count)
            }
            json.raw("}}")
        }
    }

    /// `match_target=` (a label selector over target labels), `metric=`, `limit=`.
    func targetMetadata(_ p: RequestParameters) throws(APIError) -> Response {
        let limit = try p.limit()
        let metric = p["metric"] ?? ""
        var matchers: [Matcher] = []
        if let selector = p["match_target"], !selector.isEmpty {
            matchers = try SeriesAPI.matcherSets([selector]).first ?? []
        }
        var entries: [(Labels, String, MetricMetadata)] = []
        for (target, metadata) in scrape.targetMetadata() where matchers.allMatch(target) {
            for name in metadata.keys.sorted() where metric.isEmpty || name == metric {
                entries.append((target, name, metadata[name]!))
                if limit > 0, entries.count >= limit { break }
            }
            if limit > 0, entries.count >= limit { break }
        }
        return APIResponse.success { json in
            json.array(entries) { json, entry in
                json.raw(#"{"target":"#)
                json.labels(entry.0)
                json.raw(#","metric":"#)
                json.string(entry.1)
                json.metadataFields(entry.2)
                json.byte("}")
            }
        }
    }

    /// `limit=` (families), `limit_per_metric=`, `metric=`.
    func metadata(_ p: RequestParameters) throws(APIError) -> Response {
        let limit = try p.limit()
        let perMetric = try p.limit("limit_per_metric")
        let metric = p["metric"] ?? ""
        var families = scrape.metricMetadata().filter { metric.isEmpty || $0.key == metric }.sorted { $0.key < $1.key }
        if limit > 0, families.count > limit { families.removeLast(families.count - limit) }
        return APIResponse.success { json in
            json.byte("{")
            for (i, (name, entries)) in families.enumerated() {
                if i > 0 { json.byte(",") }
                json.key(name)
                json.array(entries.prefix(perMetric > 0 ? perMetric : entries.count)) { json, entry in
                    json.byte("{")
                    json.metadataFields(entry, leadingComma: false)
                    json.byte("}")
                }
            }
            json.byte("}")
        }
    }
}

extension JSONWriter {
    /// `"type":…,"help":…,"unit":…` of metric metadata, after a comma unless told otherwise.
    mutating func metadataFields(_ entry: MetricMetadata, leadingComma: Bool = true) {
        if leadingComma { byte(",") }
        raw(#""type":"#)
        string(entry.type.rawValue)
        raw(#","help":"#)
        string(entry.help)
        raw(#","unit":"#)
        string(entry.unit)
    }
}

extension [Matcher] {
    /// Whether `labels` satisfy every matcher (absent labels match as `""`).
    func allMatch(_ labels: Labels) -> Bool {
        allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }
}
