package import Model
import Synchronization
package import TSDB

/// Local storage merged with the `remote_read` endpoints for one query (upstream's fanout
/// storage with the remote storage as secondary): every `select` asks each endpoint that
/// accepts the selector (`RemoteReadEndpoint`) concurrently with reading local storage, and
/// merges the answers with `SeriesMerge` (a series in several places becomes one, duplicate
/// samples kept once, local storage's first).
///
/// Local storage's errors fail the select. An endpoint's error does not: it becomes a warning
/// (`warnings`, shown in the API's `warnings` as Prometheus does) and the endpoint is not
/// asked again during this query, so the answer is partial instead of failed. Label names and
/// values come from local storage only, with a warning per endpoint, as Prometheus's remote
/// querier does not implement them.
///
/// `select` blocks its thread on the HTTP requests: queries evaluate on the blocking thread
/// pool, never on an event loop.
package final class RemoteReadFanoutQuerier: Querier {
    /// Local storage.
    package let primary: any Querier
    /// The endpoints.
    package let endpoints: [RemoteReadEndpoint]
    /// The querier's time range (label queries use it; selects have their own).
    package let mint: Int64, maxt: Int64
    /// The time before which local storage may lack data (for `read_recent: false`).
    package let localStartMs: Int64
    /// Warnings so far, in order, and the endpoints (by index) that failed.
    private let state = Mutex<(warnings: [String], failed: Set<Int>)>(([], []))

    /// A querier over `primary` and `endpoints` for `[mint, maxt]`.
    package init(primary: any Querier, endpoints: [RemoteReadEndpoint], mint: Int64, maxt: Int64, localStartMs: Int64) {
        self.primary = primary
        self.endpoints = endpoints
        self.mint = mint
        self.maxt = maxt
        self.localStartMs = localStartMs
    }

    package var warnings: [String] { state.withLock { $0.warnings } + primary.warnings }

    package func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [Series] {
        let pending = send(matchers, mint: mint, maxt: maxt, hints: hints)
        let local = try primary.select(matchers, mint: mint, maxt: maxt, hints: hints)
        return try SeriesMerge.merge([local] + receive(pending))
    }

    package func selectNewest(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [NewestSample] {
        let pending = send(matchers, mint: mint, maxt: maxt, hints: hints)
        let local = try primary.selectNewest(matchers, mint: mint, maxt: maxt, hints: hints)
        guard !pending.isEmpty else { return local }
        var lists = [local]
        for series in receive(pending) {
            var newest: [NewestSample] = []
            for one in series {
                do throws(TSDBError) {
                    if let sample = try one.newest() { newest.append(sample) }
                } catch {
                    record("remote_read: \(error)")
                }
            }
            lists.append(newest)
        }
        return SeriesMerge.mergeNewest(lists)
    }

    package func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] {
        notImplemented()
        return try primary.labelNames(matchers)
    }

    package func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
        notImplemented()
        return try primary.labelValues(name, matchers)
    }

    /// Starts the requests of the endpoints that are asked for this select.
    private func send(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) -> [(Int, RemoteReadEndpoint.PendingSelect)] {
        let failed = state.withLock { $0.failed }
        return endpoints.indices.compactMap { index in
            guard !failed.contains(index),
                  let range = endpoints[index].range(mint: mint, maxt: maxt, localStartMs: localStartMs),
                  let pending = endpoints[index].send(matchers, mint: range.mint, maxt: range.maxt, hints: hints)
            else { return nil }
            return (index, pending)
        }
    }

    /// The answers of `pending`; a failed endpoint's warning is recorded and it answers nothing.
    private func receive(_ pending: [(Int, RemoteReadEndpoint.PendingSelect)]) -> [[Series]] {
        pending.map { index, one in
            do throws(RemoteReadClientError) {
                return try one.wait()
            } catch {
                state.withLock { _ = $0.failed.insert(index) }
                record(error.description)
                return []
            }
        }
    }

    private func record(_ warning: String) {
        state.withLock { state in if !state.warnings.contains(warning) { state.warnings.append(warning) } }
    }

    /// The warning of each endpoint asked for labels over the querier's range.
    private func notImplemented() {
        for endpoint in endpoints where endpoint.range(mint: mint, maxt: maxt, localStartMs: localStartMs) != nil {
            record("remote_read \"\(endpoint.name)\": not implemented: label names and values are not read from remote storage (as in Prometheus)")
        }
    }
}
