/** The ModelsError a call throws (tests only); fails when it throws nothing or something else. */
import { ModelsError } from '../../src/models/index.ts';

export function thrown(fn: () => unknown): ModelsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModelsError) return err;
    throw err;
  }
  throw new Error('expected a ModelsError');
}
