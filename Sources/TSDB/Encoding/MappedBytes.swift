internal import Exposition

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a file mapped read-only into memory (`mmap`), as Prometheus reads block
/// indexes and chunk segments: opening costs address space, not memory; the kernel pages in
/// what is read and may drop it again, so a data directory of many gigabytes keeps the
/// process's memory small.
///
/// Every read goes through the collection's bounds-checked subscript or through
/// `ByteCursor`, which checks before it reads; readers turn a short read into an error
/// naming the file and offset. Blocks are never modified in place (they are written to a
/// temporary directory and renamed), so the mapping stays valid; a deleted file stays
/// mapped until the last `MappedBytes` of it is gone.
struct MappedBytes: RandomAccessCollection, @unchecked Sendable {
    /// Unmaps the file when the last copy of its `MappedBytes` goes.
    private final class Mapping: @unchecked Sendable {
        let buffer: UnsafeRawBufferPointer

        init(_ buffer: UnsafeRawBufferPointer) { self.buffer = buffer }

        deinit {
            if let base = buffer.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), buffer.count) }
        }
    }

    private let mapping: Mapping
    /// The mapped bytes (empty for an empty file).
    let buffer: UnsafeRawBufferPointer

    /// Maps the file at `path`.
    ///
    /// - Throws: `TSDBError.io` when it cannot be opened, inspected or mapped.
    init(path: String) throws(TSDBError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, operation: "fstat", errno: errno) }
        let size = Int(info.st_size)
        guard size > 0 else {
            mapping = Mapping(UnsafeRawBufferPointer(start: nil, count: 0))
            buffer = mapping.buffer
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), base != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .io(path: path, operation: "mmap", errno: errno)
        }
        mapping = Mapping(UnsafeRawBufferPointer(start: base, count: size))
        buffer = mapping.buffer
    }

    var startIndex: Int { 0 }
    var endIndex: Int { buffer.count }

    /// The byte at `position`; traps outside the file (readers check before they read).
    subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < buffer.count, "read outside a mapped file")
        return buffer[position]
    }

    func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try body(buffer.bindMemory(to: UInt8.self))
    }

    /// The CRC32C of `range` (checked to lie inside the file).
    func checksum(_ range: Range<Int>) -> UInt32 {
        precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count, "checksum outside a mapped file")
        return CRC32C.checksum(UnsafeBufferPointer(rebasing: buffer.bindMemory(to: UInt8.self)[range]))
    }

    /// A copy of `range` (checked to lie inside the file) as an array.
    func copy(_ range: Range<Int>) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= buffer.count, "copy outside a mapped file")
        return Array(UnsafeRawBufferPointer(rebasing: buffer[range]))
    }
}
