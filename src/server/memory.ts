/**
 * Gives memory back after work. Bun's collectors run when the heap grows, not when the process goes
 * quiet, and the allocator keeps freed pages: after a burst of builds a gate idled at ~112 MiB RSS
 * where a fresh one sits at ~80 (bench/binary/memory.ts). A full collection followed by
 * `Bun.shrink()` (release unused pages) brings it back to ~88; the server also has the store give
 * back SQLite's page cache first (`OpenStore.shrink`). A full collection stops the event
 * loop for tens of milliseconds on a loaded machine, so it runs only when the gate is quiet (no
 * build in flight): checked 5 s after start (what loading the modules left behind) and then every
 * 10 s, it trims at the first TRIMS_PER_SPELL quiet checks after a busy one, then not again until
 * builds have run. One trim leaves pages that a second and a third still give back: after 400
 * changes the RSS 30 s after the last merge was 97.0 MiB with one trim and 90.9 MiB with one at
 * every check (bench/binary/memory.ts). Three bound the cost of a quiet spell to three collections.
 */
export const TRIM_CHECK_MS = 10_000;
export const TRIM_FIRST_MS = 5_000;
export const TRIMS_PER_SPELL = 3;

export function trimNow(): void {
  Bun.gc(true);
  Bun.shrink();
}

/** Starts the trimming; returns its stop (idempotent). `busy`: whether builds are in flight. */
export function trimMemoryWhenQuiet(busy: () => boolean, everyMs = TRIM_CHECK_MS, trim = trimNow, firstMs = Math.min(TRIM_FIRST_MS, everyMs)): () => void {
  /** Trims still due in this quiet spell (the start counts as the end of a busy one). */
  let due = TRIMS_PER_SPELL;
  const check = () => {
    if (busy()) {
      due = TRIMS_PER_SPELL;
      return;
    }
    if (due === 0) return;
    due--;
    trim();
  };
  const first = setTimeout(check, firstMs);
  const timer = setInterval(check, everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
