/// Just enough of JSON to read `meta.json`: scalars found by their (unique) key, and the
/// flat arrays `sources` and `parents`.
enum MetaJSON {
    /// The value after the first `"key":` if it is a string without escapes.
    static func string(_ key: String, in text: String) -> String? {
        guard var rest = valueStart(key, in: text), rest.first == "\"" else { return nil }
        rest = rest.dropFirst()
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// The value after the first `"key":` if it is an integer.
    static func integer(_ key: String, in text: String) -> Int64? {
        guard let rest = valueStart(key, in: text) else { return nil }
        let digits = rest.prefix { $0 == "-" || $0.isNumber }
        return Int64(digits)
    }

    /// The text between the brackets of the array after the first `"key":` (arrays inside
    /// it are not supported; `meta.json`'s are flat).
    static func array(_ key: String, in text: String) -> Substring? {
        guard let rest = valueStart(key, in: text), rest.first == "[", let end = rest.firstIndex(of: "]") else { return nil }
        return rest[rest.index(after: rest.startIndex)..<end]
    }

    /// The strings of an array of strings without escapes, such as `sources`.
    static func strings(inArray text: Substring) -> [String] {
        text.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .compactMap { $0.offset % 2 == 1 ? String($0.element) : nil }
    }

    /// The objects of an array of flat objects, such as `parents`, each as text.
    static func objects(inArray text: Substring) -> [String] {
        text.split(separator: "{").compactMap { piece in
            piece.firstIndex(of: "}").map { String(piece[..<$0]) }
        }
    }

    private static func valueStart(_ key: String, in text: String) -> Substring? {
        let needle = Array("\"\(key)\"".utf8), haystack = Array(text.utf8)
        guard haystack.count >= needle.count,
              let start = (0...(haystack.count - needle.count)).first(where: { haystack[$0..<$0 + needle.count].elementsEqual(needle) })
        else { return nil }
        let after = String(decoding: haystack[(start + needle.count)...], as: UTF8.self)
        var rest = after[...].drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return rest
    }
}
