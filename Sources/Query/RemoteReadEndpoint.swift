package import AsyncHTTPClient
package import Config
import CoreMetrics
import Exposition
package import Model
package import TSDB

/// One `remote_read` entry of the configuration, ready to query (upstream's
/// `sampleAndChunkQueryableClient` in `storage/remote/read.go`): its client, the equality
/// matchers a selector must carry for it to be asked (`required_matchers`), the external
/// labels it adds as matchers and removes from answers (none with `filter_external_labels:
/// false`), and whether it is asked for the time local storage holds (`read_recent`).
package struct RemoteReadEndpoint: Sendable {
    /// `name`, or 6 hex digits identifying the entry (the metrics' `remote_name`).
    package let name: String
    /// `url`.
    package let url: String
    /// Sends the requests.
    package let client: RemoteReadClient
    /// `required_matchers`, as equality matchers.
    package let requiredMatchers: [Matcher]
    /// `global.external_labels`, or none with `filter_external_labels: false`.
    package let externalLabels: Labels
    /// `read_recent`.
    package let readRecent: Bool

    /// The endpoint of `config`, sending through `httpClient`.
    /// - Throws: a message naming the entry for settings Pharos does not support or TLS files
    ///   that do not load.
    package init(_ config: RemoteReadConfig, name: String, externalLabels: Labels,
                 httpClient: HTTPClient) throws(RemoteReadClientError) {
        self.name = name
        url = config.url
        var client = RemoteReadClient(
            httpClient: httpClient, http: config.http,
            tls: try RemoteReadClient.tlsConfiguration(config.http, setting: "remote_read \"\(name)\""))
        client.headers = config.headers
        client.timeout = config.remoteTimeout
        client.chunkedReadLimitBytes = Int(clamping: config.chunkedReadLimit)
        self.client = client
        requiredMatchers = config.requiredMatchers.map { Self.equal($0.name, $0.value) }
        self.externalLabels = config.filterExternalLabels ? externalLabels : Labels()
        readRecent = config.readRecent
    }

    /// The time range to ask this endpoint for out of `[mint, maxt]`, `nil` when it is not
    /// asked at all: with `read_recent: false`, only what lies before `localStartMs` (the
    /// oldest time local storage is trusted to hold), as upstream's `preferLocalStorage`.
    package func range(mint: Int64, maxt: Int64, localStartMs: Int64) -> (mint: Int64, maxt: Int64)? {
        if readRecent { return (mint, maxt) }
        if mint > localStartMs { return nil }
        return (mint, min(maxt, localStartMs))
    }

    /// Whether a selector with `matchers` is sent here: it has every required matcher
    /// (the same name and value, as an equality matcher).
    package func accepts(_ matchers: [Matcher]) -> Bool {
        requiredMatchers.allSatisfy { required in
            matchers.contains { $0.type == .equal && $0.name == required.name && $0.value == required.value }
        }
    }

    /// `matchers` with an equality matcher for each external label no matcher names, and the
    /// names of the labels added (to remove from the answer), as upstream's `addExternalLabels`.
    package func addingExternalLabels(_ matchers: [Matcher]) -> (matchers: [Matcher], added: Set<String>) {
        var out = matchers
        var added = Set<String>()
        for label in externalLabels where !matchers.contains(where: { $0.name == label.name }) {
            out.append(Self.equal(label.name, label.value))
            added.insert(label.name)
        }
        return (out, added)
    }

    /// The matcher `name="value"`.
    private static func equal(_ name: String, _ value: String) -> Matcher {
        do { return try Matcher(.equal, name, value) } catch {
            preconditionFailure("BUG: an equality matcher does not compile: \(error)")
        }
    }

    /// Starts reading the series matching `matchers` in `[mint, maxt]`; `nil` when the
    /// selector lacks a required matcher.
    func send(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) -> PendingSelect? {
        guard accepts(matchers) else { return nil }
        let (withExternal, added) = addingExternalLabels(matchers)
        let query = RemoteReadQuery(startTimestampMs: mint, endTimestampMs: maxt, matchers: withExternal,
                                    hints: hints.map { RemoteReadHints($0, mint: mint, maxt: maxt) })
        let inFlight = Meter(label: "prometheus_remote_storage_remote_read_queries", dimensions: dimensions)
        inFlight.increment(by: 1)
        return PendingSelect(endpoint: self, pending: client.send([query], to: url), added: added, inFlight: inFlight,
                             started: ContinuousClock.now)
    }

    /// The metrics' labels.
    var dimensions: [(String, String)] { [("remote_name", name), ("url", url)] }

    /// A select on its way.
    struct PendingSelect: Sendable {
        let endpoint: RemoteReadEndpoint
        let pending: PendingRemoteRead
        let added: Set<String>
        let inFlight: Meter
        let started: ContinuousClock.Instant

        /// The answer, sorted by labels, with the external labels added to the request removed.
        /// - Throws: `remote_read: <why>`, as upstream words the failure.
        func wait() throws(RemoteReadClientError) -> [Series] {
            defer { inFlight.decrement(by: 1) }
            let series: [Series]
            do {
                let answer = try pending.wait()
                series = answer.series.first ?? []
                count(responseType: answer.responseType, status: answer.status, answered: true)
            } catch {
                count(responseType: error.responseType, status: error.status, answered: error.status != nil)
                throw RemoteReadClientError(description: "remote_read: \(error)", status: error.status, responseType: error.responseType)
            }
            let trimmed = series.map(Self.trimmed)
            guard !added.isEmpty else { return trimmed }
            return trimmed.map { one in
                Series(labels: Labels(one.labels.filter { !added.contains($0.name) }), chunks: one.chunks, mint: one.mint, maxt: one.maxt)
            }.sorted { $0.labels < $1.labels }
        }

        /// `series` with only its samples in its range: chunks outside it dropped, chunks
        /// across its ends encoded again without the samples outside (an answer's chunks are
        /// whole, and a merge with local storage widens the range iterated).
        private static func trimmed(_ series: Series) -> Series {
            var chunks: [ChunkSnapshot] = []
            for chunk in series.chunks where chunk.maxTime >= series.mint && chunk.minTime <= series.maxt {
                if chunk.minTime >= series.mint, chunk.maxTime <= series.maxt {
                    chunks.append(chunk)
                    continue
                }
                var iterator = Series(labels: series.labels, chunks: [chunk], mint: series.mint, maxt: series.maxt).makeIterator()
                var samples: [ChunkSnapshot.Sample] = []
                while iterator.next() { samples.append((iterator.timestamp, iterator.value, iterator.startTimestamp)) }
                if iterator.error != nil {  // left whole: reading the series reports it
                    chunks.append(chunk)
                    continue
                }
                chunks.append(contentsOf: ChunkSnapshot.encode(samples))
            }
            return Series(labels: series.labels, chunks: chunks, mint: series.mint, maxt: series.maxt)
        }

        /// `prometheus_remote_storage_read_queries_total{response_type, code}` and
        /// `prometheus_remote_storage_read_request_duration_seconds{response_type}` as Prometheus 3.
        private func count(responseType: RemoteReadResponseType?, status: UInt?, answered: Bool) {
            guard answered, let status else { return }
            let type = switch responseType {
            case .samples: "sampled"
            case .streamedXORChunks: "chunked"
            case nil: "unsupported"
            }
            Counter(label: "prometheus_remote_storage_read_queries_total",
                    dimensions: endpoint.dimensions + [("response_type", type), ("code", String(status))]).increment(by: 1)
            Timer(label: "prometheus_remote_storage_read_request_duration_seconds", dimensions: endpoint.dimensions + [("response_type", type)])
                .recordNanoseconds(Int64((ContinuousClock.now - started) / .nanoseconds(1)))
        }
    }
}
