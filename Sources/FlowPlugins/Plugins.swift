import FlowConfig
import FlowEngine
import FlowSteps
import SlurmExecutor

/// What this build of flow links: its step kinds and its executors. The engine and the configuration
/// layer know neither; the program hands them over here, so an executor is a plug-in like a kind.
public enum Plugins {
    public static let kinds = Catalog.registry
    public static let executors = [ExecutorSchema.local, SlurmExecutor.description]

    public static var loader: WorkflowLoader { WorkflowLoader(kinds: kinds.descriptions, executors: executors) }

    /// `schemas/workflow.schema.json`.
    public static var jsonSchema: Value { WorkflowJSONSchema.document(kinds: kinds.descriptions, executors: executors) }

    /// `docs/kinds.md`.
    public static var kindReference: String { KindReference.markdown(kinds: kinds.descriptions) }
}
