extension RemoteWriteVersion {
    /// The protobuf message name of the version, as in the `proto=` parameter and in
    /// Prometheus's `--web.remote-write-receiver.accepted-protobuf-messages` flag.
    package var protobufMessage: String {
        switch self {
        case .v1: "prometheus.WriteRequest"
        case .v2: "io.prometheus.write.v2.Request"
        }
    }

    /// The `Content-Type` a sender puts on a request of this version.
    package var contentType: String {
        switch self {
        case .v1: "application/x-protobuf"
        case .v2: "application/x-protobuf;proto=io.prometheus.write.v2.Request"
        }
    }

    /// The version of a remote-write request's `Content-Type` header.
    ///
    /// Follows Prometheus's receiver: a missing (empty) header means 1.0, as does
    /// `application/x-protobuf` without a `proto` parameter; `proto=` names the message. Media
    /// type and parameter names are compared case-insensitively, spaces around parameters are
    /// ignored, and quoted parameter values are unquoted (RFC 9110), where Prometheus is stricter.
    /// - Parameter accepted: the versions this receiver takes
    ///   (`--web.remote-write-receiver.accepted-protobuf-messages`).
    /// - Throws: `ExpositionError.unsupportedRemoteContentType` (HTTP 415) for any other media
    ///   type, an unknown message, or a version not in `accepted`.
    package init(contentType: String, accepted: Set<RemoteWriteVersion> = Set(allCases)) throws(ExpositionError) {
        let header = contentType.isEmpty ? RemoteWriteVersion.v1.contentType : contentType
        let parts = header.split(separator: ";", omittingEmptySubsequences: false).map(\.trimmedSpaces)
        guard parts.first?.lowercased() == "application/x-protobuf" else {
            throw .unsupportedRemoteContentType(contentType, reason: "expected application/x-protobuf")
        }
        var version = RemoteWriteVersion.v1
        for parameter in parts.dropFirst() where !parameter.isEmpty {
            guard let equals = parameter.firstIndex(of: "=") else {
                throw .unsupportedRemoteContentType(contentType, reason: "parameter \"\(parameter)\" is not key=value")
            }
            guard parameter[..<equals].trimmedSpaces.lowercased() == "proto" else { continue }
            var value = parameter[parameter.index(after: equals)...].trimmedSpaces
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            switch value {
            case Substring(RemoteWriteVersion.v1.protobufMessage): version = .v1
            case Substring(RemoteWriteVersion.v2.protobufMessage): version = .v2
            default:
                throw .unsupportedRemoteContentType(
                    contentType, reason: "unknown remote write protobuf message \"\(value)\"")
            }
        }
        guard accepted.contains(version) else {
            let names = RemoteWriteVersion.allCases.filter(accepted.contains).map(\.protobufMessage)
            throw .unsupportedRemoteContentType(
                contentType,
                reason: "\(version.protobufMessage) is not accepted by this server (accepted: \(names)); "
                    + "see --web.remote-write-receiver.accepted-protobuf-messages")
        }
        self = version
    }
}

extension Substring {
    fileprivate var trimmedSpaces: Substring {
        var slice = self
        while slice.first == " " || slice.first == "\t" { slice.removeFirst() }
        while slice.last == " " || slice.last == "\t" { slice.removeLast() }
        return slice
    }
}
