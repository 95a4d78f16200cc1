/**
 * Control-plane work in steps, so that a restore of 50,000 rules or the
 * compile of a big chain never holds the event loop (and with it forwarding
 * and the control socket) for more than a slice of a few milliseconds.
 * Invariants:
 * - A step function is a generator that yields between units of bounded work.
 *   It may yield a Promise (work handed to another thread); the value it
 *   resolves to is what the yield returns.
 * - drain() runs steps to the end synchronously (start-up, tests, the
 *   one-shot CLI); it refuses steps that wait on another thread.
 * - runInSlices() runs them between other events: it gives the loop back as
 *   soon as a slice has used its budget.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export type Steps<T> = Generator<Promise<unknown> | void, T, unknown>;

/** Runs `steps` to the end now. */
export function drain<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    if (r.value !== undefined) throw new Error('drain(): these steps wait on another thread; use runInSlices()');
  }
}

/** Default slice: well inside the 10 ms a forwarded packet may wait behind the control plane. */
export const SLICE_MS = 2;

/** Runs `steps` in slices of about `budgetMs`, yielding to the event loop between slices. */
export async function runInSlices<T>(steps: Steps<T>, budgetMs = SLICE_MS): Promise<T> {
  let input: unknown;
  let start = performance.now();
  for (;;) {
    const r = steps.next(input);
    input = undefined;
    if (r.done === true) return r.value;
    if (r.value !== undefined) {
      input = await r.value;
      start = performance.now();
      continue;
    }
    if (performance.now() - start >= budgetMs) {
      await nextTurn();
      start = performance.now();
    }
  }
}
