import Testing

@testable import Model

/// Strings escaped as Go's `encoding/json` (`json.Marshal` output, checked by hand against Go's
/// rules): backslash escapes, `\u00XX` for control and HTML characters, U+2028/2029, and U+FFFD
/// for bytes that are not UTF-8.
@Suite struct GoJSONStringTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("a\"b\\c", #""a\"b\\c""#),
        ("tab\tnew\nret\r", #""tab\tnew\nret\r""#),
        ("<a href='x'>&</a>", #""\u003ca href='x'\u003e\u0026\u003c/a\u003e""#),
        ("\u{1}\u{1f}", #""\u0001\u001f""#),
        ("line\u{2028}para\u{2029}", #""line\u2028para\u2029""#),
        ("Grüße 🚀", "\"Grüße 🚀\""),
    ])
    func quotesAsGo(text: String, expected: String) {
        #expect(GoJSONString.quoted(text) == expected)
    }

    @Test func invalidUTF8BecomesReplacementCharacters() {
        let bytes: [UInt8] = [0x61, 0xFF, 0xC3, 0x28, 0xE2, 0x80, 0x62, 0xED, 0xA0, 0x80]
        var out: [UInt8] = []
        bytes.withUnsafeBufferPointer { GoJSONString.append($0, to: &out) }
        #expect(String(decoding: out, as: UTF8.self) == "\"a\u{FFFD}\u{FFFD}(\u{FFFD}\u{FFFD}b\u{FFFD}\u{FFFD}\u{FFFD}\"")
    }
}
