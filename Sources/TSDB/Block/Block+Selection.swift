extension Block {
    /// The block of the data directory `directory` whose ULID is `id`, or, when `id` is `nil`,
    /// the one starting last, as promtool's `openBlock` picks the block to analyse. Only that
    /// block's files are read; the others' `meta.json` are read to order them.
    /// - Returns: the block, `nil` when there is no such block.
    /// - Throws: the error of listing the directory or of opening the block.
    package static func select(in directory: String, id: String?) throws(TSDBError) -> Block? {
        var candidates: [(minTime: Int64, path: String)] = []
        for name in try FileIO.listDirectory(directory).sorted() where ULID(name) != nil && FileIO.isDirectory(directory + "/" + name) {
            let path = directory + "/" + name
            if let id {
                if name == id { return try Block(directory: path) }
                continue
            }
            // A block whose meta.json does not read is left out, as upstream cannot load it either.
            guard let bytes = try? FileIO.readFile(path + "/meta.json"),
                let meta = try? BlockMeta(json: String(decoding: bytes, as: UTF8.self), path: path + "/meta.json")
            else { continue }
            candidates.append((meta.minTime, path))
        }
        guard id == nil, let latest = candidates.max(by: { $0.minTime < $1.minTime }) else { return nil }
        return try Block(directory: latest.path)
    }
}
