extension DB {
    /// Calls `compact()` every `interval` (Prometheus: every minute) until the task is
    /// cancelled or the database closed. Failures are logged and counted; the next round
    /// retries.
    package func run(interval: Duration = .seconds(60)) async {
        while !Task.isCancelled, !isClosed {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            try? compact()
        }
    }
}
