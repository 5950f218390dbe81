package import Model
import Synchronization

/// A series the remote-write receiver has seen before: its decoded, checked labels, and its
/// reference in the storage (what `SampleAppender.append(ref:labels:timestamp:value:)`
/// returned), tagged with the epoch of the storage it came from (`RemoteWriteLabelsCache.refEpoch(for:)`).
package final class RemoteWriteCachedSeries: Sendable {
    /// The series' labels, `__name__` included.
    package let labels: Labels
    /// `epoch << refBits | ref`, or 0 before any reference is known.
    private let taggedRef = Atomic<UInt64>(0)

    static let refBits: UInt64 = 48
    /// Epochs run from 1 to this and wrap around.
    static let maxEpoch: UInt64 = (1 << (64 - refBits)) - 1

    init(labels: Labels) {
        self.labels = labels
    }

    /// The storage reference recorded under `epoch`, or 0.
    package func ref(epoch: UInt64) -> UInt64 {
        let tagged = taggedRef.load(ordering: .relaxed)
        return tagged >> Self.refBits == epoch ? tagged & ((1 << Self.refBits) - 1) : 0
    }

    /// Records the series' storage reference under `epoch`; references too wide for the tag
    /// are not kept (the series is then found by its labels).
    package func setRef(_ ref: UInt64, epoch: UInt64) {
        guard ref < 1 << Self.refBits, epoch <= Self.maxEpoch else { return }
        taggedRef.store(epoch << Self.refBits | ref, ordering: .relaxed)
    }
}
