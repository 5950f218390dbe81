package import AsyncHTTPClient
import Foundation
import Exposition
package import Model
import NIOCore
import NIOHTTP1
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
        var request = RemoteReadRequest()
        request.queries = [RemoteReadQuery(startTimestampMs: mint, endTimestampMs: maxt, matchers: matchers,
                                           hints: hints.map { RemoteReadHints($0, mint: mint, maxt: maxt) })]
        request.acceptedResponseTypes = [RemoteReadResponseType.streamedXORChunks.rawValue]
        let body = Snappy.compress(request.encoded())
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
            let requests = plan.map { member, partitions in (member, partitions, send(body, to: ring.members[member].address)) }
            for (member, partitions, response) in requests {
                do throws(TSDBError) {
                    let answered = try receive(response, from: ring.members[member].address, mint: mint, maxt: maxt)
                    series.append(contentsOf: answered.filter { partitions.contains(ring.partitioner.partition(of: $0.labels)) })
                    remaining.subtract(partitions)
                    ring.markHealthy(member)
                } catch {
                    failed.insert(member)
                    failures.append("\(error)")
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

    /// Starts the remote-read request to `address`.
    private func send(_ body: [UInt8], to address: String) -> EventLoopFuture<HTTPClient.Response> {
        do {
            var headers: HTTPHeaders = ["Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                                        "X-Prometheus-Remote-Read-Version": "0.1.0", "User-Agent": "pharos-querier"]
            if let authorization = try client.http.authorizationHeader() { headers.replaceOrAdd(name: "Authorization", value: authorization) }
            for (name, value) in try client.http.customHeaders() { headers.replaceOrAdd(name: name, value: value) }
            let request = try HTTPClient.Request(
                url: "\(client.scheme)://\(address)\(Self.readPath)", method: .POST, headers: headers,
                body: .bytes(body), tlsConfiguration: client.tls)
            return httpClient.execute(request: request, deadline: .now() + .nanoseconds(timeout.nanoseconds))
        } catch {
            return httpClient.eventLoopGroup.next().makeFailedFuture(error)
        }
    }

    /// Waits for the answer of `address` and decodes its series.
    private func receive(_ response: EventLoopFuture<HTTPClient.Response>, from address: String,
                         mint: Int64, maxt: Int64) throws(TSDBError) -> [Series] {
        let answer: HTTPClient.Response
        do {
            answer = try response.wait()
        } catch {
            throw .unavailable(reason: "ingester \(address): \(error)")
        }
        let bytes = answer.body.map { Array($0.readableBytesView) } ?? []
        guard answer.status == .ok else {
            let text = String(decoding: bytes.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw .unavailable(reason: "ingester \(address) answered \(answer.status.code): \(text)")
        }
        // Anything else (a web UI's page, a proxy's answer) is not an ingester speaking.
        let contentType = answer.headers.first(name: "Content-Type") ?? ""
        guard contentType == RemoteReadResponseType.streamedXORChunks.contentType else {
            throw .unavailable(reason: "ingester \(address) answered with Content-Type \"\(contentType)\", not a streamed remote-read response: is it an ingester (--role=ingester)?")
        }
        guard bytes.count <= maxResponseBytes else {
            throw .unavailable(reason: "ingester \(address) answered \(bytes.count) bytes, more than \(maxResponseBytes)")
        }
        var series: [Series] = []
        var offset = 0
        do throws(ExpositionError) {
            while let frame = try RemoteReadResponse.nextFrame(in: bytes, offset: &offset) {
                for chunked in frame.series {
                    let chunks = try chunked.chunks.map { chunk throws(ExpositionError) in
                        guard chunk.encoding == .xor || chunk.encoding == .xor2 else {
                            throw .malformedProtobuf("chunk encoding \(chunk.encoding) is not XOR or XOR2", offset: offset)
                        }
                        return ChunkSnapshot(encoding: chunk.encoding == .xor2 ? .xor2 : .xor, bytes: chunk.data,
                                             range: 0..<chunk.data.count, minTime: chunk.minTimeMs, maxTime: chunk.maxTimeMs)
                    }
                    // A large series may span frames: its chunks continue the previous entry.
                    if let last = series.last, last.labels == chunked.labels {
                        series[series.count - 1] = Series(labels: last.labels, chunks: last.chunks + chunks, mint: mint, maxt: maxt)
                    } else {
                        series.append(Series(labels: chunked.labels, chunks: chunks, mint: mint, maxt: maxt))
                    }
                }
            }
        } catch {
            throw .unavailable(reason: "ingester \(address) sent a malformed remote-read response: \(error)")
        }
        return series
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
