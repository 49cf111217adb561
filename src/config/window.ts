import type { WindowParams } from "../scheduler/index.ts";

/** The kebab-case window keys shared by gatebox.yaml pipelines and simulate scenarios. */
export interface RawWindow {
  window: number;
  "window-floor": number;
  /** Absent: the scheduler's default for a gate with limited executors (docs/scheduler.md); null: none. */
  "window-ceiling"?: number | null;
  "window-increase-type": "linear" | "exponential";
  "window-increase-factor": number;
  "window-decrease-type": "linear" | "exponential";
  "window-decrease-factor": number;
}

export function windowParams(raw: RawWindow): WindowParams {
  return {
    window: raw.window,
    floor: raw["window-floor"],
    ceiling: raw["window-ceiling"],
    increaseType: raw["window-increase-type"],
    increaseFactor: raw["window-increase-factor"],
    decreaseType: raw["window-decrease-type"],
    decreaseFactor: raw["window-decrease-factor"],
  };
}
