package import AsyncHTTPClient
import Foundation
package import Config
package import Exposition
internal import HTTPClientTLS
import Model
import NIOCore
import NIOHTTP1
package import NIOSSL
package import TSDB

/// Sends remote-read requests (`prometheus.ReadRequest`, snappy) and decodes the answers,
/// `SAMPLES` (`ReadResponse`) or `STREAMED_XOR_CHUNKS` (framed `ChunkedReadResponse`), into
/// `Series` (upstream's `storage/remote/client.go` `Client.Read`). Used by the querier role to
/// reach its ingesters and by the `remote_read` endpoints of the configuration.
///
/// `wait()` blocks its thread on the HTTP request (the engine's `Querier` is synchronous):
/// callers run on the blocking thread pool, never on an event loop.
package struct RemoteReadClient: Sendable {
    /// The client requests go out through.
    package let httpClient: HTTPClient
    /// Credentials and headers, read (files included) for every request.
    package let http: HTTPClientConfig
    /// The TLS setup of `https` requests; `nil` for the client's default.
    package let tls: TLSConfiguration?
    /// How long one request may take, answer included.
    package var timeout: Duration = .seconds(60)
    /// The response types asked for, in preference order.
    package var responseTypes: [RemoteReadResponseType] = [.streamedXORChunks, .samples]
    /// The largest frame of a streamed answer (`chunked_read_limit`).
    package var chunkedReadLimitBytes = 50_000_000
    /// The largest answer accepted.
    package var maxResponseBytes = 1 << 30
    /// The `User-Agent` header.
    package var userAgent = "Pharos"
    /// Headers sent with every request (`headers` of a `remote_read` entry), before the
    /// credentials and `http_headers`.
    package var headers: [String: String] = [:]

    /// A client sending through `httpClient` with `http`'s credentials and headers and `tls`.
    package init(httpClient: HTTPClient, http: HTTPClientConfig, tls: TLSConfiguration?) {
        self.httpClient = httpClient
        self.http = http
        self.tls = tls
    }

    /// `http`'s TLS settings loaded (`nil` when it has none), for `init`.
    /// - Throws: a message starting with `setting` naming what Pharos does not support for
    ///   these requests (`oauth2`, proxies, `tls_config.server_name`) or TLS files that cannot
    ///   be loaded.
    package static func tlsConfiguration(_ http: HTTPClientConfig, setting: String) throws(RemoteReadClientError) -> TLSConfiguration? {
        if let unsupported = http.unsupportedClientSetting {
            throw RemoteReadClientError(description: "\(setting): \(unsupported) is not supported by Pharos for remote-read requests")
        }
        guard http.tls != TLSConfig() else { return nil }
        do { return try http.tls.clientConfiguration() } catch {
            throw RemoteReadClientError(description: "\(setting).tls_config: \(error)")
        }
    }

    /// Starts one request holding `queries` to `url`; `wait()` on the result for the answer.
    package func send(_ queries: [RemoteReadQuery], to url: String) -> PendingRemoteRead {
        var request = RemoteReadRequest()
        request.queries = queries
        request.acceptedResponseTypes = responseTypes.map(\.rawValue)
        let response: EventLoopFuture<HTTPClient.Response>
        do {
            var headers: HTTPHeaders = ["Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                                        "Accept-Encoding": "snappy", "X-Prometheus-Remote-Read-Version": "0.1.0",
                                        "User-Agent": userAgent]
            for (name, value) in self.headers.sorted(by: { $0.key < $1.key }) { headers.replaceOrAdd(name: name, value: value) }
            if let authorization = try http.authorizationHeader() { headers.replaceOrAdd(name: "Authorization", value: authorization) }
            for (name, value) in try http.customHeaders() { headers.replaceOrAdd(name: name, value: value) }
            let outgoing = try HTTPClient.Request(url: url, method: .POST, headers: headers,
                                                  body: .bytes(Snappy.compress(request.encoded())), tlsConfiguration: tls)
            response = httpClient.execute(request: outgoing, deadline: .now() + .nanoseconds(timeout.nanoseconds))
        } catch {
            response = httpClient.eventLoopGroup.next().makeFailedFuture(error)
        }
        return PendingRemoteRead(client: self, url: url, queries: queries, response: response)
    }
}

