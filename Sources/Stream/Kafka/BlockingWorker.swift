internal import Foundation

/// A thread of its own for calls that block (librdkafka's synchronous metadata, watermark,
/// commit and poll calls), so they never hold a thread of Swift's cooperative pool.
final class BlockingWorker: @unchecked Sendable {
    // @unchecked: `jobs` and `stopping` are read and written only while holding `condition`.
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopping = false

    /// Starts the thread, named `name` (visible in `top -H` and debuggers).
    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Runs `body` on the worker's thread and returns its result.
    func perform<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            condition.lock()
            jobs.append { continuation.resume(returning: body()) }
            condition.signal()
            condition.unlock()
        }
    }

    /// Lets the thread finish the queued jobs and end.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            let batch = jobs
            jobs.removeAll()
            let done = stopping && batch.isEmpty
            condition.unlock()
            if done { return }
            for job in batch { job() }
        }
    }
}
