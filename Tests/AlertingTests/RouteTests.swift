import Alerting
import Testing

/// The routing tree: depth-first, first matching child wins unless it has `continue`, settings
/// inherited from parents.
@Suite struct RouteTests {
    static let tree = """
        route:
          receiver: root
          group_by: [alertname]
          group_wait: 1m
          routes:
            - matchers: [team=a]
              receiver: team-a
              group_by: [cluster, alertname]
              repeat_interval: 1h
              routes:
                - matchers: [severity=page]
                  receiver: team-a-pager
                  group_interval: 1m
                - matchers: [severity=~"page|critical"]
                  receiver: team-a-critical
            - matchers: [team=~"a|b"]
              receiver: team-ab
              continue: true
            - matchers: [team=b]
              receiver: team-b
              group_by: ['...']
              mute_time_intervals: [night]
              routes:
                - matchers: [env=dev]
            - matchers: [team=b]
              receiver: team-b-unreachable
        receivers:
          - name: root
          - name: team-a
          - name: team-a-pager
          - name: team-a-critical
          - name: team-ab
          - name: team-b
          - name: team-b-unreachable
        time_intervals: [{name: night, time_intervals: [{times: [{start_time: '00:00', end_time: '06:00'}]}]}]
        """

    static func receivers(_ labels: [String: String]) throws -> [String] {
        try AlertmanagerConfig.parse(tree).routingTree.receivers(for: labels)
    }

    @Test(arguments: [
        ([:], ["root"]),
        (["team": "c"], ["root"]),
        (["team": "a"], ["team-a"]),
        (["team": "a", "severity": "page"], ["team-a-pager"]),
        (["team": "a", "severity": "critical"], ["team-a-critical"]),
        (["team": "b"], ["team-ab", "team-b"]),
        (["team": "b", "env": "dev"], ["team-ab", "team-b"]),
        (["team": "A"], ["root"]),
    ])
    func routes(labels: [String: String], expected: [String]) throws {
        #expect(try Self.receivers(labels) == expected)
    }

    @Test func childrenInheritSettings() throws {
        let root = try AlertmanagerConfig.parse(Self.tree).routingTree
        #expect(root.groupWait == .seconds(60))
        #expect(root.groupInterval == .seconds(300))
        let teamA = root.routes[0]
        #expect(teamA.groupBy == ["alertname", "cluster"])
        #expect(teamA.groupWait == .seconds(60))
        #expect(teamA.repeatInterval == .seconds(3600))
        let pager = teamA.routes[0]
        #expect(pager.groupBy == ["alertname", "cluster"])
        #expect(pager.groupInterval == .seconds(60))
        #expect(pager.repeatInterval == .seconds(3600))
        let teamB = root.routes[2]
        #expect(teamB.groupByAll)
        #expect(teamB.muteTimeIntervals == ["night"])
        let dev = teamB.routes[0]
        #expect(dev.receiver == "team-b")
        #expect(dev.groupByAll)
        // Time intervals apply to the route that names them only.
        #expect(dev.muteTimeIntervals.isEmpty)
    }

    @Test func matchedNodesCarryTheirOptions() throws {
        let root = try AlertmanagerConfig.parse(Self.tree).routingTree
        let matched = root.match(["team": "a", "severity": "page"])
        #expect(matched.count == 1)
        #expect(matched.first?.groupInterval == .seconds(60))
        #expect(root.routes[0].match(["team": "b"]).isEmpty)
    }

    @Test func labelArgumentsMustBeEquality() throws {
        #expect(try RouteTest.labels(from: ["a=b", "c=\"d e\"", "f=g", "a=x"]) == ["a": "x", "c": "d e", "f": "g"])
        #expect(throws: AlertingError.invalidLabelArgument("{f=g,h=i}")) { try RouteTest.labels(from: ["{f=g,h=i}"]) }
        #expect(throws: AlertingError.invalidLabelArgument("a=~b")) { try RouteTest.labels(from: ["a=~b"]) }
        #expect(throws: AlertingError.invalidLabelArgument("a!=b")) { try RouteTest.labels(from: ["a!=b"]) }
        #expect(throws: AlertingError.invalidLabelArgument("nonsense")) { try RouteTest.labels(from: ["nonsense"]) }
        #expect(RouteTest.output(["a", "b"]) == "a,b")
    }
}
