import ArgumentParser
import EventData
import FlowConfig
import FlowEngine
import FlowSteps
import Foundation
import LHEF
import ROOTIO

extension Flow {
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarise a dataset: events, Σw ± √Σw², negative fractions, Kish N_eff, and each column.",
            discussion: """
                Give a data file (.csv, .npy, .npz), a ROOT file (its trees, each branch's type and bytes, like \
                rootls -t; with --weight, that branch's weight summary), a Les Houches file (.lhe, .lhe.gz: its \
                processes, events, named weights and the summary of XWGTUP or of the named weight --weight), or a \
                workflow and one of its steps.
                """)

        @Argument(help: "A data file, or a workflow file followed by a step name.")
        var target: String

        @Argument(help: "The step, when the first argument is a workflow.")
        var step: String?

        @Option(help: "For a ROOT file: the branch holding the event weights, summarised per tree; for an LHE file: a named weight's id (default XWGTUP).")
        var weight: String?

        func run() async throws {
            if step == nil && target.lowercased().hasSuffix(".root") {
                do {
                    print(try Self.renderROOT(ROOTFile(path: target), weight: weight))
                } catch let error as ROOTError {
                    printError("flow: \(error)")
                    throw ExitCode(1)
                }
                return
            }
            let lower = target.lowercased()
            if step == nil && (lower.hasSuffix(".lhe") || lower.hasSuffix(".lhe.gz")) {
                do {
                    let file = try LHEFile(path: target, reading: .namedWeights)
                    print(try Self.renderLHE(file, weight: weight))
                } catch let error as LHEFError {
                    printError("flow: \(error)")
                    throw ExitCode(1)
                }
                return
            }
            guard weight == nil else { throw ValidationError("--weight is for ROOT and LHE files; a table's weights are its 'weight' column") }
            let path = try resolve()
            let table: EventTable
            do {
                table = try DataFiles.read(path)
            } catch let error as DataError {
                printError("flow: \(error)")
                throw ExitCode(1)
            }
            print(Self.render(table, title: step ?? target))
        }

        private func resolve() throws -> String {
            guard let step else { return target }
            let workflow = try WorkflowOptions.parse([target]).load()
            guard let status = workflow.status().first(where: { $0.step.name == step }) else {
                throw ValidationError("no step named '\(step)' in \(target)\(suggestion(for: step, among: workflow.workflow.steps.map(\.name)))")
            }
            guard let record = status.record else {
                throw ValidationError("'\(step)' is not up to date (\(status.reasons.joined(separator: "; "))): run it first")
            }
            guard let output = record.outputs["events"] ?? record.outputs.values.first else {
                throw ValidationError("'\(step)' has no outputs")
            }
            return workflow.store.objectPath(output.digest)
        }

        /// Each tree with its entries and branches; with a weight branch, its summary under each tree that has it.
        static func renderROOT(_ file: ROOTFile, weight: String?) throws -> String {
            let names = file.treeNames
            var lines = ["\(file.path): \(names.count) tree\(names.count == 1 ? "" : "s")"]
            if let weight, try !names.contains(where: { try file.tree($0).hasColumn(weight) }) {
                throw ROOTError.io(file: file.path, reason: "no tree has a branch '\(weight)' (trees: \(names.joined(separator: ", ")))")
            }
            for name in names {
                let tree = try file.tree(name)
                let listing = tree.listing
                lines.append("\(name): \(tree.entries) entries, \(listing.count) branches")
                if let weight, tree.hasColumn(weight) {
                    guard case .flat(let weights) = try tree.read(weight) else {
                        throw ROOTError.io(file: file.path, reason: "branch '\(weight)' of \(name) holds several values per entry, not one weight")
                    }
                    lines += weightLines(WeightSummary(weights))
                }
                let nameWidth = max(6, listing.map(\.name.count).max() ?? 0)
                let typeWidth = max(4, listing.map(\.type.count).max() ?? 0)
                lines.append("  " + "branch".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                             + "type".padding(toLength: typeWidth, withPad: " ", startingAt: 0) + "    compressed  uncompressed")
                for b in listing {
                    lines.append("  " + b.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                                 + b.type.padding(toLength: typeWidth, withPad: " ", startingAt: 0)
                                 + [b.compressedBytes, b.uncompressedBytes].map { ($0.map(String.init) ?? "–").leftPadded(to: 14) }.joined())
                }
            }
            return lines.joined(separator: "\n")
        }

        /// The processes of `<init>` with their events in the file, the named weights, and the summary of
        /// XWGTUP or of one named weight.
        static func renderLHE(_ file: LHEFile, weight: String?) throws -> String {
            var lines = ["\(file.path): \(file.events.count) events, \(file.processes.count) process\(file.processes.count == 1 ? "" : "es")"]
            var perProcess: [Int: Int] = [:]
            for e in file.events { perProcess[e.processID, default: 0] += 1 }
            lines.append("  process  events        XSECUP        XERRUP        XMAXUP")
            for p in file.processes {
                lines.append(String(format: "  %7d %7d %13.6g %13.6g %13.6g", p.id, perProcess[p.id] ?? 0, p.crossSection, p.error, p.maximumWeight))
            }
            let ids = file.weightIDs.isEmpty ? file.declaredWeightIDs : file.weightIDs
            if !ids.isEmpty {
                lines.append("  named weights (\(ids.count)): " + ids.prefix(12).joined(separator: ", ") + (ids.count > 12 ? ", …" : ""))
            }
            if let weight {
                guard let named = file.namedWeight(weight) else {
                    throw LHEFError(file: file.path, message: "no named weight '\(weight)'" + (ids.isEmpty ? " (the file has none)" : " (it has: \(ids.prefix(12).joined(separator: ", "))\(ids.count > 12 ? ", …" : ""))"))
                }
                if let missing = named.firstMissing {
                    throw LHEFError(file: file.path, message: "event \(missing) has no weight '\(weight)'")
                }
                lines.append("  weight '\(weight)':")
                lines += weightLines(WeightSummary(named.values))
            } else {
                lines.append("  XWGTUP:")
                lines += weightLines(WeightSummary(file.events.map(\.weight)))
            }
            return lines.joined(separator: "\n")
        }

        static func weightLines(_ s: WeightSummary) -> [String] {
            [String(format: "  Σw = %.6g ± %.3g", s.sum, s.sumError),
             String(format: "  negative weights: f = %.4f of events, r₋ = Σ|w₋|/Σ|w| = %.4f", s.negativeFraction, s.negativeWeightFraction),
             String(format: "  Kish N_eff = (Σw)²/Σw² = %.1f (%.4f of N)", s.effectiveEvents, s.effectiveEvents / Double(max(1, s.events)))]
        }

        static func render(_ table: EventTable, title: String) -> String {
            var lines = ["\(title): \(table.rowCount) events, \(table.columnCount) columns"]
            if let weights = table[EventTable.weightColumn] {
                lines += weightLines(WeightSummary(weights))
            } else {
                lines.append("  (no 'weight' column)")
            }
            let width = max(6, table.names.map(\.count).max() ?? 0)
            lines.append("  " + "column".padding(toLength: width, withPad: " ", startingAt: 0)
                         + "          min          mean           max   weighted mean")
            for c in ColumnSummary.of(table) {
                let weighted = c.weightedMean.map { String(format: "%14.6g", $0) } ?? ""
                lines.append("  " + c.name.padding(toLength: width, withPad: " ", startingAt: 0)
                             + String(format: " %13.6g %13.6g %13.6g", c.min, c.mean, c.max) + " " + weighted)
            }
            return lines.joined(separator: "\n")
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
