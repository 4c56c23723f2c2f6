import ArgumentParser
import FlowConfig
import FlowEngine
import FlowPlugins
import FlowSteps
import Foundation

extension Flow {
    struct Schema: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the JSON Schema of the workflow format (the source of schemas/workflow.schema.json).")

        @Flag(help: "Print the reference of every kind's options as Markdown instead (the source of docs/kinds.md).")
        var markdown = false

        func run() async throws {
            print(markdown ? Plugins.kindReference : Plugins.jsonSchema.prettyJSON, terminator: "")
        }
    }
}
