/**
 * Waiting on conditions, never on durations: poll `cond` every `stepMs` (yielding to I/O) until it
 * holds; fail with `what` after a generous bound (a hang guard, not a timing assertion).
 */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, stepMs = 10): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
