import FlowConfig
import FlowEngine

/// Every step kind this build of flow knows.
public enum Catalog {
    public static let registry = KindRegistry([
        GenerateStep(),
        LoadStep(),
        ToyStep(),
        MergeStep(),
        SplitStep(),
        SelectStep(),
        TrainStep(),
        CalibrateStep(),
        TransformStep(),
        ResampleStep(),
        TruthStep(),
        CompareStep(),
        ExportStep(),
        ClassifyStep(),
        ReportStep(),
        CommandStep(),
    ])

    public static var loader: WorkflowLoader { WorkflowLoader(kinds: registry.descriptions) }
}
