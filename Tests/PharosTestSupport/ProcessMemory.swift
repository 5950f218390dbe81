import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's memory as glibc and the kernel count it, for memory benchmarks and probes.
package enum ProcessMemory {
    /// Heap bytes in use as glibc counts them (mallinfo2's `uordblks + hblkhd`): what its
    /// arenas hold from the system minus their free chunks, plus mmapped blocks. Read from
    /// `malloc_info`'s XML totals, since Swift's Glibc module does not import malloc.h.
    package static func heapInUse() -> Int {
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        var buffer: UnsafeMutablePointer<CChar>?
        var length = 0
        guard let symbol = dlsym(nil, "malloc_info"), let stream = open_memstream(&buffer, &length) else {
            fatalError("glibc's malloc_info is unavailable")
        }
        _ = unsafeBitCast(symbol, to: MallocInfo.self)(0, stream)
        fclose(stream)
        let xml = buffer.map { String(cString: $0) } ?? ""
        free(buffer)
        // The process-wide totals follow the last heap's element.
        guard let heaps = xml.range(of: "</heap>", options: .backwards) else { fatalError("malloc_info: \(xml)") }
        let totals = xml[heaps.upperBound...]
        func size(_ element: String) -> Int {
            guard let start = totals.range(of: element)?.upperBound,
                  let value = totals[start...].range(of: "size=\"")?.upperBound,
                  let end = totals[value...].firstIndex(of: "\"") else { fatalError("malloc_info has no \(element)") }
            return Int(totals[value..<end]) ?? 0
        }
        return size("<system type=\"current\"") - size("<total type=\"fast\"") - size("<total type=\"rest\"")
            + size("<total type=\"mmap\"")
    }

    /// A size field of `/proc/self/status` (`VmRSS`, `VmHWM`, `RssAnon`) in bytes; 0 if absent.
    package static func status(_ field: String) -> Int {
        guard let file = fopen("/proc/self/status", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            if text.hasPrefix(field + ":") {
                return (Int(text.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
            }
        }
        return 0
    }

    /// Resets the peak resident set size (`VmHWM`) to the current one.
    package static func resetPeakResident() {
        guard let file = fopen("/proc/self/clear_refs", "w") else { return }
        fputs("5", file)
        fclose(file)
    }
}
