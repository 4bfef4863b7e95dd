/**
 * Vega-Lite → Vega compilation with Vega-Lite's warnings collected instead of printed (a spec that
 * compiles with warnings usually draws something other than intended; tests assert there are none).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface Compiled {
  spec: vega.Spec;
  warnings: string[];
}

export function compileSpec(spec: TopLevelSpec): Compiled {
  const warnings: string[] = [];
  const logger = vega.logger(vega.Warn, undefined, (_method, _level, args) => {
    warnings.push(args.map((a) => String(a)).join(' '));
  });
  const out = compile(spec, { logger });
  return { spec: out.spec, warnings };
}
