/// A target's health as the last scrape left it (Prometheus's `scrape.TargetHealth`), shown
/// as `health` by `/api/v1/targets`.
package enum TargetHealth: String, Sendable, Codable {
    /// Not scraped yet.
    case unknown
    /// The last scrape succeeded.
    case up
    /// The last scrape failed; `lastError` says why.
    case down
}
