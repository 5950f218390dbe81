/// 64-bit FNV-1a, the hash Go's `hash/fnv` gives upstream's target identity and scrape offsets.
enum FNV1a {
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3  // FNV's multiply wraps by definition
        }
        return hash
    }
}
