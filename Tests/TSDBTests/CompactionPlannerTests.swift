import Testing

@testable import TSDB

/// `CompactionPlanner` against the cases of upstream's `TestLeveledCompactor_plan`.
@Suite struct CompactionPlannerTests {
    static let planner = CompactionPlanner(ranges: [20, 60, 180, 540, 1620])

    static func meta(_ id: UInt64, _ mint: Int64, _ maxt: Int64) -> BlockMeta {
        BlockMeta(ulid: ULID(milliseconds: id, randomHigh: 0, randomLow: 0), minTime: mint, maxTime: maxt,
                  numSamples: 1, numSeries: 1, numChunks: 1)
    }

    func plan(_ blocks: [BlockMeta]) -> [UInt64] {
        Self.planner.plan(blocks).map(\.ulid.milliseconds)
    }

    @Test func nothingIsDueForFewOrUnfilledBlocks() {
        #expect(plan([]) == [])
        #expect(plan([Self.meta(1, 0, 20)]) == [])
        #expect(plan([Self.meta(1, 0, 20), Self.meta(2, 20, 40)]) == [])
        // The newest block is left out; the two before it lie wholly before it, so they merge.
        #expect(plan([Self.meta(1, 0, 20), Self.meta(2, 20, 40), Self.meta(3, 40, 60)]) == [1, 2])
    }

    @Test func aFilledRangeIsMerged() {
        #expect(plan([Self.meta(1, 0, 20), Self.meta(2, 20, 40), Self.meta(3, 40, 60), Self.meta(4, 60, 80)]) == [1, 2, 3])
        // The next level once three 60-blocks are there.
        #expect(plan([Self.meta(1, 0, 60), Self.meta(2, 60, 120), Self.meta(3, 120, 180), Self.meta(4, 180, 200)]) == [1, 2, 3])
        // Gaps are fine when the window is covered from its start to its end.
        #expect(plan([Self.meta(1, 0, 20), Self.meta(3, 40, 60), Self.meta(4, 60, 80)]) == [1, 3])
    }

    @Test func overlappingBlocksComeFirst() {
        #expect(plan([Self.meta(1, 0, 20), Self.meta(2, 19, 40), Self.meta(3, 40, 60)]) == [1, 2])
        #expect(plan([Self.meta(1, 0, 20), Self.meta(2, 20, 40), Self.meta(3, 30, 50), Self.meta(4, 45, 60),
                      Self.meta(5, 60, 80)]) == [2, 3, 4])
    }

    @Test func splitByRangeSkipsBlocksWiderThanTheirWindow() {
        let groups = CompactionPlanner.split([Self.meta(1, 0, 20), Self.meta(2, 20, 70), Self.meta(3, 70, 80)], by: 60)
        #expect(groups.map { $0.map(\.ulid.milliseconds) } == [[1], [3]])
    }
}
