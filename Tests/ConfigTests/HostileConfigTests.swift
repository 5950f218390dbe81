import Config
import Testing
import PharosTestSupport

/// Configs cut short, mutated and made of noise: every one is either a config or a `ConfigError`,
/// never a trap.
@Suite struct HostileConfigTests {
    @Test func everyTruncationIsAConfigOrAnError() {
        let bytes = Array(Fixtures.full.utf8)
        var parsed = 0
        for length in stride(from: 0, through: bytes.count, by: 7) {
            let text = String(decoding: bytes[..<length], as: UTF8.self)
            if (try? PrometheusConfig.parse(text, environment: [:])) != nil { parsed += 1 }
        }
        // The empty prefix parses to the defaults and the whole text parses; many cuts in between fail.
        #expect(parsed >= 2)
    }

    @Test func mutatedConfigsAreConfigsOrErrors() {
        var generator = SeededGenerator(seed: 2026)
        let original = Array(Fixtures.full.utf8)
        let noise: [UInt8] = Array(":-[]{}#&*!|>'\"%@`,? \n\t0aZ\u{00}".utf8) + [0xFF, 0xC3]
        var refused = 0
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<Int(generator.next() % 6 + 1) {
                let index = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[index] = noise[Int(generator.next() % UInt64(noise.count))]
                case 1: bytes.remove(at: index)
                default: bytes.insert(noise[Int(generator.next() % UInt64(noise.count))], at: index)
                }
            }
            do {
                _ = try PrometheusConfig.parse(String(decoding: bytes, as: UTF8.self), environment: [:])
            } catch {
                refused += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(refused > 0)
    }

    @Test(arguments: [
        "\u{00}", "{", "[", "*a", "&a [*a]", "!!binary x", "%YAML 9.9\n---\n", "global: &g\n  <<: *g\n",
        "scrape_configs: {}", "scrape_configs: x", "scrape_configs:\n  - [1, 2]\n", "global:\n  external_labels: [a]\n",
        "global:\n  sample_limit: -1\n", "global:\n  sample_limit: 99999999999999999999999\n",
        "global:\n  scrape_interval: 99999999y\n", "global:\n  body_size_limit: 9999999999EB\n",
        "remote_write:\n  - url: http://x\n    queue_config: {capacity: 0}\n", "---\n---\n",
        String(repeating: "[", count: 5_000), String(repeating: "- ", count: 2_000) + "x",
    ])
    func noiseIsRefusedOrParsed(text: String) {
        do {
            _ = try PrometheusConfig.parse(text, environment: [:])
        } catch {
            #expect(!error.description.isEmpty)
        }
    }
}

