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
    /// The head's cardinality statistics with top-`limit` lists, `nil` before the storage opens.
    package var statistics: @Sendable (_ limit: Int) -> HeadStatistics?
    /// How many WAL corruptions the storage repaired since start.
    package var corruptions: @Sendable () -> Int = { 0 }
    /// The write-ahead log segments replayed at start: first, last, and the one replay has
    /// reached (-1 while it runs, as before Prometheus reports its first segment).
    package var walReplay: @Sendable () -> (min: Int, max: Int, current: Int)

    /// Creates the endpoints.
    package init(options: ServerOptions, startTime: Int64, reloadState: @escaping @Sendable () -> ReloadState,
                 statistics: @escaping @Sendable (Int) -> HeadStatistics?,
                 walReplay: @escaping @Sendable () -> (min: Int, max: Int, current: Int)) {
        self.options = options
        self.startTime = startTime
        self.reloadState = reloadState
        self.statistics = statistics
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
        let corruptionCount = corruptions()
        return APIResponse.success { json in
            json.raw(#"{"startTime":"#)
            json.string(RFC3339.format(milliseconds: startTime))
            json.raw(#","CWD":"#)
            json.string(cwd)
            json.raw(#","reloadConfigSuccess":"#)
            json.bool(reload.succeeded)
            json.raw(#","lastConfigTime":"#)
            json.string(RFC3339.format(milliseconds: reload.time))
            json.raw(#","corruptionCount":"#)
            json.int(corruptionCount)
            // Go runtime fields, kept for clients that read them; Pharos has no goroutines.
            json.raw(#","goroutineCount":0,"GOMAXPROCS":"#)
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
        guard let stats = statistics(limit) else { throw APIError(.unavailable, "TSDB not ready") }
        return APIResponse.success { json in
            json.raw(#"{"headStats":{"numSeries":"#)
            json.int(stats.numSeries)
            json.raw(#","numLabelPairs":"#)
            json.int(stats.numLabelPairs)
            json.raw(#","chunkCount":"#)
            json.int(stats.chunkCount)
            json.raw(#","minTime":"#)
            json.int(stats.minTime ?? Int64.max)
            json.raw(#","maxTime":"#)
            json.int(stats.maxTime ?? Int64.min)
            json.byte("}")
            for (name, list) in [("seriesCountByMetricName", stats.seriesCountByMetricName),
                                 ("labelValueCountByLabelName", stats.labelValueCountByLabelName),
                                 ("memoryInBytesByLabelName", stats.memoryInBytesByLabelName),
                                 ("seriesCountByLabelValuePair", stats.seriesCountByLabelValuePair)] {
                json.byte(",")
                json.key(name)
                json.array(list) { json, entry in
                    json.raw(#"{"name":"#)
                    json.string(entry.name)
                    json.raw(#","value":"#)
                    json.int(entry.value)
                    json.byte("}")
                }
            }
            json.byte("}")
        }
    }
}
