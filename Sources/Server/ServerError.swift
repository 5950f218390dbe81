/// Why the server could not start or reload.
package enum ServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A flag's value is unusable: the flag's name and why.
    case invalidFlag(String, String)
    /// The config file or the web config file did not load.
    case config(String)
    /// The storage did not open.
    case storage(String)

    package var description: String {
        switch self {
        case .invalidFlag(let flag, let reason): "invalid value for --\(flag): \(reason)"
        case .config(let message): message
        case .storage(let message): "opening storage failed: \(message)"
        }
    }
}
