package import AsyncHTTPClient
import Exposition
package import Model
import Stream
import Config
package import TSDB

/// A `Querier` over the ingesters of a cluster: each `select` asks one ingester per partition
/// (planned by the `IngesterRing`) for the matching series over the remote-read protocol
/// (streamed XOR chunks from `/pharos/internal/v1/read`, which adds no external labels), keeps
/// from each answer only the series of the partitions that ingester was asked for (so replicas
/// never duplicate a series), and merges them sorted by labels. An ingester that fails or is
/// not ready (still replaying) is replaced by another owner of its partitions; a partition
/// without any answering owner fails the select with `TSDBError.unavailable` naming it: results
/// are never silently partial.
///
/// `select` blocks its thread on the HTTP requests (the engine's `Querier` is synchronous):
/// queries evaluate on the blocking thread pool, never on an event loop.
package struct IngesterQuerier: Querier {
    /// The ingesters and the partitions they own.
    package let ring: IngesterRing
    /// The client requests go out through.
    package let httpClient: HTTPClient
    /// Scheme, credentials and TLS of the requests.
    package let client: IngesterClient
    /// The time range label queries cover (`select` has its own).
    package let mint: Int64, maxt: Int64
    /// How long one ingester may take to answer.
    package var timeout: Duration = .seconds(30)
    /// The largest response accepted from one ingester.
    package var maxResponseBytes = 1 << 30

    /// The path ingesters serve their data on for queriers.
    package static let readPath = "/pharos/internal/v1/read"

    /// A querier over `[mint, maxt]` of `ring`'s ingesters, asked through `client`.
    package init(ring: IngesterRing, httpClient: HTTPClient, client: IngesterClient = .plain, mint: Int64, maxt: Int64) {
        self.ring = ring
        self.httpClient = httpClient
        self.client = client
        self.mint = mint
        self.maxt = maxt
    }

    /// See `Querier.select`; `hints` go to the ingesters as the query's `ReadHints`.
    package func select(_ matchers: [Matcher], mint: Int64, maxt: Int64, hints: SelectHints?) throws(TSDBError) -> [Series] {
        let query = RemoteReadQuery(startTimestampMs: mint, endTimestampMs: maxt, matchers: matchers,
                                    hints: hints.map { RemoteReadHints($0, mint: mint, maxt: maxt) })
        var reader = RemoteReadClient(httpClient: httpClient, http: client.http, tls: client.tls)
        reader.timeout = timeout
        reader.maxResponseBytes = maxResponseBytes
        reader.responseTypes = [.streamedXORChunks]
        reader.userAgent = "pharos-querier"
        var remaining = Set(0..<ring.partitioner.partitionCount)
        var failed = Set<Int>()
        var failures: [String] = []
        var series: [Series] = []
        // Each round either answers partitions or rules out an ingester: at most members + 1 rounds.
        for _ in 0...ring.members.count where !remaining.isEmpty {
            let plan = ring.plan(for: remaining, excluding: failed)
            let unowned = remaining.subtracting(plan.values.joined())
            guard unowned.isEmpty else {
                throw .unavailable(reason: "no ingester answered for partition\(unowned.count == 1 ? "" : "s") "
                    + unowned.sorted().map(String.init).joined(separator: ", ")
                    + (failures.isEmpty ? " (none is listed in stream.ingesters)" : ": " + failures.joined(separator: "; ")))
            }
            let requests = plan.map { member, partitions in
                (member, partitions, reader.send([query], to: "\(client.scheme)://\(ring.members[member].address)\(Self.readPath)"))
            }
            for (member, partitions, pending) in requests {
                do throws(RemoteReadClientError) {
                    let answered = try pending.wait().series.first ?? []
                    series.append(contentsOf: answered.filter { partitions.contains(ring.partitioner.partition(of: $0.labels)) })
                    remaining.subtract(partitions)
                    ring.markHealthy(member)
                } catch {
                    failed.insert(member)
                    failures.append("ingester \(ring.members[member].address): \(error)")
                    ring.markFailed(member)
                }
            }
        }
        series.sort { $0.labels < $1.labels }
        return series
    }

    package func labelNames(_ matchers: [Matcher]) throws(TSDBError) -> [String] {
        var names = Set<String>()
        for series in try select(Self.orAnyName(matchers), mint: mint, maxt: maxt) {
            for label in series.labels { names.insert(label.name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    package func labelValues(_ name: String, _ matchers: [Matcher]) throws(TSDBError) -> [String] {
        var values = Set<String>()
        for series in try select(Self.orAnyName(matchers), mint: mint, maxt: maxt) {
            if let value = series.labels[name], !value.isEmpty { values.insert(value) }
        }
        return values.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// `matchers`, or every series with a name when there are none (remote read needs one).
    private static func orAnyName(_ matchers: [Matcher]) -> [Matcher] {
        guard matchers.isEmpty else { return matchers }
        do {
            return [try Matcher(.regexMatch, "__name__", ".+")]
        } catch {
            preconditionFailure("BUG: the any-name matcher does not compile: \(error)")
        }
    }
}
