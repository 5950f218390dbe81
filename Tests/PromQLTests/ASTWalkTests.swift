import Model
import Testing
@testable import PromQL

/// `Expr.walk` and `selectorMatchers`, as upstream's `Inspect` and `TestExtractSelectors`.
@Suite struct ASTWalkTests {
    @Test(arguments: [
        ("foo", [[#"__name__="foo""#]]),
        (#"foo{bar="baz"}"#, [[#"bar="baz""#, #"__name__="foo""#]]),
        (#"foo{bar="baz"} / flip{flop="flap"}"#, [[#"bar="baz""#, #"__name__="foo""#], [#"flop="flap""#, #"__name__="flip""#]]),
        (#"rate(foo[5m])"#, [[#"__name__="foo""#]]),
        (#"vector(time())"#, []),
    ])
    func extractsSelectorsLikeUpstream(query: String, expected: [[String]]) throws {
        let expr = try PromQLParser.parse(query)
        #expect(expr.selectorMatchers.map { $0.map(\.description) } == expected)
    }

    @Test func visitsParentsBeforeChildrenWithTheirPath() throws {
        let expr = try PromQLParser.parse("sum(rate(foo[5m])) + 1")
        var seen: [(String, Int)] = []
        expr.walk { node, path in
            seen.append((String(describing: node), path.count))
            return true
        }
        #expect(seen.map(\.0) == ["sum(rate(foo[5m])) + 1", "sum(rate(foo[5m]))", "rate(foo[5m])", "foo[5m]", "foo", "1"])
        #expect(seen.map(\.1) == [0, 1, 2, 3, 4, 1])
    }

    @Test func skipsChildrenWhenAsked() throws {
        let expr = try PromQLParser.parse("sum(rate(foo[5m])) + bar")
        var visited = 0
        expr.walk { node, _ in
            visited += 1
            if case .aggregate = node { return false }
            return true
        }
        #expect(visited == 3)
    }
}
