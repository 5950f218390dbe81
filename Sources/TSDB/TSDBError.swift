package import Model

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the TSDB refused a sample or could not read its own files.
///
/// Append errors (`outOfOrderSample`, `duplicateSampleForTimestamp`, `outOfBounds`) are the
/// named errors of Prometheus's `tsdb/head_append.go` (`storage.ErrOutOfOrderSample`, ...):
/// callers match on them and count them. Decode errors name the file and offset.
package enum TSDBError: Error, Equatable, Sendable {
    /// A sample older than the newest sample of its series (out-of-order ingestion is off).
    case outOfOrderSample(series: Labels, timestamp: Int64, latest: Int64)
    /// A sample at the newest timestamp of its series with a different value.
    case duplicateSampleForTimestamp(series: Labels, timestamp: Int64)
    /// A sample older than the head's lowest appendable time.
    case outOfBounds(series: Labels, timestamp: Int64, minValidTime: Int64)
    /// An out-of-order sample older than the out-of-order time window allows: `oldest` is
    /// the head's newest time minus the window (upstream's `storage.ErrTooOldSample`).
    case tooOldSample(series: Labels, timestamp: Int64, oldest: Int64)
    /// A series without any label; Prometheus refuses these too.
    case emptyLabelSet
    /// A series reference the head does not know (stale ref handed back to an appender).
    case unknownSeriesRef(UInt64)
    /// A chunk whose bytes do not decode; `reason` says where decoding stopped.
    case corruptChunk(reason: String)
    /// A chunk encoding byte this version does not know.
    case unknownChunkEncoding(UInt8)
    /// A chunk segment file that is not well formed.
    case corruptChunkFile(path: String, offset: Int, reason: String)
    /// A write-ahead-log segment whose bytes do not decode at `offset`.
    case corruptWAL(segment: Int, offset: Int, reason: String)
    /// A write-ahead-log record whose payload does not decode.
    case corruptRecord(reason: String)
    /// A system call failed on `path`.
    case io(path: String, operation: String, errno: Int32)
    /// The head was closed; no more appends.
    case closed
    /// Data that cannot be written as a block (duplicate series, unordered samples, ...).
    case invalidBlock(reason: String)
    /// A block's `index` file that is not well formed at `offset`.
    case corruptIndex(path: String, offset: Int, reason: String)
    /// A block file other than the index or chunks (`meta.json`, `tombstones`) that does not decode.
    case corruptBlock(path: String, reason: String)
    /// The data directory's `lock` file is held by another open database.
    case locked(directory: String)
    /// Series held by other processes could not be read: a querier found no ingester that
    /// answered for some partitions (issue 7, docs/cluster.md).
    case unavailable(reason: String)
}

extension TSDBError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .outOfOrderSample(let series, let timestamp, let latest):
            "out of order sample for \(series) at \(timestamp), latest is \(latest)"
        case .duplicateSampleForTimestamp(let series, let timestamp):
            "duplicate sample for timestamp \(timestamp) with a different value for \(series)"
        case .outOfBounds(let series, let timestamp, let minValidTime):
            "out of bounds: sample for \(series) at \(timestamp) is older than the head's minimum \(minValidTime)"
        case .tooOldSample(let series, let timestamp, let oldest):
            "too old sample for \(series) at \(timestamp): the out-of-order time window accepts samples from \(oldest) on"
        case .emptyLabelSet:
            "series has no labels"
        case .unknownSeriesRef(let ref):
            "unknown series reference \(ref)"
        case .corruptChunk(let reason):
            "corrupt chunk: \(reason)"
        case .unknownChunkEncoding(let byte):
            "unknown chunk encoding \(byte)"
        case .corruptChunkFile(let path, let offset, let reason):
            "corrupt chunk file \(path) at offset \(offset): \(reason)"
        case .corruptWAL(let segment, let offset, let reason):
            "corrupt WAL segment \(segment) at offset \(offset): \(reason)"
        case .corruptRecord(let reason):
            "corrupt WAL record: \(reason)"
        case .io(let path, let operation, let errno):
            "\(operation) \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case .closed:
            "the TSDB head is closed"
        case .invalidBlock(let reason):
            "cannot write block: \(reason)"
        case .corruptIndex(let path, let offset, let reason):
            "corrupt index \(path) at offset \(offset): \(reason)"
        case .corruptBlock(let path, let reason):
            "corrupt block file \(path): \(reason)"
        case .locked(let directory):
            "the data directory \(directory) is in use by another process (its lock file is held); "
                + "stop that process or choose another --storage.tsdb.path"
        case .unavailable(let reason):
            reason
        }
    }
}
