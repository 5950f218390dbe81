import Exposition
import HTTPTypes
package import Hummingbird
package import Model
import Query
package import TSDB

/// `POST /api/v1/read`, remote read as Prometheus serves it: one snappy-compressed
/// `ReadResponse` of samples, or the framed `STREAMED_XOR_CHUNKS` stream of the stored
/// chunks, as the request's accepted response types choose. Matchers on the external
/// labels are dropped before selecting and the external labels added to every series; the
/// query's `ReadHints` go to the querier as `SelectHints`.
package struct RemoteReadAPI: Sendable {
    /// A querier over `[mint, maxt]` of the server's storage.
    package var querier: @Sendable (_ mint: Int64, _ maxt: Int64) -> any Querier
    /// `global.external_labels` of the config in effect.
    package var externalLabels: @Sendable () -> Labels
    /// `--storage.remote.read-sample-limit` (0: none), for sample responses.
    package var sampleLimit: Int
    /// The largest request body.
    package var bodyLimit: Int
    /// Where it is served (an ingester also serves queriers on an internal path, issue 7).
    package var path: String

    /// Creates the endpoint.
    package init(querier: @escaping @Sendable (Int64, Int64) -> any Querier, externalLabels: @escaping @Sendable () -> Labels,
                 sampleLimit: Int, bodyLimit: Int, path: String = "api/v1/read") {
        self.querier = querier
        self.externalLabels = externalLabels
        self.sampleLimit = sampleLimit
        self.bodyLimit = bodyLimit
        self.path = path
    }

    /// Adds the route to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.post(RouterPath(path)) { request, _ in await self.read(request) }
    }

    private func read(_ request: Request) async -> Response {
        var request = request
        let readRequest: RemoteReadRequest
        let responseType: RemoteReadResponseType
        do {
            let compressed = Array(try await request.collectBody(upTo: bodyLimit).readableBytesView)
            readRequest = try RemoteReadRequest(decoding: try Snappy.decompress(compressed, limitBytes: bodyLimit))
            responseType = try readRequest.negotiateResponseType()
        } catch let error as ExpositionError {
            return LifecycleAPI.text(.badRequest, "\(error)\n")
        } catch {
            return LifecycleAPI.text(.contentTooLarge, "request body larger than \(bodyLimit) bytes (raise it with --web.max-request-body-bytes)\n")
        }
        let external = externalLabels()
        do {
            switch responseType {
            case .samples: return try samples(readRequest, external: external)
            case .streamedXORChunks: return try chunks(readRequest, external: external)
            }
        } catch {
            return LifecycleAPI.text(error.status, error.message + "\n")
        }
    }

    /// The series of one query, external labels attached.
    private func select(_ query: RemoteReadQuery, external: Labels) throws(APIError) -> [(Labels, Series)] {
        // Equality matchers on external labels are what the remote end added itself.
        let matchers = query.matchers.filter { matcher in
            !(matcher.type == .equal && external.contains(name: matcher.name) && external[matcher.name] == matcher.value)
        }
        let selected: [Series]
        do {
            selected = try querier(query.startTimestampMs, query.endTimestampMs)
                .select(matchers, mint: query.startTimestampMs, maxt: query.endTimestampMs, hints: query.hints.map(SelectHints.init))
        } catch {
            throw APIError(.internal, "remote read: \(error)")
        }
        return selected.map { series in
            var labels = Array(series.labels)
            for label in external where !series.labels.contains(name: label.name) { labels.append(label) }
            return (Labels(labels), series)
        }
    }

    private func samples(_ request: RemoteReadRequest, external: Labels) throws(APIError) -> Response {
        var results: [RemoteWriteBatch] = []
        var total = 0
        var iterator = SeriesIterator()
        for query in request.queries {
            var batch = RemoteWriteBatch()
            for (labels, series) in try select(query, external: external) {
                var points: [Sample] = []
                iterator.reset(series)
                while iterator.next() { points.append(Sample(timestampMs: iterator.timestamp, value: iterator.value)) }
                total += points.count
                if sampleLimit > 0, total > sampleLimit {
                    throw APIError(.badData, "exceeded sample limit (\(sampleLimit)); raise it with --storage.remote.read-sample-limit",
                                   status: .badRequest)
                }
                batch.appendSeries(labels, samples: points)
            }
            results.append(batch)
        }
        var body: [UInt8] = []
        RemoteReadResponse.encodeSamples(results, into: &body)
        return Response(status: .ok,
                        headers: [.contentType: RemoteReadResponseType.samples.contentType, .contentEncoding: "snappy"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: Snappy.compress(body))))
    }

    private func chunks(_ request: RemoteReadRequest, external: Labels) throws(APIError) -> Response {
        var body: [UInt8] = []
        for (index, query) in request.queries.enumerated() {
            for (labels, series) in try select(query, external: external) {
                let chunks = series.chunks.filter { $0.maxTime >= query.startTimestampMs && $0.minTime <= query.endTimestampMs }
                    .map { chunk in
                        // XOR2 chunks (start timestamps) go as type 4, as upstream sends them.
                        ReadChunk(minTimeMs: chunk.minTime, maxTimeMs: chunk.maxTime,
                                  encoding: chunk.encoding == .xor2 ? .xor2 : .xor, data: Array(chunk.bytes[chunk.range]))
                    }
                guard !chunks.isEmpty else { continue }
                RemoteReadResponse.appendFrame(series: [ChunkedSeries(labels: labels, chunks: chunks)],
                                               queryIndex: Int64(index), to: &body)
            }
        }
        return Response(status: .ok, headers: [.contentType: RemoteReadResponseType.streamedXORChunks.contentType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
