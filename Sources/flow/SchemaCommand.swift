import ArgumentParser
import FlowConfig
import FlowEngine
import FlowSteps
import Foundation

extension Flow {
    struct Schema: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the JSON Schema of the workflow format (the source of schemas/workflow.schema.json).")

        func run() async throws {
            print(WorkflowJSONSchema.document(kinds: Catalog.registry.descriptions).prettyJSON, terminator: "")
        }
    }
}
