import FlowConfig

/// Step kinds made up for these tests: the configuration layer needs only their descriptions, so the
/// loader's validation, interpolation, matrices and references are tested without flow's real kinds.
enum FakeKinds {
    /// `numbers` (datasets): a sample of `count` numbers.
    static let numbers = KindDescription(name: "numbers", section: .datasets, summary: "A made-up dataset of numbers.", schema: .object([
        Property("count", .integer(minimum: 1, maximum: 1_000), required: true, "How many numbers."),
        Property("seed", .integer(minimum: 0), "Random seed."),
    ]))

    /// `write` (steps): writes `text` to `file`.
    static let write = KindDescription(name: "write", section: .steps, summary: "Writes text to a file.", schema: .object([
        Property("text", .string(), required: true, "What to write."),
        Property("file", .string(), "The output file (default out.txt)."),
        Property("note", .scalar, "Any scalar; part of the configuration only."),
        Property("meta", .dictionary(.scalar), "Free-form key → scalar pairs."),
        Property("mode", .string(oneOf: ["text", "binary"]), "How to write (default text)."),
    ]))

    /// `concat` (steps): concatenates other steps' outputs and workspace files.
    static let concat = KindDescription(name: "concat", section: .steps, summary: "Concatenates inputs into one file.", schema: .object([
        Property("inputs", .list(.reference), "Steps or datasets whose outputs are read."),
        Property("files", .list(.file), "Files of the workspace, relative to the workflow."),
        Property("file", .string(), "The output file (default out.txt)."),
    ]))

    static let all = [numbers, write, concat]
    static var loader: WorkflowLoader { WorkflowLoader(kinds: all) }
}
