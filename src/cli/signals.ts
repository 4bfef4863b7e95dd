/**
 * Signal handling shared by the long-running commands: `announceUntilSignal()` for servers (print
 * their addresses, resolve on SIGINT/SIGTERM, then close cleanly) and `withAbort()` for runs (the first Ctrl-C/SIGTERM aborts the
 * run, which still writes what it measured; a second one ends the process with 130 at once).
 */
import { CliExit } from './exit.ts';

/** Exit code of an interrupted run (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * Wrappers (npx, tsx) relay the terminal's Ctrl-C to this process, which also gets it from the
 * terminal: signals this close to the first are the same Ctrl-C, not a second one.
 */
export const SIGNAL_DEBOUNCE_MS = 1500;

/** Resolve once SIGINT or SIGTERM arrives. */
function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * Print a server's readiness (`announce`: its addresses) and resolve once SIGINT or SIGTERM arrives.
 * The listener is in place before anything is printed: a supervisor may send the stop signal as soon
 * as it reads the addresses, and a pipe is written synchronously on Linux, so it can read them before
 * this process runs its next line (a test sending SIGTERM at once found the process killed outright).
 */
export function announceUntilSignal(announce: () => void): Promise<void> {
  const stopped = untilSignal();
  announce();
  return stopped;
}

/**
 * Run `fn` with Ctrl-C/SIGTERM wired to its AbortSignal. `message` is printed on the first signal;
 * a second signal (after the relay window) rejects with CliExit(130) without waiting for `fn`.
 */
export async function withAbort<T>(message: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let firstAt: number | null = null;
  let quitNow: (err: CliExit) => void = () => {};
  const quit = new Promise<never>((_, reject) => (quitNow = reject));
  const onSignal = (): void => {
    const now = performance.now();
    if (firstAt === null) {
      firstAt = now;
      process.stderr.write(`\n${message} (Ctrl-C again to quit now)\n`);
      ac.abort();
    } else if (now - firstAt > SIGNAL_DEBOUNCE_MS) {
      quitNow(new CliExit(EXIT_INTERRUPTED));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await Promise.race([fn(ac.signal), quit]);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
