extension Duration {
    /// The duration in seconds, with its fraction (what `*_seconds` metrics and the rules API's
    /// `evaluationTime` show).
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
