internal import Model
/// A label set's fingerprint as Alertmanager computes it (`model.LabelSet.Fingerprint`): 64-bit
/// FNV-1a over the labels in byte order of their names, each as `name 0xFF value 0xFF`.
/// Printed as 16 hex digits, as the API and webhooks show it.
package struct Fingerprint: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The hash.
    package var value: UInt64

    /// The fingerprint of `labels`.
    package init(_ labels: [String: String]) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ bytes: String.UTF8View) {
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3  // FNV's multiply wraps by definition
            }
        }
        for name in labels.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            add(name.utf8)
            hash ^= 0xFF
            hash = hash &* 0x0000_0100_0000_01B3
            add((labels[name] ?? "").utf8)
            hash ^= 0xFF
            hash = hash &* 0x0000_0100_0000_01B3
        }
        value = hash
    }

    /// A fingerprint of the given value.
    package init(value: UInt64) {
        self.value = value
    }

    /// Parses 16 hex digits (or fewer), as printed.
    package init?(hex: String) {
        guard let value = UInt64(hex, radix: 16) else { return nil }
        self.value = value
    }

    /// `%016x`.
    package var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    package static func < (lhs: Fingerprint, rhs: Fingerprint) -> Bool { lhs.value < rhs.value }
}
