import ArgumentParser
import FlowConfig
import FlowEngine
import FlowSteps
import Foundation

extension Flow {
    struct DAG: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dag", abstract: "Print the workflow's step graph.")

        enum Format: String, ExpressibleByArgument, CaseIterable { case dot, mermaid, text }

        @OptionGroup var options: WorkflowOptions

        @Option(help: "dot (Graphviz), mermaid or text.")
        var format: Format = .dot

        func run() async throws {
            let workflow = try options.load().workflow
            switch format {
            case .dot:
                print("digraph \"\(workflow.name)\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];")
                for step in workflow.steps {
                    let shape = step.section == .datasets ? ", shape=cylinder" : ""
                    print("  \(quote(step.name)) [label=\(quote("\(step.name)\\n\(step.kind)"))\(shape)];")
                }
                for step in workflow.steps {
                    for dependency in step.dependencies { print("  \(quote(dependency)) -> \(quote(step.name));") }
                }
                print("}")
            case .mermaid:
                let ids = Dictionary(workflow.steps.enumerated().map { ($0.element.name, "s\($0.offset)") }, uniquingKeysWith: { a, _ in a })
                print("flowchart LR")
                for step in workflow.steps { print("  \(ids[step.name]!)[\"\(step.name)<br/>\(step.kind)\"]") }
                for step in workflow.steps {
                    for dependency in step.dependencies { print("  \(ids[dependency]!) --> \(ids[step.name]!)") }
                }
            case .text:
                for step in workflow.steps {
                    let from = step.dependencies.isEmpty ? "" : "  ← " + step.dependencies.joined(separator: ", ")
                    print("\(step.name) (\(step.kind))\(from)")
                }
            }
        }

        private func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
    }
}
