import Exposition
package import Hummingbird
package import Model
package import TSDB

/// `/federate`: the newest sample within the lookback window of every series matching a
/// `match[]` selector, with the external labels added where a series lacks them, in the
/// text format or, when the client asks for it, delimited protobuf (as Prometheus).
package struct FederationAPI: Sendable {
    /// A querier over `[mint, maxt]` of the server's storage.
    package var querier: @Sendable (_ mint: Int64, _ maxt: Int64) -> any Querier
    /// `global.external_labels` of the config in effect.
    package var externalLabels: @Sendable () -> Labels
    /// `--query.lookback-delta`, milliseconds.
    package var lookbackDelta: Int64
    /// The current time in milliseconds.
    package var now: @Sendable () -> Int64 = WallClock.milliseconds

    /// Creates the endpoint.
    package init(querier: @escaping @Sendable (Int64, Int64) -> any Querier,
                 externalLabels: @escaping @Sendable () -> Labels, lookbackDelta: Int64) {
        self.querier = querier
        self.externalLabels = externalLabels
        self.lookbackDelta = lookbackDelta
    }

    /// Adds the route to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.get("federate") { request, _ in
            do throws(APIError) {
                return try self.federate(request)
            } catch {
                return LifecycleAPI.text(error.status, error.message + "\n")
            }
        }
    }

    private func federate(_ request: Request) throws(APIError) -> Response {
        let p = RequestParameters(query: request.uri.query ?? "")
        let selectors = try SeriesAPI.matcherSets(p.all("match[]"))
        let maxt = now()
        let mint = maxt - lookbackDelta
        let q = querier(mint, maxt)
        var newest: [Labels: (Int64, Double)] = [:]
        var iterator = SeriesIterator()
        for matchers in selectors {
            let selected: [Series]
            // Empty hints, as Prometheus's federation passes (its start and end only).
            do { selected = try q.select(matchers, mint: mint + 1, maxt: maxt, hints: SelectHints()) } catch {
                throw APIError(.internal, "federation failed: \(error)")
            }
            for series in selected where newest[series.labels] == nil {
                iterator.reset(series)
                var last: (Int64, Double)?
                while iterator.next() { last = (iterator.timestamp, iterator.value) }
                if let last, !last.1.isStaleMarker { newest[series.labels] = last }
            }
        }
        let families = Self.families(newest, externalLabels: externalLabels())
        let format: ExpositionFormat = Self.wantsProtobuf(request.headers[.accept]) ? .protobuf : .text
        var body: [UInt8] = []
        ExpositionWriter.write(families, format: format, into: &body)
        return Response(status: .ok, headers: [.contentType: format.contentType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Untyped families by metric name, series sorted by labels, external labels attached
    /// where missing.
    static func families(_ newest: [Labels: (Int64, Double)], externalLabels: Labels) -> [MetricFamily] {
        let attached = Array(externalLabels)
        var byName: [String: [MetricSample]] = [:]
        for (labels, sample) in newest {
            var all = Array(labels)
            for label in attached where !labels.contains(name: label.name) { all.append(label) }
            byName[labels.metricName ?? "", default: []].append(
                MetricSample(labels: Labels(all), value: sample.1, timestampMs: sample.0))
        }
        return byName.keys.sorted().map { name in
            MetricFamily(name: name, type: .unknown, samples: byName[name]!.sorted { $0.labels < $1.labels })
        }
    }

    private static func wantsProtobuf(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.contains("application/vnd.google.protobuf") && accept.contains("io.prometheus.client.MetricFamily")
    }
}
