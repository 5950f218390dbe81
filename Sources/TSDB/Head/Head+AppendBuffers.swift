import Synchronization

extension Head {
    /// At most this many emptied batches wait in the pool (about one per concurrent writer).
    static let appendBufferPoolLimit = 32
    /// Batches that held more samples than this give their buffers back to the allocator
    /// instead of the pool, so one large backfill does not keep its memory.
    static let pooledBatchSampleLimit = 1 << 16

    /// Buffers for a new appender: an emptied batch from the pool, or new ones. A scrape
    /// makes an appender per scrape, as upstream's `appendPool`, so its buffers need not
    /// grow again every time.
    func takeAppendBuffers() -> (Batch, CommitScratch) {
        appendBufferPool.withLock { $0.popLast() } ?? (Batch(), CommitScratch())
    }

    /// Takes back a finished appender's buffers, if they are empty and not oversized.
    func recycleAppendBuffers(_ batch: Batch, _ scratch: CommitScratch) {
        guard batch.samples.isEmpty, batch.outOfOrderSamples.isEmpty, batch.slots.isEmpty,
              batch.samples.capacity <= Self.pooledBatchSampleLimit,
              batch.outOfOrderSamples.capacity <= Self.pooledBatchSampleLimit,
              scratch.order.capacity <= Self.pooledBatchSampleLimit else { return }
        appendBufferPool.withLock { pool in
            if pool.count < Self.appendBufferPoolLimit { pool.append((batch, scratch)) }
        }
    }
}
