import Testing
@testable import Exposition

@Suite struct CRC32CTests {
    @Test func matchesTheCastagnoliCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = CRC32C.checksum(data)
        #expect(CRC32C.checksum(data[500...], continuing: CRC32C.checksum(data[..<500])) == whole)
        #expect(CRC32C.checksum(NonContiguousBytes(data)) == whole)
    }

    /// The CPU-instruction path and the table path agree on every length and alignment, and
    /// when continuing from any checksum.
    @Test func hardwareAndTablePathsAgree() {
        var generator = SystemRandomNumberGenerator()
        for length in Array(0..<70) + [511, 4096, 100_003] {
            let bytes = (0..<length + 7).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let start = UInt32.random(in: 0...UInt32.max, using: &generator)
            for offset in 0..<(length < 70 ? 8 : 2) {
                // A slice of the array: its bytes start at `offset`, unaligned for most offsets.
                let slice = bytes[offset..<(offset + length)]
                #expect(CRC32C.checksum(slice, continuing: start) == CRC32C.portableChecksum(Array(slice), continuing: start))
            }
        }
    }
}

/// A collection without contiguous storage, to exercise the copying path.
private struct NonContiguousBytes: Collection {
    let base: [UInt8]
    init(_ base: [UInt8]) { self.base = base }
    var startIndex: Int { base.startIndex }
    var endIndex: Int { base.endIndex }
    subscript(i: Int) -> UInt8 { base[i] }
    func index(after i: Int) -> Int { i + 1 }
}
