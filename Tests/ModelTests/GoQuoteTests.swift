import Testing

@testable import Model

/// Go's quoting and unquoting, with the expected strings taken from Go's `strconv` behaviour.
@Suite struct GoQuoteTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("a\"b\\c", #""a\"b\\c""#),
        ("\u{7}\u{8}\u{C}\n\r\t\u{B}", #""\a\b\f\n\r\t\v""#),
        ("\u{0}\u{1F}\u{7F}", #""\x00\x1f\x7f""#),
        ("é\u{1F600}", "\"é\u{1F600}\""),
        ("\u{A0}\u{200B}\u{FEFF}\u{2028}", #""\u00a0\u200b\ufeff\u2028""#),
        ("\u{E000}\u{F0000}", #""\ue000\U000f0000""#),
    ])
    func quote(input: String, expected: String) {
        #expect(GoQuote.quote(input) == expected)
        #expect(input.quotedForPromQL == expected)
    }

    @Test func quoteToASCIIRuneAndDescription() {
        #expect(GoQuote.quote("é\u{1F600}", asciiOnly: true) == #""\u00e9\U0001f600""#)
        #expect(GoQuote.quoteRune("'") == #"'\''"#)
        #expect(GoQuote.quoteRune("\"") == #"'"'"#)
        #expect(GoQuote.quoteRune("\n") == #"'\n'"#)
        #expect(GoQuote.unicodeDescription("c") == "U+0063 'c'")
        #expect(GoQuote.unicodeDescription("\u{1}") == "U+0001")
        #expect(GoQuote.unicodeDescription("\u{1F600}") == "U+1F600 '\u{1F600}'")
    }

    @Test(arguments: [
        (#""a\x41\101\u00e9\U0001F600\n""#, "aAAé\u{1F600}\n"),
        (#"'single \' and "double"'"#, #"single ' and "double""#),
        (#""double \" only""#, #"double " only"#),
        ("`raw\\n\r`", "raw\\n"),
        (#""""#, ""),
        (#""\xc3\xa9""#, "é"),
    ])
    func unquote(literal: String, expected: String) {
        #expect(GoQuote.unquote(literal.utf8) == expected)
    }

    @Test(arguments: [
        "", "\"", "'", "`", "\"abc", "abc\"", "\"a'", #""\q""#, #""\'""#, #"'\"'"#, #""\x4""#, #""\x4g""#,
        #""\u12""#, #""\uD800""#, #""\U00110000""#, #""\400""#, #""\08""#, "\"a\nb\"", "`a`b`", #""a\""#,
        "\"a\"b\"", "xabcx",
    ])
    func unquoteRefusesMalformedLiterals(literal: String) {
        #expect(GoQuote.unquote(literal.utf8) == nil)
    }

    /// Every quoted string unquotes back to itself; truncating or cutting a quoted literal
    /// anywhere never crashes.
    @Test func quoteRoundTripsAndCutLiteralsAreHandled() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = ["a", "\"", "'", "\\", "\n", "\t", "\u{0}", "\u{7F}", "é", "\u{A0}", "\u{1F600}", "\u{FEFF}", "`"]
        for _ in 0..<500 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                text.append(alphabet.randomElement(using: &generator)!)
            }
            let original = String(text)
            let quoted = GoQuote.quote(original)
            #expect(GoQuote.unquote(quoted.utf8) == original)
            let bytes = Array(quoted.utf8)
            for cut in 0..<bytes.count {
                _ = GoQuote.unquote(bytes[0..<cut])
                _ = GoQuote.unquote(bytes[cut...])
            }
        }
    }
}
