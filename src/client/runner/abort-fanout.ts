/**
 * Cheap abort callbacks on a signal that many requests share (a run's cancel and stop signals).
 * Node's EventTarget walks its whole listener list on every addEventListener/removeEventListener (to
 * find duplicates), so with N requests in flight each registration costs O(N). Here each signal gets
 * ONE real listener, which calls a Set of callbacks: registering and unregistering are O(1).
 *
 * A callback registered on an already aborted signal is not called (callers check `aborted` first,
 * as with addEventListener); each callback runs at most once.
 */

const fanouts = new WeakMap<AbortSignal, Set<() => void>>();

/** Call `fn` once when `signal` aborts. Returns the function that unregisters it. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = fanouts.get(signal);
  if (set === undefined) {
    const callbacks = new Set<() => void>();
    set = callbacks;
    fanouts.set(signal, callbacks);
    signal.addEventListener(
      'abort',
      () => {
        const all = [...callbacks];
        callbacks.clear();
        for (const f of all) f();
      },
      { once: true },
    );
  }
  const callbacks = set;
  callbacks.add(fn);
  return () => {
    callbacks.delete(fn);
  };
}
