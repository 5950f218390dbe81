/// The node_exporter-like series of TSDB memory benchmarks and probes: five families with
/// their labels (as bench/fake_exporters.py and bench/head_memory_compare.py), 1,000 series
/// per instance.
package enum NodeLikeSeries {
    private static let families: [(name: String, labels: [String])] = [
        ("node_cpu_seconds_total", ["cpu", "mode"]), ("node_network_receive_bytes_total", ["device"]),
        ("node_filesystem_avail_bytes", ["device", "fstype", "mountpoint"]), ("node_disk_read_bytes_total", ["device"]),
        ("node_memory_bytes", ["kind"]),
    ]

    /// The label pairs of series `i` (unsorted, `__name__` included).
    package static func labels(_ i: Int) -> [(name: String, value: String)] {
        let family = families[i % families.count]
        let within = (i % 1000) / families.count
        var pairs = [("__name__", family.name), ("job", "node"), ("instance", "host-\(i / 1000).example.org:9100")]
        for label in family.labels { pairs.append((label, "\(label)\(within)")) }
        return pairs
    }
}
