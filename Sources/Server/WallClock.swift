import Foundation

/// The wall clock in milliseconds since the epoch.
package enum WallClock {
    /// Now, in milliseconds since 1970-01-01 UTC.
    package static func milliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}
