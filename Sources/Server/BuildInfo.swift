/// What this binary is: `pharos --version` and `/api/v1/status/buildinfo`.
package enum BuildInfo {
    /// The release version.
    package static let version = "0.1.0"
    /// The branch the release is cut from.
    package static let branch = "main"
    /// The toolchain, where Prometheus reports its Go version.
    package static let toolchain = {
        #if compiler(>=6.3)
        "swift6.3"
        #else
        "swift6"
        #endif
    }()
}
