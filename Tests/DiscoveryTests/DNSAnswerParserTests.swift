import Testing

@testable import Discovery
import PharosTestSupport

@Suite struct DNSAnswerParserTests {
    /// A DNS response for `_x._tcp.t.` SRV with one answer `0 10 8080 web.t.`.
    static let srvAnswer: [UInt8] = {
        var bytes: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]
        let name: [UInt8] = [2, 0x5F, 0x78, 4, 0x5F, 0x74, 0x63, 0x70, 1, 0x74, 0]
        bytes += name + [0, 33, 0, 1]  // question
        bytes += [0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 60]  // answer: pointer to the question name, SRV, IN, TTL
        let rdata: [UInt8] = [0, 0, 0, 10, 0x1F, 0x90, 3, 0x77, 0x65, 0x62, 1, 0x74, 0]
        bytes += [0, UInt8(rdata.count)] + rdata
        return bytes
    }()

    @Test func parsesSRVAnswer() throws {
        #expect(try DNSAnswerParser.records(Self.srvAnswer, type: .srv) == [.srv(target: "web.t", port: 8080)])
    }

    @Test func truncatedAnswersAreErrors() {
        for length in 1..<Self.srvAnswer.count {
            #expect(throws: DNSAnswerParser.ParseError.self, "length \(length)") {
                try DNSAnswerParser.records(Array(Self.srvAnswer.prefix(length)), type: .srv)
            }
        }
    }

    /// Mutated and random answers from the network: records or an error, never a crash.
    @Test(arguments: [DNSQueryType.srv, .a, .aaaa, .mx, .ns])
    func hostileAnswersNeverCrash(type: DNSQueryType) {
        var generator = SeededGenerator(seed: UInt64(type.rawValue))
        var parsed = 0
        for _ in 0..<500 {
            var mutated = Self.srvAnswer
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if (try? DNSAnswerParser.records(mutated, type: type)) != nil { parsed += 1 }
            let random = (0..<Int.random(in: 0...80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? DNSAnswerParser.records(random, type: type)
        }
        #expect(parsed > 0, "mutations of the ID or TTL leave a valid answer")
    }
}
