#if canImport(Glibc)
import Glibc
#endif

/// The wall clock in milliseconds since the epoch (`clock_gettime(CLOCK_REALTIME)`).
package enum WallClock {
    /// Now, in milliseconds since 1970-01-01 UTC.
    package static func milliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
