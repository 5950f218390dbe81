import Config
import Foundation
import Model
import Testing

@testable import Discovery

@Suite struct FileProviderTests {
    /// Runs a file provider over `patterns` with a manual clock while `body` drives the files.
    func withProvider(
        _ patterns: [String], clock: ManualClock = ManualClock(), metrics: DiscoveryMetrics = DiscoveryMetrics(),
        _ body: @escaping @Sendable (UpdateReader) async throws -> Void
    ) async throws {
        var config = FileSDConfig()
        config.files = patterns
        let provider = FileProvider(config: config, clock: clock, metrics: metrics)
        let (stream, continuation) = AsyncStream.makeStream(of: [DiscoveredTargetGroup].self)
        try await withThrowingDiscardingTaskGroup { tasks in
            tasks.addTask { try await provider.run(updates: continuation) }
            try await body(UpdateReader(stream))
            tasks.cancelAll()
        }
    }

    @Test func readsJSONAndYAMLGroupsWithFilepathAndSources() async throws {
        let directory = try TemporaryDirectory()
        let json = directory.path("a.json"), yaml = directory.path("b.yml")
        try directory.write(json, #"[{"targets": ["a:1", "a:2"], "labels": {"env": "prod"}}, {"targets": ["a:3"]}]"#)
        try directory.write(yaml, "- targets: ['b:1']\n  labels:\n    team: db\n")
        try await withProvider([directory.path("*.json"), directory.path("*.yml")]) { reader in
            let view = try await reader.waitUntil { $0.groups.count == 3 }
            #expect(
                view.groups[json + ":0"]
                    == DiscoveredTargetGroup(
                        source: json + ":0", targets: [.init(["__address__": "a:1"]), .init(["__address__": "a:2"])],
                        labels: Labels(["env": "prod", "__meta_filepath": json])))
            #expect(view.groups[json + ":1"]?.labels == Labels(["__meta_filepath": json]))
            #expect(view.groups[yaml + ":0"]?.labels == Labels(["team": "db", "__meta_filepath": yaml]))
            #expect(view.addresses == ["a:1", "a:2", "a:3", "b:1"])
        }
    }

    @Test func followsCreateModifyRenameAndDelete() async throws {
        let directory = try TemporaryDirectory()
        let metrics = DiscoveryMetrics()
        try await withProvider([directory.path("*.json")], metrics: metrics) { reader in
            try await reader.waitUntil { $0.groups.isEmpty }

            let first = directory.path("first.json")
            try directory.write(first, #"[{"targets": ["one:1"]}]"#)
            try await reader.waitUntil { $0.addresses == ["one:1"] }

            try directory.write(first, #"[{"targets": ["one:2"]}, {"targets": ["one:3"]}]"#)
            try await reader.waitUntil { $0.addresses == ["one:2", "one:3"] }

            let renamed = directory.path("renamed.json")
            #expect(rename(first, renamed) == 0)
            let afterRename = try await reader.waitUntil { view in
                view.groups.keys.allSatisfy { $0.hasPrefix(renamed) } && view.groups.count == 2
            }
            #expect(afterRename.groups[renamed + ":1"]?.labels["__meta_filepath"] == renamed)

            try directory.write(renamed, #"[{"targets": ["one:2"]}]"#)
            try await reader.waitUntil { $0.addresses == ["one:2"] }

            #expect(unlink(renamed) == 0)
            try await reader.waitUntil { $0.groups.isEmpty }
            _ = metrics  // read errors from half-written files are allowed here
        }
    }

    @Test func malformedFileKeepsItsLastGoodGroupsAndCountsAnError() async throws {
        let directory = try TemporaryDirectory()
        let bad = directory.path("bad.yaml"), other = directory.path("other.yaml")
        try directory.write(bad, "- targets: ['kept:1']\n")
        let metrics = DiscoveryMetrics()
        try await withProvider([directory.path("*.yaml")], metrics: metrics) { reader in
            try await reader.waitUntil { $0.addresses == ["kept:1"] }
            let errorsBefore = metrics.fileReadErrorsTotal
            try directory.writeAtomically(bad, "- targets: ['new:1']\n  unknown_key: 1\n")
            // Every refresh re-reads all files, so once `other` shows up `bad` has been read again.
            try directory.writeAtomically(other, "- targets: ['other:1']\n")
            let view = try await reader.waitUntil { $0.addresses.contains("other:1") }
            #expect(view.addresses == ["kept:1", "other:1"])
            #expect(metrics.fileReadErrorsTotal > errorsBefore)

            try directory.writeAtomically(bad, "- targets: ['fixed:1']\n")
            try await reader.waitUntil { $0.addresses == ["fixed:1", "other:1"] }
        }
    }

    @Test func refreshIntervalFindsFilesInDirectoriesThatCouldNotBeWatched() async throws {
        let directory = try TemporaryDirectory()
        let late = directory.path("late")
        let clock = ManualClock()
        try await withProvider([late + "/*.json"], clock: clock) { reader in
            await clock.waitForSleepers(1)  // first refresh done (nothing there), waiting for the 5m refresh
            #expect(mkdir(late, 0o755) == 0)
            try directory.writeAtomically(late + "/t.json", #"[{"targets": ["late:1"]}]"#)
            clock.advance(by: .seconds(300))
            try await reader.waitUntil { $0.addresses == ["late:1"] }
        }
    }
}
