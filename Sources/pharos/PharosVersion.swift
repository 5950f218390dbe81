/// The version `pharos --version` and the build-info API report.
enum PharosVersion {
    static let current = "0.1.0"
}
