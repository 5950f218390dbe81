/// Why a `remote_write` configuration cannot be started.
package enum RemoteWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A setting Pharos's sender does not implement.
    case unsupported(setting: String, remote: String)
    /// Two entries send to the same place without a `name` to tell them apart.
    case duplicate(remote: String)
    /// `write_relabel_configs` does not compile.
    case relabeling(reason: String, remote: String)
    /// `tls_config` cannot be loaded (a file, certificate or key).
    case tls(reason: String, remote: String)

    package var description: String {
        switch self {
        case .unsupported(let setting, let remote):
            "remote_write \(remote): \(setting) is not supported by Pharos; remove it from the remote_write entry"
        case .duplicate(let remote):
            "duplicate remote write configs are not allowed, found duplicate for URL: \(remote)"
        case .relabeling(let reason, let remote):
            "remote_write \(remote): write_relabel_configs: \(reason)"
        case .tls(let reason, let remote):
            "remote_write \(remote): tls_config: \(reason)"
        }
    }
}
