package import Logging
package import Model
import Synchronization

/// The time-series database over one data directory: the head (recent data, with its WAL in
/// `wal/`) and the persistent blocks beside it, kept in Prometheus's layout so either
/// program can open the directory (upstream's `tsdb.DB`).
///
/// ```
/// <dir>/lock   <dir>/wal/...   <dir>/<ULID>/{meta.json,index,chunks/,tombstones} ...
/// ```
///
/// Appends go to the head (`appender()`, or `SampleAppendable`); `querier(mint:maxt:)`
/// reads head and blocks as one. `compact()` (run every minute by `run(interval:)`) cuts
/// the head's oldest 2 h into a block, truncates the head and checkpoints the WAL, merges
/// blocks into longer ones and deletes what retention no longer keeps.
package final class DB: Sendable {
    /// The data directory.
    package let directory: String
    /// The options it was opened with (`head.chunkRange` is `minBlockDuration`).
    package let options: Options
    let head: Head
    let logger: Logger
    private let lock: DirectoryLock

    /// The blocks being served, sorted by `minTime`; replaced as a whole by compaction and
    /// retention, so a querier works on one list.
    struct State {
        var blocks: [Block]
        var closed = false
    }

    let state: Mutex<State>
    /// Held by `compact()`, retention and `close()`, so they never run at once.
    let maintenance = Mutex(())
    /// Counters for `stats`.
    let compactions = Atomic<Int>(0)
    let failedCompactions = Atomic<Int>(0)
    let headTruncations = Atomic<Int>(0)
    let checkpoints = Atomic<Int>(0)
    let timeRetentions = Atomic<Int>(0)
    let sizeRetentions = Atomic<Int>(0)

    /// Block directories that could not be opened (damaged or incomplete), with why; they
    /// are left on disk and not served.
    package let skippedBlocks: [(directory: String, error: TSDBError)]

    private init(directory: String, options: Options, head: Head, blocks: [Block],
                 skipped: [(directory: String, error: TSDBError)], lock: DirectoryLock, logger: Logger) {
        self.directory = directory
        self.options = options
        self.head = head
        self.lock = lock
        self.logger = logger
        self.skippedBlocks = skipped
        self.state = Mutex(State(blocks: blocks))
    }

    /// Opens (creating if needed) the database in `directory`.
    ///
    /// Takes the directory's lock, removes what interrupted block writes and deletions left
    /// (`*.tmp-for-creation`, `*.tmp-for-deletion`), opens every block directory (one that
    /// cannot be read is skipped with a warning and listed in `skippedBlocks`; blocks that
    /// a compaction already merged into another are deleted), replays the head's WAL
    /// (dropping samples older than the newest block's end, which are in blocks) and applies
    /// retention.
    ///
    /// - Throws: `TSDBError.locked` when another open database holds the directory; `.io`
    ///   when it cannot be read or written; the head's errors for a damaged WAL checkpoint.
    package static func open(directory: String, options: Options = Options(),
                             logger: Logger = Logger(label: "pharos.tsdb")) throws(TSDBError) -> DB {
        try FileIO.makeDirectory(directory)
        let lock = try DirectoryLock(directory: directory)
        do throws(TSDBError) {
            for name in try FileIO.listDirectory(directory)
            where name.hasSuffix(".tmp-for-creation") || name.hasSuffix(".tmp-for-deletion") {
                logger.info("removing an interrupted block write or deletion", metadata: ["directory": "\(name)"])
                try FileIO.removeTree(directory + "/" + name)
            }
            var (blocks, skipped) = try openBlocks(in: directory, logger: logger)
            // A compaction that crashed after renaming its block in leaves its parents behind.
            let merged = Set(blocks.flatMap { $0.meta.parents.map(\.ulid) })
            func isMerged(_ path: String) -> Bool {
                ULID(String(path.split(separator: "/").last ?? "")).map(merged.contains) ?? false
            }
            for path in blocks.map(\.directory) + skipped.map(\.directory) where isMerged(path) {
                logger.info("deleting a block already compacted into another", metadata: ["block": "\(path)"])
                try deleteBlockDirectory(path)
            }
            blocks.removeAll { isMerged($0.directory) }
            skipped.removeAll { isMerged($0.directory) }
            var headOptions = options.head
            headOptions.chunkRange = options.minBlockDuration
            // Blocks of out-of-order samples may reach into the head's range: only the others
            // tell where the head's data begins (upstream's `inOrderBlocksMaxTime`).
            let inOrderEnd = blocks.filter { !$0.meta.isFromOutOfOrder }.map(\.maxTime).max() ?? .min
            let head = try Head.open(directory: directory, options: headOptions, minValidTime: inOrderEnd, logger: logger)
            let db = DB(directory: directory, options: options, head: head, blocks: blocks, skipped: skipped,
                        lock: lock, logger: logger)
            do throws(TSDBError) {
                try db.maintenance.withLock { _ throws(TSDBError) in try db.applyRetention() }
            } catch {
                try? head.close()
                throw error
            }
            return db
        } catch {
            lock.release()
            throw error
        }
    }

    /// Opens every block directory (named by a ULID) in `directory`, sorted by `minTime`.
    private static func openBlocks(in directory: String, logger: Logger) throws(TSDBError)
        -> (blocks: [Block], skipped: [(directory: String, error: TSDBError)])
    {
        var blocks = [Block]()
        var skipped = [(directory: String, error: TSDBError)]()
        for name in try FileIO.listDirectory(directory).sorted()
        where ULID(name) != nil && FileIO.isDirectory(directory + "/" + name) {
            let path = directory + "/" + name
            do throws(TSDBError) {
                blocks.append(try Block(directory: path))
            } catch {
                logger.warning("skipping a block that cannot be read", metadata: ["block": "\(path)", "error": "\(error)"])
                skipped.append((path, error))
            }
        }
        blocks.sort { ($0.minTime, $0.ulid) < ($1.minTime, $1.ulid) }
        return (blocks, skipped)
    }

    /// The blocks being served, sorted by `minTime`.
    package var blocks: [Block] { state.withLock { $0.blocks } }

    /// A new, empty append batch for the head. Samples older than the head's
    /// `minValidTime` (their time is already in blocks) are refused with `outOfBounds`.
    package func appender() -> HeadAppender {
        head.appender()
    }

    /// Sets the out-of-order time window (`storage.tsdb.out_of_order_time_window`, in
    /// milliseconds; 0 refuses out-of-order samples) for appenders made from now on, as a
    /// configuration reload does.
    package func setOutOfOrderTimeWindow(_ window: Int64) {
        head.setOutOfOrderTimeWindow(window)
    }

    /// A querier over head and blocks restricted to `[mint, maxt]` (milliseconds, inclusive):
    /// series sorted by labels, a series stored in several places merged into one with
    /// duplicate samples removed.
    package func querier(mint: Int64, maxt: Int64) -> any Querier {
        DBQuerier(db: self, mint: mint, maxt: maxt)
    }

    /// Stops appends and maintenance, closes the WAL (flushed and fsynced) and releases the
    /// directory's lock. Later calls do nothing.
    package func close() throws(TSDBError) {
        try maintenance.withLock { _ throws(TSDBError) in
            let wasClosed = state.withLock { state in
                defer { state.closed = true }
                return state.closed
            }
            guard !wasClosed else { return }
            defer { lock.release() }
            try head.close()
        }
    }

    /// Whether `close()` was called.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Renames a block directory to `<ULID>.tmp-for-deletion` (so a crash never leaves half
    /// a block that looks whole), then removes it.
    static func deleteBlockDirectory(_ path: String) throws(TSDBError) {
        let doomed = path + ".tmp-for-deletion"
        try FileIO.rename(path, to: doomed)
        try FileIO.removeTree(doomed)
    }
}

extension DB: SampleAppendable {
    package func makeAppender() -> any SampleAppender & ~Copyable {
        head.appender()
    }

    package func makeAppender(durability: CommitDurability) -> any SampleAppender & ~Copyable {
        head.appender(durability: durability)
    }
}
