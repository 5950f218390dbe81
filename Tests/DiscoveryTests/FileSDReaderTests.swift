import Config
import Foundation
import Model
import Testing

@testable import Discovery
import PharosTestSupport

@Suite struct FileSDReaderTests {
    static let validJSON = #"[{"targets": ["a:1", "b:2"], "labels": {"env": "prod", "team": "db"}}, {"targets": [], "labels": null}, {"labels": {"x": "y"}}]"#
    static let validYAML = "- targets: ['a:1', 'b:2']\n  labels:\n    env: prod\n    team: db\n- targets: []\n- labels: {x: y}\n  targets:\n"

    func read(_ text: String, as name: String) throws(DiscoveryError) -> [DiscoveredTargetGroup] {
        let directory: TemporaryDirectory
        do { directory = try TemporaryDirectory() } catch { throw .setupFailed("temporary directory") }
        let path = directory.path(name)
        do { try directory.write(path, text) } catch { throw .setupFailed("write") }
        return try FileSDReader.read(path)
    }

    @Test(arguments: [("t.json", validJSON), ("t.yaml", validYAML)])
    func jsonAndYAMLDecodeAlike(name: String, text: String) throws {
        let groups = try read(text, as: name)
        #expect(groups.map(\.targets.count) == [2, 0, 0])
        #expect(groups[0].targets == [.init(["__address__": "a:1"]), .init(["__address__": "b:2"])])
        #expect(groups[0].labels["env"] == "prod")
        #expect(groups[2].labels["x"] == "y")
        #expect(groups.allSatisfy { $0.labels["__meta_filepath"]?.hasSuffix(name) == true })
        #expect(groups.map(\.source).allSatisfy { $0.hasSuffix(name + ":0") || $0.hasSuffix(name + ":1") || $0.hasSuffix(name + ":2") })
    }

    @Test(arguments: [
        ("t.json", ""), ("t.json", "{}"), ("t.json", "[null]"), ("t.json", #"[{"targets": "a:1"}]"#),
        ("t.json", #"[{"targets": [1]}]"#), ("t.json", #"[{"labels": {"a": 1}}]"#), ("t.json", #"[{"labels": {"": "x"}}]"#),
        ("t.json", "[{"), ("t.yml", "- targets: [a:1\n"), ("t.yml", "- targets: ['a:1']\n  bogus: 1\n"),
        ("t.yml", "targets: ['a:1']\n"), ("t.yml", "- labels: {'': x}\n"),
    ])
    func malformedFilesAreErrorsNamingTheFile(name: String, text: String) {
        #expect {
            try read(text, as: name)
        } throws: { error in
            guard case .malformedFile(let path, _) = error as? DiscoveryError else { return false }
            return path.hasSuffix(name)
        }
    }

    @Test func emptyYAMLFileHasNoGroups() throws {
        #expect(try read("", as: "t.yaml").isEmpty)
    }

    /// Truncated and byte-mutated files (fixed seed) are a result or an error, never a crash.
    @Test(arguments: ["t.json", "t.yaml"])
    func truncatedAndMutatedFilesNeverCrash(name: String) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path(name)
        let original = Array((name.hasSuffix("json") ? Self.validJSON : Self.validYAML).utf8)
        var generator = SeededGenerator(seed: 42)
        var inputs: [[UInt8]] = (0...original.count).map { Array(original.prefix($0)) }
        for _ in 0..<300 {
            var mutated = original
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            inputs.append(mutated)
        }
        for _ in 0..<100 {
            inputs.append((0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        var decoded = 0
        for input in inputs {
            try Data(input).write(to: URL(fileURLWithPath: path))
            if (try? FileSDReader.read(path)) != nil { decoded += 1 }
        }
        #expect(decoded > 0, "the untouched prefixes include the whole file")
    }

    @Test func refreshSendsOnlyChangesAndRemovesVanishedGroups() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("t.json")
        try directory.write(path, #"[{"targets": ["a:1"]}, {"targets": ["b:1"]}]"#)
        var reader = FileSDReader(patterns: [directory.path("*.json")])
        #expect(reader.refresh().changed.map(\.source) == [path + ":0", path + ":1"])
        #expect(reader.refresh().changed.isEmpty, "nothing changed")
        try directory.write(path, #"[{"targets": ["a:1"]}]"#)
        let shrunk = reader.refresh()
        #expect(shrunk.changed == [DiscoveredTargetGroup(source: path + ":1")])
        try directory.write(path, "[")
        let broken = reader.refresh()
        #expect(broken.changed.isEmpty && broken.errors.count == 1, "a malformed file keeps its groups")
        #expect(unlink(path) == 0)
        #expect(reader.refresh().changed == [DiscoveredTargetGroup(source: path + ":0")])
    }
}
