// The redun dialect's static analysis of a workflow file: what each task's body depends on beyond its
// hash, and the findings (diagnostics with Python quick fixes) that follow.
export { redunFindings, type CachedTask, type RedunDiagnosticCode, type RedunFinding, type RedunFindingOptions } from "./findings";
export { analyseModule, bindingFingerprints, taskDependencies, textFingerprints, type AnalysisOptions, type Dependency, type Effect, type ModuleAnalysis, type TaskDependencies } from "./dependencies";
export { indexModule, type ModuleBinding, type ModuleIndex } from "./bindings";
export { functionUses, bodyOf, type FunctionUses, type Use } from "./scope";
export { sameCode } from "./cosmetic";
