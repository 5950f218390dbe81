package import Config
import Foundation
import NIOHTTP1
import Model

/// `http_sd_configs`: target groups fetched from an HTTP endpoint (Prometheus's `discovery/http`).
///
/// Every `refresh_interval` the URL is fetched with the section's `<http_config>`. The answer must
/// be `200` with `Content-Type: application/json` (optionally `; charset=utf-8`) and hold a JSON
/// list of target groups; group `i` gets source `<url>:i` and the label `__meta_url`. A failed
/// fetch or a bad answer sends nothing, so the last good targets stay, and counts
/// `prometheus_sd_http_failures_total`. A list shorter than the previous one removes the groups
/// past its end. Each refresh is timed and counted in `prometheus_sd_refresh_duration_seconds` and
/// `prometheus_sd_refresh_failures_total` (`mechanism="http"`, `config` the job), as upstream's
/// `discovery/refresh`.
package struct HTTPProvider<C: Clock<Duration>>: DiscoveryProvider {
    package static var configKey: String { "http_sd_configs" }

    /// `__meta_url`: the URL the groups came from.
    package static var urlLabel: String { "__meta_url" }

    private let config: HTTPSDConfig
    private let clock: C
    private let metrics: DiscoveryMetrics
    private let job: String

    /// A provider for one validated `http_sd_configs` entry of `job` (the `config` label of its
    /// refresh metrics).
    package init(config: HTTPSDConfig, clock: C, metrics: DiscoveryMetrics, job: String = "") {
        self.config = config
        self.clock = clock
        self.metrics = metrics
        self.job = job
        metrics.registerRefresh(mechanism: "http", config: job)
    }

    package func run(updates: AsyncStream<[DiscoveredTargetGroup]>.Continuation) async throws(DiscoveryError) {
        let client: SDHTTPClient
        do throws(DiscoveryError) {
            client = try SDHTTPClient(config: config.http, baseURL: config.url)
        } catch {
            metrics.countHTTPFailure()
            throw error
        }
        var lastCount = 0
        while !Task.isCancelled {
            let start = clock.now
            var failed = false
            do {
                let groups = try await fetch(client)
                var batch = groups
                for index in groups.count..<max(groups.count, lastCount) {
                    batch.append(DiscoveredTargetGroup(source: Self.source(config.url, index)))
                }
                lastCount = groups.count
                if !batch.isEmpty { updates.yield(batch) }
            } catch {
                if Task.isCancelled { break }
                failed = true
                metrics.countHTTPFailure()
            }
            metrics.observeRefresh(mechanism: "http", config: job, duration: start.duration(to: clock.now), failed: failed)
            do { try await clock.sleep(for: config.refreshInterval) } catch { break }
        }
        await client.shutdown()
    }

    /// One fetch: the groups of a good answer.
    private func fetch(_ client: SDHTTPClient) async throws(DiscoveryError) -> [DiscoveredTargetGroup] {
        let response = try await client.get(
            config.url,
            headers: [
                ("Accept", "application/json"),
                ("X-Prometheus-Refresh-Interval-Seconds", Self.seconds(config.refreshInterval)),
            ],
            timeout: config.refreshInterval)
        return try Self.groups(
            status: response.status, contentType: response.headers.first(name: "Content-Type"), body: response.body,
            url: config.url)
    }

    /// The groups of an answer, or why it is refused (upstream's `Refresh`).
    static func groups(status: Int, contentType: String?, body: [UInt8], url: String) throws(DiscoveryError)
        -> [DiscoveredTargetGroup]
    {
        guard status == 200 else { throw .requestFailed(url: url, reason: "server returned HTTP status \(status)") }
        guard let contentType, isJSON(contentType) else {
            throw .requestFailed(url: url, reason: "unsupported content type \"\(contentType ?? "")\"")
        }
        let configs: [TargetGroup]
        do {
            configs = try TargetGroupJSON.decode(Data(body))
        } catch {
            throw .requestFailed(url: url, reason: error.reason)
        }
        return configs.enumerated().map { index, config in
            var labels = LabelsBuilder(config.labels)
            labels.set(urlLabel, url)
            return DiscoveredTargetGroup(
                source: source(url, index), targets: config.targets.map(DiscoveredTargetGroup.target(address:)),
                labels: labels.labels())
        }
    }

    static func source(_ url: String, _ index: Int) -> String { "\(url):\(index)" }

    /// Upstream's `^(?i:application\/json(;\s*charset=("utf-8"|utf-8))?)$` on the trimmed header.
    static func isJSON(_ contentType: String) -> Bool {
        let value = contentType.trimmingWhitespace.lowercased()
        guard value.hasPrefix("application/json") else { return false }
        var rest = value.dropFirst("application/json".count)
        if rest.isEmpty { return true }
        guard rest.first == ";" else { return false }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
        return rest == "charset=utf-8" || rest == "charset=\"utf-8\""
    }

    /// Seconds as Go's `strconv.FormatFloat(s, 'f', -1, 64)`: `60`, `0.5`.
    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return FloatFormatting.goFixed(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
