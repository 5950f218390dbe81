import Foundation
import Hummingbird
import Logging

/// Serves `router` on 127.0.0.1 at a free port until `server` is cancelled; returns once it
/// listens (port 0 if it could not bind).
func serveOnLoopback(_ router: Router<BasicRequestContext>, label: String) async -> (port: Int, server: Task<Void, any Error>) {
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    var logger = Logger(label: label)
    logger.logLevel = .critical
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                          onServerRunning: { portSink.yield($0.localAddress?.port ?? 0); portSink.finish() }, logger: logger)
    let server = Task { try await app.runService(gracefulShutdownSignals: []) }
    var port = 0
    for await bound in ports { port = bound }
    return (port, server)
}

/// Runs `body`, which blocks its thread (a querier waiting on HTTP), on a thread of its own:
/// not the concurrency pool, whose few threads (on Linux, dispatch's global queues, shared
/// with `DispatchQueue.global()`) must stay free to run the loopback servers it waits for.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}
