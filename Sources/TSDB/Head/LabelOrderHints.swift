import Synchronization

/// The label order of series lists the head's querier returned before: rules select the same
/// series every evaluation, and sorting thousands of label sets each time is a visible part of
/// their cost. An order is a hint, checked before it is used (one comparison per neighbouring
/// pair instead of a sort), so a list whose series changed can never come out unsorted.
final class LabelOrderHints: Sendable {
    /// The most lists remembered; all are forgotten when it is reached.
    static let capacity = 256
    /// Lists shorter than this are sorted each time (cheap).
    static let minimumCount = 32

    private let orders = Mutex<[[SeriesRef]: [Int]]>([:])

    /// The order remembered for `refs` (positions into it), if any.
    func order(of refs: [SeriesRef]) -> [Int]? {
        guard refs.count >= Self.minimumCount else { return nil }
        return orders.withLock { $0[refs] }
    }

    /// Remembers `order` for `refs`.
    func remember(_ order: [Int], of refs: [SeriesRef]) {
        guard refs.count >= Self.minimumCount else { return }
        orders.withLock { orders in
            if orders.count >= Self.capacity { orders.removeAll() }
            orders[refs] = order
        }
    }
}
