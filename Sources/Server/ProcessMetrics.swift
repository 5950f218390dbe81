#if canImport(Glibc)
import Glibc
#endif

/// The `process_*` metrics Prometheus's client libraries export, read from `/proc/self`
/// when `/metrics` is scraped.
struct ProcessMetrics {
    var cpuSeconds: Double = 0
    var residentBytes: Double = 0
    var virtualBytes: Double = 0
    var startTimeSeconds: Double = 0
    var openFDs: Double = 0
    var maxFDs: Double = 0

    /// A reading now (fields that cannot be read stay 0).
    static func current() -> ProcessMetrics {
        var m = ProcessMetrics()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let stat = readFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") {
            // Fields after the command name, starting with field 3 (state).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            func field(_ n: Int) -> Double { n - 3 < fields.count ? Double(fields[n - 3]) ?? 0 : 0 }
            m.cpuSeconds = (field(14) + field(15)) / ticks
            m.virtualBytes = field(23)
            m.residentBytes = field(24) * pageSize
            if let procStat = readFile("/proc/stat"),
               let line = procStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
               let boot = Double(line.dropFirst(6).trimmingPrefix(" ")) {
                m.startTimeSeconds = boot + field(22) / ticks
            }
        }
        if let dir = opendir("/proc/self/fd") {
            var count = 0
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != ".", name != ".." { count += 1 }
            }
            closedir(dir)
            m.openFDs = Double(max(0, count - 1))  // minus the descriptor opendir holds
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { m.maxFDs = Double(limit.rlim_cur) }
        return m
    }

    /// Appends the metrics in the text format.
    func write(into out: inout [UInt8]) {
        func metric(_ name: String, _ type: String, _ help: String, _ value: Double) {
            out.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n".utf8)
            var json = JSONWriter(capacity: 32)
            json.number(value)
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: json.bytes)
            out.append(UInt8(ascii: "\n"))
        }
        metric("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", cpuSeconds)
        metric("process_max_fds", "gauge", "Maximum number of open file descriptors.", maxFDs)
        metric("process_open_fds", "gauge", "Number of open file descriptors.", openFDs)
        metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", residentBytes)
        metric("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", startTimeSeconds)
        metric("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", virtualBytes)
    }

    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
