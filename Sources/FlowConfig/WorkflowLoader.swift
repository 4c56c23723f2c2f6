import Foundation
import YAMLNode

/// Reads and validates a workflow file against the step kinds flow knows.
///
/// Every problem is collected before anything is reported, so one `flow validate` lists them all.
public struct WorkflowLoader: Sendable {
    public var kinds: [KindDescription]
    /// The executors an `executor:` block may name (this machine, unless the program links others).
    public var executors: [ExecutorDescription]

    public init(kinds: [KindDescription], executors: [ExecutorDescription] = [ExecutorSchema.local]) {
        self.kinds = kinds
        self.executors = executors
    }

    static let topLevelKeys = ["flow", "name", "params", "datasets", "features", "executor", "steps"]
    static let stepOptions = ["matrix", "retries"]

    /// Warnings are errors (`--strict`).
    public var strict = false

    /// Matrix points one step may unroll to; `FLOW_MAX_MATRIX_POINTS` raises or lowers it.
    public var maxMatrixPoints = ProcessInfo.processInfo.environment["FLOW_MAX_MATRIX_POINTS"].flatMap(Int.init) ?? 10_000

    static func isPlainName(_ name: String) -> Bool {
        name.range(of: #"^[A-Za-z0-9][A-Za-z0-9_.-]*$"#, options: .regularExpression) != nil && name.count <= 200
    }
    public static let maxRetries = 100

    /// Loads `path`; `overrides` replace parameter values (`--param events=1000`).
    public func load(path: String, overrides: [(String, String)] = []) throws -> Workflow {
        let root: Node
        do {
            root = try YAMLParser.parse(fileAt: path)
        } catch let error as YAMLError {
            throw ValidationFailed([Diagnostic(error)])
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.path
        return try decode(root, file: path, directory: directory, overrides: overrides)
    }

    public func decode(_ root: Node, file: String, directory: String, overrides: [(String, String)] = []) throws -> Workflow {
        var diagnostics: [Diagnostic] = []
        func fail(_ node: Node, _ message: String) { diagnostics.append(Diagnostic(node.mark, message)) }

        guard let pairs = root.mapping else {
            throw ValidationFailed([Diagnostic(root.mark, "a workflow is a mapping with the keys flow, name, params, datasets, features and steps")])
        }
        var sections: [String: Node] = [:]
        for pair in pairs {
            guard let key = pair.key.scalar?.text else { fail(pair.key, "keys must be strings"); continue }
            if !Self.topLevelKeys.contains(key) {
                fail(pair.key, "unknown key '\(key)'\(suggestion(for: key, among: Self.topLevelKeys))")
            } else if sections[key] != nil {
                fail(pair.key, "duplicate key '\(key)'")
            } else {
                sections[key] = pair.value
            }
        }

        if let version = sections["flow"] {
            if case .int(1)? = version.scalar?.resolved {} else {
                fail(version, "unsupported workflow format '\(version.scalar?.text ?? version.kindDescription)': this flow reads 'flow: 1'")
            }
        } else {
            fail(root, "missing required key 'flow' (write 'flow: 1' at the top)")
        }
        if sections["steps"] == nil && sections["datasets"] == nil {
            fail(root, "missing required key 'steps'")
        }

        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var nameMark = root.mark
        if let node = sections["name"] {
            nameMark = node.mark
            if case .string(let s)? = node.scalar?.resolved { name = s } else { fail(node, "expected a string, found \(node.kindDescription)") }
        }
        // The name is a directory under results/: one path component, nothing that climbs out.
        if !Self.isPlainName(name) {
            diagnostics.append(Diagnostic(nameMark, "'\(name)' cannot name a workflow (it names the directory results/<name>): use letters, digits, '_', '-' and '.', starting with a letter or digit\(sections["name"] == nil ? "; set `name:`" : "")"))
        }

        let params = decodeParams(sections["params"], overrides: overrides, diagnostics: &diagnostics)
        var features: [String] = []
        if let node = sections["features"] {
            var validator = SchemaValidator()
            if case .array(let items)? = validator.value(of: node, as: .list(.string()), at: "features") {
                features = items.compactMap(\.string)
            }
            diagnostics += validator.diagnostics
        }

        var executor: Value?
        if let node = sections["executor"] {
            var validator = SchemaValidator()
            executor = validator.value(of: node, as: ExecutorSchema.schema(executors), at: "executor")
            diagnostics += validator.diagnostics
            diagnostics += unknownKindKeys(in: node)
        }

        var declared: [DeclaredStep] = []
        var seenNames: [String: Mark] = [:]
        for section in [Section.datasets, .steps] {
            guard let node = sections[section.rawValue] else { continue }
            guard let entries = node.mapping else {
                fail(node, "expected a mapping of names to \(section.rawValue), found \(node.kindDescription)")
                continue
            }
            for entry in entries {
                guard let stepName = entry.key.scalar?.text else { fail(entry.key, "names must be strings"); continue }
                if let first = seenNames[stepName] {
                    fail(entry.key, "duplicate name '\(stepName)' (first defined at \(first))")
                    continue
                }
                seenNames[stepName] = entry.key.mark
                if stepName.range(of: #"^[A-Za-z_][A-Za-z0-9_.-]*$"#, options: .regularExpression) == nil {
                    fail(entry.key, "'\(stepName)' is not a valid name: use letters, digits, '_', '-' and '.', starting with a letter")
                    continue
                }
                if let step = declareStep(stepName, entry.key, entry.value, section: section, params: params, diagnostics: &diagnostics) {
                    declared.append(step)
                }
            }
        }

        var steps = resolveReferences(declared, diagnostics: &diagnostics)
        checkFiles(&steps, directory: directory, diagnostics: &diagnostics)
        diagnostics += kindChecks(declared)
        Self.applyWorkflowDefaults(&steps, features: features, kinds: kinds)
        if strict { diagnostics = diagnostics.map { var d = $0; if d.severity == .warning { d.severity = .error }; return d } }
        if !diagnostics.contains(where: { $0.severity == .error }) { diagnostics += findCycles(steps) }
        guard !diagnostics.contains(where: { $0.severity == .error }) else { throw ValidationFailed(diagnostics) }
        var workflow = Workflow(file: file, directory: directory, name: name, params: params, features: features, executor: executor, steps: steps)
        workflow.warnings = ValidationFailed(diagnostics).diagnostics
        return workflow
    }

    // MARK: - params

    private func decodeParams(_ node: Node?, overrides: [(String, String)], diagnostics: inout [Diagnostic]) -> [(String, Value)] {
        var params: [(String, Value)] = []
        if let node {
            var validator = SchemaValidator()
            if case .object(let pairs)? = validator.value(of: node, as: .dictionary(.either([.scalar, .list(.scalar)])), at: "params") {
                params = pairs
            }
            diagnostics += validator.diagnostics
        }
        for (key, text) in overrides {
            guard let index = params.firstIndex(where: { $0.0 == key }) else {
                let mark = node?.mark ?? Mark(file: "--param", line: 1, column: 1)
                diagnostics.append(Diagnostic(mark, "--param \(key): the workflow has no parameter '\(key)'\(suggestion(for: key, among: params.map(\.0)))"))
                continue
            }
            let parsed = (try? YAMLParser.parse(text, file: "--param \(key)")).flatMap { $0.scalar?.resolved }
            params[index].1 = parsed.map(Value.init) ?? .string(text)
        }
        return params
    }

    // MARK: - steps and matrices

    /// A step as written, its matrix unrolled into one entry per point.
    struct DeclaredStep {
        var family: String
        var kind: String
        var section: Section
        var mark: Mark
        var retries: Int
        var instances: [(bindings: [(String, Value)], config: Value, references: [ReferenceSite], files: [FileSite])]
        /// The first point's configuration node, for the kind's own checks and their positions.
        var node: Node?
    }

    private func declareStep(_ name: String, _ keyNode: Node, _ node: Node, section: Section, params: [(String, Value)],
                             diagnostics: inout [Diagnostic]) -> DeclaredStep? {
        guard let pairs = node.mapping else {
            diagnostics.append(Diagnostic(node.mark, "expected a mapping with a step kind (\(kindNames(section).joined(separator: ", "))), found \(node.kindDescription)"))
            return nil
        }
        let sectionKinds = kindNames(section)
        var kindPair: (String, Node)?
        var options: [String: Node] = [:]
        var valid = true
        for pair in pairs {
            guard let key = pair.key.scalar?.text else { continue }
            if sectionKinds.contains(key) {
                if let first = kindPair {
                    diagnostics.append(Diagnostic(pair.key.mark, "a \(section == .datasets ? "dataset" : "step") has one kind, but '\(name)' names both '\(first.0)' and '\(key)'"))
                    valid = false
                }
                kindPair = (key, pair.value)
            } else if Self.stepOptions.contains(key) {
                options[key] = pair.value
            } else {
                let other = kinds.first { $0.name == key }
                let hint = other.map { _ in " ('\(key)' belongs under \(section == .datasets ? "steps" : "datasets"))" }
                    ?? suggestion(for: key, among: sectionKinds + Self.stepOptions)
                diagnostics.append(Diagnostic(pair.key.mark, "unknown key '\(key)' in '\(name)'\(hint)"))
                valid = false
            }
        }
        guard let (kind, configNode) = kindPair else {
            if valid {
                diagnostics.append(Diagnostic(keyNode.mark, "'\(name)' names no kind: add one of \(sectionKinds.joined(separator: ", "))"))
            }
            return nil
        }
        let schema = kinds.first { $0.name == kind }!.schema

        var paramScope: [String: Value] = [:]
        for (key, value) in params { paramScope["params.\(key)"] = value }
        let description = kinds.first { $0.name == kind }!
        var interpolator = Interpolator(scope: paramScope, namespaces: ["params"], deferred: ["matrix"])
        interpolator.shellKeys = description.shellKeys
        let withParams = interpolator.apply(configNode)

        var retries = 0
        if let node = options["retries"] {
            var validator = SchemaValidator()
            retries = validator.value(of: interpolator.apply(node), as: .integer(minimum: 0, maximum: Self.maxRetries), at: "retries")?.int ?? 0
            diagnostics += validator.diagnostics
        }
        let points = matrixPoints(options["matrix"].map { interpolator.apply($0) }, diagnostics: &diagnostics)
        diagnostics += interpolator.diagnostics
        guard valid, let points else { return nil }

        var declared = DeclaredStep(family: name, kind: kind, section: section, mark: keyNode.mark, retries: retries, instances: [])
        for (index, bindings) in points.enumerated() {
            var scope: [String: Value] = [:]
            for (key, value) in bindings { scope["matrix.\(key)"] = value }
            var matrixInterpolator = Interpolator(scope: scope, namespaces: ["matrix"], deferred: ["params"])
            matrixInterpolator.shellKeys = description.shellKeys
            let concrete = matrixInterpolator.apply(withParams)
            var validator = SchemaValidator()
            let config = validator.value(of: concrete, as: schema, at: "")
            // Matrix points share their source: report a problem once, not once per point.
            if index == 0 { diagnostics += matrixInterpolator.diagnostics + validator.diagnostics }
            guard let config, matrixInterpolator.diagnostics.isEmpty, validator.diagnostics.isEmpty else { return nil }
            if index == 0 { declared.node = concrete }
            declared.instances.append((bindings, config, validator.references, validator.files))
        }
        return declared
    }

    private func matrixPoints(_ node: Node?, diagnostics: inout [Diagnostic]) -> [[(String, Value)]]? {
        guard let node else { return [[]] }
        var validator = SchemaValidator()
        let value = validator.value(of: node, as: .dictionary(.list(.scalar, minItems: 1)), at: "matrix")
        diagnostics += validator.diagnostics
        guard case .object(let axes)? = value else { return nil }
        if axes.isEmpty {
            diagnostics.append(Diagnostic(node.mark, "a matrix needs at least one key with a list of values"))
            return nil
        }
        var count = 1
        for (_, values) in axes {
            let (product, overflow) = count.multipliedReportingOverflow(by: values.array?.count ?? 1)
            count = overflow ? Int.max : product
        }
        if count > maxMatrixPoints {
            diagnostics.append(Diagnostic(node.mark, "this matrix has \(count == Int.max ? "more than \(Int.max)" : "\(count)") points, more than the limit of \(maxMatrixPoints) (set FLOW_MAX_MATRIX_POINTS to raise it)"))
            return nil
        }
        var points: [[(String, Value)]] = [[]]
        for (key, values) in axes {
            guard case .array(let items) = values else { continue }
            points = points.flatMap { point in items.map { point + [(key, $0)] } }
        }
        return points
    }

    private func kindNames(_ section: Section) -> [String] {
        kinds.filter { $0.section == section }.map(\.name)
    }

    // MARK: - references

    private func resolveReferences(_ declared: [DeclaredStep], diagnostics: inout [Diagnostic]) -> [Step] {
        let families = Dictionary(declared.map { ($0.family, $0) }, uniquingKeysWith: { first, _ in first })
        let concreteNames = declared.flatMap { step in step.instances.map { matrixStepName(step.family, $0.bindings) } }
        var steps: [Step] = []
        for step in declared {
            for (index, instance) in step.instances.enumerated() {
                let name = matrixStepName(step.family, instance.bindings)
                var inputs: [StepInput] = []
                for site in instance.references {
                    let targets = resolve(site.name, from: instance.bindings, families: families, concreteNames: concreteNames)
                    if targets.isEmpty {
                        if index == 0 {
                            let candidates = Array(families.keys).sorted()
                            let known = families[site.name] != nil
                            let message = known
                                ? "'\(site.name)' has no matrix point matching \(name)"
                                : "unknown step or dataset '\(site.name)'\(suggestion(for: site.name, among: candidates))"
                            diagnostics.append(Diagnostic(site.mark, message))
                        }
                        continue
                    }
                    inputs.append(StepInput(path: site.path, name: site.name, steps: targets))
                }
                steps.append(Step(name: name, family: step.family, kind: step.kind, section: step.section,
                                  config: instance.config, bindings: instance.bindings, inputs: inputs,
                                  files: instance.files, retries: step.retries, mark: step.mark))
            }
        }
        return steps
    }

    /// A family name stands for its matrix points that agree with the referring point on shared keys:
    /// the same point when both have the same matrix, all points (a fan-in) when the referrer has none.
    private func resolve(_ name: String, from bindings: [(String, Value)], families: [String: DeclaredStep],
                         concreteNames: [String]) -> [String] {
        if let family = families[name] {
            return family.instances.filter { instance in
                instance.bindings.allSatisfy { key, value in
                    bindings.first { $0.0 == key }.map { $0.1 == value } ?? true
                }
            }.map { matrixStepName(name, $0.bindings) }
        }
        return concreteNames.contains(name) ? [name] : []
    }

    /// Keys of an executor's per-kind block (Slurm's `kinds:`) must be step kinds: a misspelt one would
    /// silently leave its steps with the default resources.
    func unknownKindKeys(in block: Node) -> [Diagnostic] {
        let names = kinds.map(\.name)
        let keyed = Set(executors.compactMap(\.perKindKey)).compactMap { block[$0] }
        return keyed.flatMap { $0.mapping ?? [] }.compactMap { pair in
            guard let key = pair.key.scalar?.text, !names.contains(key) else { return nil }
            return Diagnostic(pair.key.mark, "'\(key)' is not a step kind\(suggestion(for: key, among: names))")
        }
    }

    /// Each kind's own checks, once per step as written (matrix points share their source).
    private func kindChecks(_ declared: [DeclaredStep]) -> [Diagnostic] {
        let byFamily = Dictionary(declared.map { ($0.family, $0) }, uniquingKeysWith: { a, _ in a })
        let outputsOf: (String) -> [String]? = { name in
            guard let step = byFamily[name], let config = step.instances.first?.config else { return nil }
            return config["outputs"]?.object?.map(\.0)
        }
        var found: [Diagnostic] = []
        for step in declared {
            guard let check = kinds.first(where: { $0.name == step.kind })?.check, let node = step.node,
                  let config = step.instances.first?.config else { continue }
            var context = KindCheck(config: config, node: node, outputsOf: outputsOf)
            context.stepNamed = { name in
                guard let step = byFamily[name], let config = step.instances.first?.config else { return nil }
                return (step.kind, config)
            }
            context.declaration = { byFamily[$0]?.mark }
            found += check(context)
        }
        return found
    }

    /// Workflow-level defaults a kind falls back to become part of the step's configuration, so that
    /// they are in its cache key: editing `features:` reruns exactly the steps that use them.
    static func applyWorkflowDefaults(_ steps: inout [Step], features: [String], kinds: [KindDescription]) {
        guard !features.isEmpty else { return }
        for index in steps.indices {
            guard case .object(var pairs) = steps[index].config, pairs.allSatisfy({ $0.0 != "features" }),
                  case .object(let properties)? = kinds.first(where: { $0.name == steps[index].kind })?.schema,
                  properties.contains(where: { $0.name == "features" }) else { continue }
            pairs.append(("features", .array(features.map(Value.string))))
            steps[index].config = .object(pairs)
        }
    }

    private func checkFiles(_ steps: inout [Step], directory: String, diagnostics: inout [Diagnostic]) {
        var reported = Set<String>()
        for step in steps {
            for site in step.files {
                let path = site.file.hasPrefix("/") ? site.file : directory + "/" + site.file
                if !FileManager.default.fileExists(atPath: path), reported.insert("\(site.mark)").inserted {
                    diagnostics.append(Diagnostic(site.mark, "file '\(site.file)' does not exist (looked in \(directory))"))
                }
            }
        }
    }

    private func findCycles(_ steps: [Step]) -> [Diagnostic] {
        let byName = Dictionary(steps.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var stack: [String] = []
        var found: [Diagnostic] = []
        func visit(_ name: String) {
            if state[name] == 2 || !found.isEmpty { return }
            if state[name] == 1 {
                let cycle = stack[stack.firstIndex(of: name)!...] + [name]
                found.append(Diagnostic(byName[name]!.mark, "dependency cycle: \(cycle.joined(separator: " → "))"))
                return
            }
            state[name] = 1
            stack.append(name)
            for dependency in byName[name]?.dependencies ?? [] { visit(dependency) }
            stack.removeLast()
            state[name] = 2
        }
        for step in steps { visit(step.name) }
        return found
    }
}
