/**
 * How fast this machine runs one thread of JavaScript right now, by a fixed kernel that uses no kvlab
 * code: integer hashing over a typed array, small-object allocation and a JSON round trip, the kinds
 * of work the serving path does. The same VM has run the same kvlab code at half its usual speed on
 * some days with an idle load average (the host's other tenants), so absolute CPU figures of two runs
 * compare only after dividing each by its run's probe; ratios measured within one run need no probe.
 * The figure is the fastest of a few repetitions (the least disturbed one), in milliseconds.
 */

function kernel(): number {
  const words = new Int32Array(1 << 16);
  for (let i = 0; i < words.length; i++) words[i] = i * 2654435761;
  let h = 0x811c9dc5;
  for (let round = 0; round < 24; round++) {
    for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 16777619);
  }
  const items: { id: number; text: string }[] = [];
  for (let i = 0; i < 20_000; i++) items.push({ id: i ^ h, text: `token ${i}` });
  const back = JSON.parse(JSON.stringify(items)) as { id: number }[];
  return back.length + (h & 1);
}

/** The fastest of `repeats` runs of the kernel, in ms (after two unmeasured warm-up runs for the JIT). */
export function speedProbeMs(repeats = 10): number {
  let sink = kernel() + kernel();
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    sink += kernel();
    best = Math.min(best, performance.now() - t0);
  }
  if (sink === -1) throw new Error('unreachable');
  return Math.round(best * 100) / 100;
}
