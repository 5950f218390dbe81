package import Hummingbird
import Model
import NIOCore
package import TSDB

/// `/api/v1/status/{buildinfo,runtimeinfo,flags,config,tsdb,walreplay}`, as Prometheus's API.
package struct StatusAPI: Sendable {
    /// What the runtime endpoint reports about configuration reloads.
    package struct ReloadState: Sendable {
        /// Whether the last load of the config file succeeded.
        package var succeeded: Bool
        /// When the config was last loaded successfully, milliseconds since the epoch.
        package var time: Int64
        /// The config in effect, as YAML.
        package var yaml: String

        /// Creates the state.
        package init(succeeded: Bool, time: Int64, yaml: String) {
            self.succeeded = succeeded
            self.time = time
            self.yaml = yaml
        }
    }

    /// The server's flags and start time.
    package var options: ServerOptions
    /// When the process started, milliseconds since the epoch.
    package var startTime: Int64
    /// The current reload state.
    package var reloadState: @Sendable () -> ReloadState
    /// A querier over all of the storage, for cardinality statistics.
    package var querier: @Sendable () -> any Querier
    /// The head's time range, `nil` while it is empty.
    package var headRange: @Sendable () -> (min: Int64, max: Int64)?
    /// The write-ahead log segments replayed at start: first, last and current.
    package var walReplay: @Sendable () -> (min: Int, max: Int, current: Int)

    /// Creates the endpoints.
    package init(options: ServerOptions, startTime: Int64, reloadState: @escaping @Sendable () -> ReloadState,
                 querier: @escaping @Sendable () -> any Querier,
                 headRange: @escaping @Sendable () -> (min: Int64, max: Int64)?,
                 walReplay: @escaping @Sendable () -> (min: Int, max: Int, current: Int)) {
        self.options = options
        self.startTime = startTime
        self.reloadState = reloadState
        self.querier = querier
        self.headRange = headRange
        self.walReplay = walReplay
    }

    /// Adds the routes to `router`.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        router.get("api/v1/status/buildinfo") { _, _ in
            APIResponse.success { json in
                json.raw(#"{"version":"#)
                json.string(BuildInfo.version)
                json.raw(#","revision":"","branch":"#)
                json.string(BuildInfo.branch)
                json.raw(#","buildUser":"","buildDate":"","goVersion":"#)
                json.string(BuildInfo.toolchain)
                json.byte("}")
            }
        }
        router.get("api/v1/status/runtimeinfo") { _, _ in self.runtimeInfo() }
        router.get("api/v1/status/flags") { _, _ in
            APIResponse.success { json in
                json.byte("{")
                for (i, (name, value)) in options.flagValues.sorted(by: { $0.key < $1.key }).enumerated() {
                    if i > 0 { json.byte(",") }
                    json.key(name)
                    json.string(value)
                }
                json.byte("}")
            }
        }
        router.get("api/v1/status/config") { _, _ in
            let yaml = reloadState().yaml
            return APIResponse.success { json in
                json.raw(#"{"yaml":"#)
                json.string(yaml)
                json.byte("}")
            }
        }
        router.get("api/v1/status/walreplay") { _, _ in
            let progress = walReplay()
            return APIResponse.success { json in
                json.raw(#"{"min":"#)
                json.int(progress.min)
                json.raw(#","max":"#)
                json.int(progress.max)
                json.raw(#","current":"#)
                json.int(progress.current)
                json.byte("}")
            }
        }
        router.get("api/v1/status/tsdb") { request, _ in
            let p = RequestParameters(query: request.uri.query ?? "")
            do throws(APIError) {
                let limit = try p.limit()
                return try self.tsdbStatus(limit: limit == 0 ? 10 : limit)
            } catch {
                return APIResponse.failure(error)
            }
        }
    }

    private func runtimeInfo() -> Response {
        let reload = reloadState()
        let cwd = FileSystemPaths.currentDirectory()
        return APIResponse.success { json in
            json.raw(#"{"startTime":"#)
            json.string(RFC3339.format(milliseconds: startTime))
            json.raw(#","CWD":"#)
            json.string(cwd)
            json.raw(#","reloadConfigSuccess":"#)
            json.bool(reload.succeeded)
            json.raw(#","lastConfigTime":"#)
            json.string(RFC3339.format(milliseconds: reload.time))
            json.raw(#","corruptionCount":0,"goroutineCount":0,"GOMAXPROCS":"#)
            json.int(System.coreCount)
            json.raw(#","GOMEMLIMIT":0,"GOGC":"","GODEBUG":"","storageRetention":"#)
            json.string(retentionDescription)
            json.byte("}")
        }
    }

    /// `15d`, `1GiB`, or `15d or 1GiB`, as Prometheus words the retention in effect.
    private var retentionDescription: String {
        let time = options.retentionTime > 0 ? options.retentionTime : 15 * 86_400_000
        let timeText = Duration.milliseconds(time).prometheusString
        guard options.retentionSize > 0 else { return timeText }
        return "\(timeText) or \(options.retentionSize)B"
    }

    /// The cardinality report: head statistics and the top `limit` of each list.
    private func tsdbStatus(limit: Int) throws(APIError) -> Response {
        let q = querier()
        var byMetric: [(String, Int)] = [], valueCounts: [(String, Int)] = []
        var memory: [(String, Int)] = [], pairs: [(String, Int)] = []
        var seriesTotal = 0, labelPairs = 0
        do {
            let all = try q.select([try Matcher(.regexMatch, "__name__", ".+")], mint: .min, maxt: .max)
            seriesTotal = all.count
            var pairCounts: [Label: Int] = [:]
            for series in all {
                for label in series.labels { pairCounts[label, default: 0] += 1 }
            }
            labelPairs = pairCounts.count
            var values: [String: Int] = [:], bytes: [String: Int] = [:]
            for (label, count) in pairCounts {
                values[label.name, default: 0] += 1
                bytes[label.name, default: 0] += label.value.utf8.count * count
                pairs.append(("\(label.name)=\(label.value)", count))
                if label.name == Labels.metricNameLabel { byMetric.append((label.value, count)) }
            }
            valueCounts = Array(values)
            memory = Array(bytes)
        } catch {
            throw APIError(.internal, "\(error)")
        }
        let range = headRange()
        return APIResponse.success { json in
            json.raw(#"{"headStats":{"numSeries":"#)
            json.int(seriesTotal)
            json.raw(#","numLabelPairs":"#)
            json.int(labelPairs)
            json.raw(#","chunkCount":0,"minTime":"#)
            json.int(range?.min ?? Int64.max)
            json.raw(#","maxTime":"#)
            json.int(range?.max ?? Int64.min)
            json.byte("}")
            for (name, list) in [("seriesCountByMetricName", byMetric), ("labelValueCountByLabelName", valueCounts),
                                 ("memoryInBytesByLabelName", memory), ("seriesCountByLabelValuePair", pairs)] {
                json.byte(",")
                json.key(name)
                json.byte("[")
                let top = list.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(limit)
                for (i, entry) in top.enumerated() {
                    if i > 0 { json.byte(",") }
                    json.raw(#"{"name":"#)
                    json.string(entry.0)
                    json.raw(#","value":"#)
                    json.int(entry.1)
                    json.byte("}")
                }
                json.byte("]")
            }
            json.byte("}")
        }
    }
}
