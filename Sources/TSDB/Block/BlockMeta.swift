internal import Exposition

/// A block's `meta.json`, as Prometheus's `tsdb/block.go` (`BlockMeta`, version 1) writes it.
///
/// `maxTime` is exclusive: one past the newest sample, as upstream.
package struct BlockMeta: Sendable, Equatable {
    /// A block merged into this one by compaction (upstream's `BlockDesc`).
    package struct Parent: Sendable, Equatable {
        package var ulid: ULID
        package var minTime: Int64, maxTime: Int64

        /// Describes a parent block.
        package init(ulid: ULID, minTime: Int64, maxTime: Int64) {
            self.ulid = ulid
            self.minTime = minTime
            self.maxTime = maxTime
        }
    }

    /// The block's identity and directory name.
    package var ulid: ULID
    /// The oldest sample's timestamp (inclusive).
    package var minTime: Int64
    /// One past the newest sample's timestamp (exclusive).
    package var maxTime: Int64
    /// Totals over the block.
    package var numSamples: UInt64, numSeries: UInt64, numChunks: UInt64
    /// Deleted intervals in the block's `tombstones` file (written only when not 0, as
    /// upstream's `omitempty`).
    package var numTombstones: UInt64 = 0
    /// 1 for a block written from a head or an import; one more than its highest parent's
    /// for a compacted block.
    package var compactionLevel: Int
    /// The level-1 blocks merged into this one (itself at level 1).
    package var sources: [ULID]
    /// The blocks compacted into this one (none at level 1).
    package var parents: [Parent]
    /// Compaction hints (upstream's `compaction.hints`): `fromOutOfOrder` marks a block
    /// written from out-of-order samples.
    package var hints: [String] = []

    /// The hint of a block written from out-of-order samples (upstream's `CompactionHintFromOutOfOrder`).
    package static let fromOutOfOrder = "from-out-of-order"

    /// Whether the block holds out-of-order samples: its time range may lie within the
    /// head's, so it does not tell where the head's in-order data begins.
    package var isFromOutOfOrder: Bool { hints.contains(Self.fromOutOfOrder) }

    /// The `meta.json` format version.
    package static let version = 1

    /// Creates block metadata.
    package init(ulid: ULID, minTime: Int64, maxTime: Int64, numSamples: UInt64, numSeries: UInt64,
                 numChunks: UInt64, compactionLevel: Int = 1, sources: [ULID]? = nil, parents: [Parent] = []) {
        self.ulid = ulid
        self.minTime = minTime
        self.maxTime = maxTime
        self.numSamples = numSamples
        self.numSeries = numSeries
        self.numChunks = numChunks
        self.compactionLevel = compactionLevel
        self.sources = sources ?? [ulid]
        self.parents = parents
    }

    /// Parses `meta.json` text (read from `path`, named in errors).
    ///
    /// - Throws: `TSDBError.corruptBlock` when the ULID, the time range or version 1 is missing.
    package init(json text: String, path: String) throws(TSDBError) {
        guard let ulidText = MetaJSON.string("ulid", in: text), let ulid = ULID(ulidText) else {
            throw .corruptBlock(path: path, reason: "no valid \"ulid\"")
        }
        guard let minTime = MetaJSON.integer("minTime", in: text), let maxTime = MetaJSON.integer("maxTime", in: text) else {
            throw .corruptBlock(path: path, reason: "no integer \"minTime\" and \"maxTime\"")
        }
        guard MetaJSON.integer("version", in: text) == 1 else {
            throw .corruptBlock(path: path, reason: "\"version\" is not 1")
        }
        let parents = MetaJSON.array("parents", in: text).map(MetaJSON.objects(inArray:)) ?? []
        var parsedParents = [Parent]()
        for object in parents {
            guard let text = MetaJSON.string("ulid", in: object), let parent = ULID(text),
                  let mint = MetaJSON.integer("minTime", in: object), let maxt = MetaJSON.integer("maxTime", in: object)
            else { throw .corruptBlock(path: path, reason: "a \"parents\" entry without ulid, minTime and maxTime") }
            parsedParents.append(Parent(ulid: parent, minTime: mint, maxTime: maxt))
        }
        let sources = MetaJSON.array("sources", in: text).map(MetaJSON.strings(inArray:))?.compactMap(ULID.init) ?? []
        func count(_ key: String) -> UInt64 { MetaJSON.integer(key, in: text).map { UInt64(max(0, $0)) } ?? 0 }
        self.init(ulid: ulid, minTime: minTime, maxTime: maxTime, numSamples: count("numSamples"),
                  numSeries: count("numSeries"), numChunks: count("numChunks"),
                  compactionLevel: MetaJSON.integer("level", in: text).map(Int.init) ?? 1,
                  sources: sources.isEmpty ? nil : sources, parents: parsedParents)
        numTombstones = count("numTombstones")
        hints = MetaJSON.array("hints", in: text).map(MetaJSON.strings(inArray:)) ?? []
    }

    /// The JSON text, tab-indented like Go's `json.MarshalIndent(meta, "", "\t")`
    /// (`numTombstones` and `parents` omitted when empty, as upstream's `omitempty`).
    package var json: String {
        let sourceLines = sources.map { "\t\t\t\"\($0)\"" }.joined(separator: ",\n")
        let parentObjects = parents.map {
            "\t\t\t{\n\t\t\t\t\"ulid\": \"\($0.ulid)\",\n\t\t\t\t\"minTime\": \($0.minTime),\n\t\t\t\t\"maxTime\": \($0.maxTime)\n\t\t\t}"
        }
        let parentsText = parents.isEmpty ? "" : ",\n\t\t\"parents\": [\n" + parentObjects.joined(separator: ",\n") + "\n\t\t]"
        let hintsText = hints.isEmpty ? "" : ",\n\t\t\"hints\": [\n" + hints.map { "\t\t\t\"\($0)\"" }.joined(separator: ",\n") + "\n\t\t]"
        return """
        {
        \t"ulid": "\(ulid)",
        \t"minTime": \(minTime),
        \t"maxTime": \(maxTime),
        \t"stats": {
        \t\t"numSamples": \(numSamples),
        \t\t"numSeries": \(numSeries),
        \t\t"numChunks": \(numChunks)\(numTombstones > 0 ? ",\n\t\t\"numTombstones\": \(numTombstones)" : "")
        \t},
        \t"compaction": {
        \t\t"level": \(compactionLevel),
        \t\t"sources": [
        \(sourceLines)
        \t\t]\(parentsText)\(hintsText)
        \t},
        \t"version": \(Self.version)
        }
        """
    }
}