/// A remote-read request on its way.
package struct PendingRemoteRead: Sendable {
    let client: RemoteReadClient
    /// Where it was sent.
    package let url: String
    let queries: [RemoteReadQuery]
    let response: EventLoopFuture<HTTPClient.Response>

    /// Waits for the answer: per query of the request, its series sorted by labels, each
    /// restricted to the query's time range; the kind of answer and its HTTP status.
    /// - Throws: why there is no answer: the request failed or timed out, a status other than
    ///   2xx (with the start of the body), an unknown content type, a malformed body.
    package func wait() throws(RemoteReadClientError)
        -> (series: [[Series]], responseType: RemoteReadResponseType, status: UInt)
    {
        let answer: HTTPClient.Response
        do {
            answer = try response.wait()
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw RemoteReadClientError(description: "error sending request: POST \"\(url)\": request timed out after \(client.timeout)")
        } catch {
            throw RemoteReadClientError(description: "error sending request: POST \"\(url)\": \(error)")
        }
        let bytes = answer.body.map { Array($0.readableBytesView) } ?? []
        guard answer.status.code / 100 == 2 else {
            let text = String(decoding: bytes.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw RemoteReadClientError(
                description: "remote server \(url) returned HTTP status \(answer.status.code) \(answer.status.reasonPhrase): \(text)",
                status: answer.status.code)
        }
        guard bytes.count <= client.maxResponseBytes else {
            throw RemoteReadClientError(description: "remote server \(url) answered \(bytes.count) bytes, more than \(client.maxResponseBytes)",
                                        status: answer.status.code)
        }
        let contentType = answer.headers.first(name: "Content-Type") ?? ""
        if contentType.hasPrefix(RemoteReadResponseType.streamedXORChunks.contentType) {
            return (try decodeChunks(bytes, status: answer.status.code), .streamedXORChunks, answer.status.code)
        }
        if contentType.hasPrefix(RemoteReadResponseType.samples.contentType) {
            return (try decodeSamples(bytes, status: answer.status.code), .samples, answer.status.code)
        }
        throw RemoteReadClientError(description: "remote server \(url) answered with unsupported content type \"\(contentType)\"",
                                    status: answer.status.code)
    }

    /// The series of a streamed answer (XOR and XOR2 chunks); a series spanning frames
    /// continues the previous entry.
    private func decodeChunks(_ bytes: [UInt8], status: UInt) throws(RemoteReadClientError) -> [[Series]] {
        var results = [[Series]](repeating: [], count: queries.count)
        var offset = 0
        do throws(ExpositionError) {
            while let frame = try RemoteReadResponse.nextFrame(in: bytes, offset: &offset, limitBytes: client.chunkedReadLimitBytes) {
                guard frame.queryIndex >= 0, frame.queryIndex < queries.count else {
                    throw .malformedProtobuf("frame for query \(frame.queryIndex) of a request with \(queries.count)", offset: offset)
                }
                let index = Int(frame.queryIndex)
                let (mint, maxt) = (queries[index].startTimestampMs, queries[index].endTimestampMs)
                for chunked in frame.series {
                    let chunks = try chunked.chunks.map { chunk throws(ExpositionError) in
                        let encoding: TSDB.ChunkEncoding
                        switch chunk.encoding {
                        case .xor: encoding = .xor
                        case .xor2: encoding = .xor2
                        default: throw .malformedProtobuf("chunk encoding \(chunk.encoding) is not XOR or XOR2", offset: offset)
                        }
                        return ChunkSnapshot(encoding: encoding, bytes: chunk.data, range: 0..<chunk.data.count,
                                             minTime: chunk.minTimeMs, maxTime: chunk.maxTimeMs)
                    }
                    if let last = results[index].last, last.labels == chunked.labels {
                        results[index][results[index].count - 1] = Series(labels: last.labels, chunks: last.chunks + chunks, mint: mint, maxt: maxt)
                    } else {
                        results[index].append(Series(labels: chunked.labels, chunks: chunks, mint: mint, maxt: maxt))
                    }
                }
            }
        } catch {
            throw RemoteReadClientError(description: "remote server \(url) sent a malformed remote-read response: \(error)",
                                        status: status, responseType: .streamedXORChunks)
        }
        return results.map { $0.sorted { $0.labels < $1.labels } }
    }

    /// The series of a `ReadResponse`, their samples encoded as XOR chunks (XOR2 where they
    /// have start timestamps).
    private func decodeSamples(_ bytes: [UInt8], status: UInt) throws(RemoteReadClientError) -> [[Series]] {
        let batches: [RemoteWriteBatch]
        do throws(ExpositionError) {
            var decoder = RemoteWriteDecoder(options: .init(sortsUnsortedLabels: true))
            batches = try RemoteReadResponse.decodeSamples(try Snappy.decompress(bytes, limitBytes: client.maxResponseBytes),
                                                           decoder: &decoder)
        } catch {
            throw RemoteReadClientError(description: "remote server \(url) sent a malformed remote-read response: \(error)",
                                        status: status, responseType: .samples)
        }
        guard batches.count == queries.count else {
            throw RemoteReadClientError(description: "remote server \(url) answered \(batches.count) results to \(queries.count) queries",
                                        status: status, responseType: .samples)
        }
        return zip(queries, batches).map { query, batch in
            var series: [Series] = []
            for index in batch.labels.indices {
                let range = batch.sampleRanges[index]
                var samples = range.map { (t: batch.timestampsMs[$0], v: batch.values[$0], st: batch.startTimestampsMs[$0]) }
                if !samples.isEmpty, zip(samples, samples.dropFirst()).contains(where: { $0.t >= $1.t }) {
                    samples.sort { $0.t < $1.t }
                    samples = samples.enumerated().filter { $0.offset == 0 || samples[$0.offset - 1].t != $0.element.t }.map(\.element)
                }
                guard !samples.isEmpty else { continue }
                series.append(Series(labels: batch.labels[index], chunks: ChunkSnapshot.encode(samples),
                                     mint: query.startTimestampMs, maxt: query.endTimestampMs))
            }
            return series.sorted { $0.labels < $1.labels }
        }
    }
}

/// Why a remote-read request got no answer.
package struct RemoteReadClientError: Error, CustomStringConvertible {
    /// What went wrong, naming the remote.
    package let description: String
    /// The HTTP status of the answer, if one came.
    package var status: UInt?
    /// The kind of answer, if one came with a known content type.
    package var responseType: RemoteReadResponseType?

    /// An error saying `description`.
    package init(description: String, status: UInt? = nil, responseType: RemoteReadResponseType? = nil) {
        self.description = description
        self.status = status
        self.responseType = responseType
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
