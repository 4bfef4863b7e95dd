/**
 * The time an answer's socket reads are stamped with: every read handled in one poll phase of the
 * event loop (the sockets one wake-up found readable) gets the clock reading of the first of them, and
 * the next phase reads the clock anew. Each read used to read the clock when its turn came, so with
 * many streams the last read of a busy phase — 256 streams' chunks arriving together, ~20–30 µs of
 * parsing each — was stamped milliseconds after its bytes were already there, and that lateness went
 * into its TTFT and ITL (bench client-fidelity). Now a read's stamp is when the client process learned
 * of its bytes, whatever order the loop then handles them in.
 *
 * A phase ends at the loop's check phase (a setImmediate, queued by the first read of a phase, clears
 * the stamp). Approximation: bytes that reach a socket while the phase is being handled, and are read
 * in it, share its earlier stamp (by at most the phase's length); a read handled outside a poll phase
 * (undici reading what it buffered while paused — the transport never pauses) would carry its stamp
 * into the next turn's reads.
 */

/** A clock for stamping reads, on `now` (the transport's clock). */
export function readClock(now: () => number): () => number {
  let stamp = 0;
  let valid = false;
  const expire = (): void => {
    valid = false;
  };
  return () => {
    if (!valid) {
      stamp = now();
      valid = true;
      setImmediate(expire);
    }
    return stamp;
  };
}
