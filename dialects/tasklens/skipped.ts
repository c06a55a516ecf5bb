// What the analysis skipped in a deeply nested file, said as findings (the rest keeps its own).
import { BoundedAnalysis, MAX_DEPTH } from "../../engine/analysis/depth";
import type { TaskDiagnostic } from "./diagnostics";

export function skippedFindings(analysis: BoundedAnalysis): TaskDiagnostic[] {
  return (analysis.skipped ?? []).map((region) => {
    const task = analysis.tasks.find((t) => t.fn.start <= region.start && region.end <= t.fn.end);
    return {
      start: region.start,
      end: region.end,
      code: "analysis-skipped",
      severity: "information" as const,
      task: task?.fullName ?? "",
      message: `nested more than ${MAX_DEPTH} levels deep: the inside was not analysed (dependencies read there are not reported${task ? `; task ${task.name ?? task.fullName} is hashed by its raw text, so any edit reruns it` : ""})`,
      fixes: [],
    };
  });
}
