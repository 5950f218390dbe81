import Foundation
import Testing
import TSDB

@testable import RemoteWrite

@Suite struct PositionStoreTests {
    @Test func savedPositionsLoadBackAndGarbageIsIgnored() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pharos-rw-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = PositionStore(dataDirectory: root, key: "00ab")
        #expect(store.load() == nil)
        try store.save(WALPosition(segment: 12, offset: 65_536), remote: "test")
        #expect(store.load() == WALPosition(segment: 12, offset: 65_536))
        for garbage in ["", "12", "a b", "-1 5", "1 2 3", "\u{0}\u{FF}", "99999999999999999999999 1"] {
            try garbage.write(toFile: store.directory + "/position", atomically: true, encoding: .utf8)
            #expect(store.load() == nil, "\(garbage.debugDescription)")
        }
        store.remove()
        #expect(!FileManager.default.fileExists(atPath: store.directory))
    }
}
