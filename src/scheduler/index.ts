/** The scheduler core's public surface: import from here, not from the files behind it. */
export { Scheduler } from "./scheduler.ts";
export type { SchedulerState } from "./state.ts";
export type * from "./types.ts";
export type { ItemView, JobView, QueueView, SchedulerView, StrategyView } from "./view.ts";
export { DEFAULT_WINDOW } from "./layout.ts";
