/**
 * Gives memory back after work. Bun's collectors run when the heap grows, not when the process goes
 * quiet, and the allocator keeps freed pages: after a burst of builds a gate idled at ~112 MiB RSS
 * where a fresh one sits at ~80 (bench/binary/memory.ts). A full collection followed by
 * `Bun.shrink()` (release unused pages) brings it back to ~88; the server also has the store give
 * back SQLite's page cache first (`OpenStore.shrink`). A full collection stops the event
 * loop for tens of milliseconds on a loaded machine, so it runs only when the gate is quiet (no
 * build in flight), once per quiet spell: checked 5 s after start (what loading the modules left
 * behind) and then every 10 s, it trims at the first quiet check after a busy one.
 */
export const TRIM_CHECK_MS = 10_000;
export const TRIM_FIRST_MS = 5_000;

export function trimNow(): void {
  Bun.gc(true);
  Bun.shrink();
}

/** Starts the trimming; returns its stop (idempotent). `busy`: whether builds are in flight. */
export function trimMemoryWhenQuiet(busy: () => boolean, everyMs = TRIM_CHECK_MS, trim = trimNow, firstMs = Math.min(TRIM_FIRST_MS, everyMs)): () => void {
  let dirty = true;
  const check = () => {
    if (busy()) {
      dirty = true;
      return;
    }
    if (!dirty) return;
    dirty = false;
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
