import Exposition
package import Logging
package import Model

/// Ingests the pushed groups into storage as Prometheus does when it scrapes a Pushgateway
/// with `honor_labels: true`: once per interval it parses the gateway's own text exposition
/// and appends every sample, labels as pushed (`job` and the grouping labels; an empty
/// `instance` means none), at the round's time, in one batch. Series that were ingested last
/// round and are gone now (group deleted or expired, metric replaced) get a staleness marker.
package struct PushgatewayIngester: Sendable {
    /// The push gateway to read.
    package var pushgateway: Pushgateway
    /// Where samples go.
    package var sink: @Sendable () -> any SampleAppendable
    /// Receives append failures.
    package var logger: Logger

    /// Creates the ingester.
    package init(pushgateway: Pushgateway, sink: @escaping @Sendable () -> any SampleAppendable, logger: Logger) {
        self.pushgateway = pushgateway
        self.sink = sink
        self.logger = logger
    }

    /// Ingests once per `interval` (the global `scrape_interval`) until the task is cancelled;
    /// `nowMs` gives each round's timestamp (the wall clock, Unix milliseconds).
    package func run(interval: Duration, nowMs: @Sendable () -> Int64) async {
        var previous = Set<Labels>()
        while !Task.isCancelled {
            previous = await ingest(atMs: nowMs(), previous: previous)
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    /// One round at `timestampMs`: appends every pushed sample and a staleness marker for each
    /// series of `previous` that is gone; returns this round's series.
    package func ingest(atMs timestampMs: Int64, previous: Set<Labels>) async -> Set<Labels> {
        do {
            try pushgateway.expire(nowMs: timestampMs)
        } catch {
            logger.error("Expiring push gateway groups failed", metadata: ["err": "\(error)"])
        }
        var body: [UInt8] = []
        PushgatewayExposition.write(pushgateway.groups, into: &body)
        var parser = PrometheusTextParser(body)
        var builder = LabelsBuilder()
        var samples: [(labels: Labels, value: Double)] = []
        do {
            while let entry = try parser.next() {
                guard entry == .series else { continue }
                parser.labels(into: &builder)
                samples.append((builder.labels(), parser.value))
            }
        } catch {
            preconditionFailure("BUG: the push gateway's own exposition does not parse: \(error)")
        }
        let current = Set(samples.map(\.labels))
        for labels in previous where !current.contains(labels) {
            samples.append((labels, .staleMarker))
        }
        var appender = sink().makeAppender()
        var rejected = 0
        for sample in samples {
            do {
                _ = try appender.append(ref: 0, labels: sample.labels, timestamp: timestampMs, value: sample.value)
            } catch {
                rejected += 1
            }
        }
        do {
            try await appender.commitBatchAsync()
        } catch {
            logger.error("Appending pushed metrics failed", metadata: ["err": "\(error)"])
        }
        if rejected > 0 {
            logger.debug("Storage refused pushed samples", metadata: ["count": "\(rejected)"])
        }
        return current
    }
}
