package import Exposition
import HTTPTypes
package import Hummingbird
package import Model
import Synchronization

/// `POST /api/v1/write`, the remote-write receiver (`--web.enable-remote-write-receiver`):
/// Remote-Write 1.0 and 2.0 chosen by `Content-Type`, snappy-compressed bodies, answers as
/// the 2.0 specification gives them (204 with the written counts, 400 naming the first
/// offending series or sample, 415 for other content types and encodings, 5xx only when
/// retrying can help).
package struct RemoteWriteAPI: Sendable {
    /// Where the samples go.
    package var sink: @Sendable () -> any SampleAppendable
    /// `--web.enable-remote-write-receiver`.
    package var enabled: Bool
    /// The largest compressed body, and the largest decompressed one
    /// (`--web.max-request-body-bytes`).
    package var bodyLimit: Int
    /// The versions taken (`--web.remote-write-receiver.accepted-protobuf-messages`); others get 415.
    package var accepted: Set<RemoteWriteVersion>
    /// Requests handled at once (`--web.remote-write-receiver.max-concurrency`); more get 503.
    package var concurrency: ConcurrencyLimit
    /// The checks every request's series get: invalid ones are dropped and counted.
    static let decoderOptions = RemoteWriteDecoder.Options(skipsInvalidSeries: true)
    /// Label sets of the series senders keep sending, shared by all requests.
    let labelsCache = RemoteWriteLabelsCache(options: decoderOptions)

    /// Creates the endpoint.
    package init(sink: @escaping @Sendable () -> any SampleAppendable, enabled: Bool, bodyLimit: Int,
                 accepted: Set<RemoteWriteVersion> = Set(RemoteWriteVersion.allCases),
                 concurrency: ConcurrencyLimit = ConcurrencyLimit(limit: .max)) {
        self.sink = sink
        self.enabled = enabled
        self.bodyLimit = bodyLimit
        self.accepted = accepted
        self.concurrency = concurrency
    }

    /// Adds the route to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.post("api/v1/write") { request, _ in
            guard enabled else {
                return LifecycleAPI.text(.notFound, "remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n")
            }
            guard concurrency.tryAcquire() else {
                var response = LifecycleAPI.text(.serviceUnavailable, "too many concurrent remote write requests (limit \(concurrency.limit)); retry later or raise --web.remote-write-receiver.max-concurrency\n")
                response.headers[.retryAfter] = "1"
                return response
            }
            defer { concurrency.release() }
            return await self.write(request)
        }
    }

    /// What one request stored, and the first sample the storage refused.
    struct Outcome {
        var samplesWritten = 0
        var rejected = 0
        var firstRejection: String?
    }

    private func write(_ request: Request) async -> Response {
        let version: RemoteWriteVersion
        do {
            version = try RemoteWriteVersion(contentType: request.headers[.contentType] ?? "", accepted: accepted)
        } catch {
            return LifecycleAPI.text(.unsupportedMediaType, "\(error)\n")
        }
        let encoding = request.headers[.contentEncoding]?.lowercased() ?? ""
        guard encoding == "snappy" || (encoding.isEmpty && version == .v1) else {
            return LifecycleAPI.text(.unsupportedMediaType, "unsupported Content-Encoding \"\(encoding)\": remote write bodies must be snappy-compressed\n")
        }
        var request = request
        let compressed: [UInt8]
        do {
            compressed = Array(try await request.collectBody(upTo: bodyLimit).readableBytesView)
        } catch {
            return LifecycleAPI.text(.contentTooLarge, "request body larger than \(bodyLimit) bytes (raise it with --web.max-request-body-bytes)\n")
        }
        var batch = RemoteWriteBatch()
        do {
            let body = try Snappy.decompress(compressed, limitBytes: bodyLimit)
            var decoder = RemoteWriteDecoder(options: Self.decoderOptions, labelsCache: labelsCache)
            try decoder.decode(body, version: version, into: &batch)
        } catch {
            if case .decompressedTooLarge = error {
                return LifecycleAPI.text(.contentTooLarge, "\(error) (raise it with --web.max-request-body-bytes)\n")
            }
            return LifecycleAPI.text(.badRequest, "\(error)\n")
        }
        let outcome: Outcome
        do {
            outcome = try await append(batch)
        } catch {
            return LifecycleAPI.text(.serviceUnavailable, "storage failed, retry: \(error)\n")
        }
        var headers: HTTPFields = [:]
        if version == .v2 {
            headers[Self.samplesWritten] = String(outcome.samplesWritten)
            headers[Self.histogramsWritten] = "0"
            headers[Self.exemplarsWritten] = "0"
        }
        var problems: [String] = []
        if let rejection = batch.firstRejection {
            problems.append("\(batch.rejectedSeriesCount) series rejected, first: \(rejection)")
        }
        if let rejection = outcome.firstRejection {
            problems.append("\(outcome.rejected) samples rejected, first: \(rejection)")
        }
        if !batch.histograms.isEmpty {
            problems.append("\(batch.histograms.count) native histogram samples rejected: native histograms are not supported by Pharos yet")
        }
        guard problems.isEmpty else {
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(status: .badRequest, headers: headers,
                            body: ResponseBody(byteBuffer: ByteBuffer(string: problems.joined(separator: "; ") + "\n")))
        }
        return Response(status: .noContent, headers: headers)
    }

    /// Appends every float sample of `batch` in one storage batch; samples the storage
    /// refuses (out of order, duplicate, too old) are counted and the rest written. A series
    /// from the labels cache is appended by the storage reference it got last time.
    private func append(_ batch: RemoteWriteBatch) async throws(AppendError) -> Outcome {
        var outcome = Outcome()
        let storage = sink()
        let epoch = batch.cachedSeries.isEmpty ? nil : labelsCache.refEpoch(for: storage)
        var appender = storage.makeAppender()
        for (series, labels) in batch.labels.enumerated() {
            let cached = epoch == nil ? nil : batch.cachedSeries[series]
            let known = epoch.flatMap { cached?.ref(epoch: $0) } ?? 0
            var ref = known
            for i in batch.sampleRanges[series] {
                do {
                    ref = try appender.append(ref: ref, labels: labels, timestamp: batch.timestampsMs[i], value: batch.values[i],
                                              startTimestamp: batch.startTimestampsMs[i])
                } catch where error.kind == .storage {
                    appender.rollback()
                    throw error
                } catch {
                    outcome.rejected += 1
                    if outcome.firstRejection == nil { outcome.firstRejection = error.message }
                }
            }
            if let cached, let epoch, ref != known { cached.setRef(ref, epoch: epoch) }
        }
        outcome.samplesWritten = try await appender.commitBatchAsync()
        return outcome
    }

    static let samplesWritten = HTTPField.Name("X-Prometheus-Remote-Write-Samples-Written")!
    static let histogramsWritten = HTTPField.Name("X-Prometheus-Remote-Write-Histograms-Written")!
    static let exemplarsWritten = HTTPField.Name("X-Prometheus-Remote-Write-Exemplars-Written")!
}
