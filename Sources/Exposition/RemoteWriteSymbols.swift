/// The symbol table of the remote-write 2.0 request being decoded: where each symbol lies in
/// the body, and its text once something asked for it (a cached series needs none of its
/// label texts; help and unit texts are shared by many series).
struct RemoteWriteSymbols {
    private(set) var ranges: [Range<Int>] = []
    /// Decoded texts by symbol; `.some(nil)` when not UTF-8, `nil` when not decoded yet.
    private var texts: [String??] = []

    var count: Int { ranges.count }

    mutating func removeAll() {
        ranges.removeAll(keepingCapacity: true)
        texts.removeAll(keepingCapacity: true)
    }

    mutating func append(_ range: Range<Int>) {
        ranges.append(range)
        texts.append(nil)
    }

    /// The text of symbol `index` (in range), read from `reader`'s body the first time; `nil`
    /// when it is not valid UTF-8.
    mutating func text(_ index: Int, in reader: ProtobufReader) -> String? {
        if let text = texts[index] { return text }
        let text = reader.string(ranges[index])
        texts[index] = .some(text)
        return text
    }
}
