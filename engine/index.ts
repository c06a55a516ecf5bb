// The engine's public API: what a workflow file imports from "tasklens".
export { task, isTask, CallExpression } from "./task";
export type { Task, TaskOptions, Lazy } from "./task";
