import Alerting
import ArgumentParser
import Foundation

/// `pharos check alertmanager-config FILE...`: `amtool check-config`, with the same output.
struct CheckAlertmanagerConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alertmanager-config",
        abstract: "Check that alertmanager.yml files are valid."
    )

    @Argument(help: "The alertmanager.yml files to check.")
    var files: [String]

    func run() throws {
        var failed = 0
        for file in files {
            let check = AlertmanagerConfigCheck(file: file)
            print(check.report)
            if !check.succeeded { failed += 1 }
        }
        if failed > 0 {
            FileHandle.standardError.write(Data("pharos: error: failed to validate \(failed) file(s)\n".utf8))
            throw ExitCode.failure
        }
    }
}
