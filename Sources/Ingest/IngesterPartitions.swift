/// The partitions an ingester owns: `--ingester.partitions` (`0-3,7`), or, without it, the
/// ordinal at the end of `--ingester.id` (`ingester-zone-a-3` owns partition 3), as Mimir
/// derives an ingester's partition from its StatefulSet ordinal.
package enum IngesterPartitions {
    /// The partitions `flag` lists (or `id` ends with), checked against `partitionCount`, sorted.
    /// - Throws: `IngestError.invalidPartitions` naming what is wrong.
    package static func parse(_ flag: String?, id: String, partitionCount: Int) throws(IngestError) -> [Int] {
        var partitions = Set<Int>()
        if let flag, !flag.isEmpty {
            for part in flag.split(separator: ",", omittingEmptySubsequences: false) {
                let bounds = part.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                guard let low = bounds.first.flatMap({ Int($0) }), let high = bounds.count == 2 ? Int(bounds[1]) : low,
                      low >= 0, low <= high
                else {
                    throw .invalidPartitions("invalid value for --ingester.partitions: \"\(flag)\" is not a list of partitions and ranges like 0-3,7")
                }
                guard high < partitionCount else {
                    throw .invalidPartitions("--ingester.partitions=\(flag) names partition \(high), but stream.partitions is \(partitionCount) (partitions are 0...\(partitionCount - 1))")
                }
                partitions.formUnion(low...high)
            }
        } else {
            guard let ordinal = id.split(separator: "-").last.flatMap({ Int($0) }), ordinal >= 0 else {
                throw .invalidPartitions("--ingester.id=\(id) does not end with an ordinal (like ingester-3); set --ingester.partitions")
            }
            guard ordinal < partitionCount else {
                throw .invalidPartitions("--ingester.id=\(id) derives partition \(ordinal), but stream.partitions is \(partitionCount); set --ingester.partitions")
            }
            partitions.insert(ordinal)
        }
        return partitions.sorted()
    }
}
