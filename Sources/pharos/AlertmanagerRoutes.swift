import Alerting
import ArgumentParser
import Foundation

/// `pharos alertmanager`: Alertmanager tools, as amtool offers them.
struct AlertmanagerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alertmanager",
        abstract: "Alertmanager configuration tools (like amtool).",
        subcommands: [AlertmanagerRoutes.self]
    )
}

/// `pharos alertmanager routes`.
struct AlertmanagerRoutes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routes",
        abstract: "Inspect the routing tree of an alertmanager.yml.",
        subcommands: [AlertmanagerRoutesTest.self]
    )
}

/// `pharos alertmanager routes test --config.file=F label=value...`: the receivers an alert
/// with these labels goes to, comma-separated, as `amtool config routes test` prints them.
struct AlertmanagerRoutesTest: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Print the receivers an alert with the given labels is routed to."
    )

    @Option(name: .customLong("config.file"), help: "The alertmanager.yml to read.")
    var configFile: String

    @Option(name: .customLong("verify.receivers"), help: "Fail unless the receivers are exactly these (comma-separated).")
    var expectedReceivers: String?

    @Argument(help: "Labels of the alert, as name=value.")
    var labels: [String] = []

    func run() throws {
        let config: AlertmanagerConfig
        do {
            config = try AlertmanagerConfig.load(file: configFile)
        } catch {
            FileHandle.standardError.write(Data("pharos: error: \(AlertmanagerConfigCheck.amtoolMessage(error))\n".utf8))
            throw ExitCode.failure
        }
        let labelSet: [String: String]
        do {
            labelSet = try RouteTest.labels(from: labels)
        } catch {
            FileHandle.standardError.write(Data("pharos: error: Failed to parse labels: \(error)\n".utf8))
            throw ExitCode.failure
        }
        let receivers = RouteTest.output(config.routingTree.receivers(for: labelSet))
        print(receivers)
        if let expectedReceivers, expectedReceivers != receivers {
            print("WARNING: Expected receivers did not match resolved receivers.")
            throw ExitCode.failure
        }
    }
}
