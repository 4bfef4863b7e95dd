/**
 * `kvlab calibrate`: fit a roofline profile, from aggregate measurements (--measurements FILE, e.g.
 * data/vllm-real/calibration.json; --report adds leave-one-out accuracy) or from kvlab bench runs
 * against a deployment (RUN_DIR... with --model/--gpu/--tp, or --gguf for a kvlab llama-worker). Thin: flags → src/lab/calibrate → the
 * profile file and the report.
 */
import type { Command } from 'commander';
import { makeError } from '../core/errors.ts';
import { addDeploymentFlags, asFlagError, deploymentOptionsOf, type DeploymentFlags } from './deployment-flags.ts';
import { floatArg, intArg, nonEmptyArg } from './flags.ts';
import { addLlamaDeploymentFlags, llamaDeploymentOf, type LlamaDeploymentFlags } from './llama-deployment-flags.ts';

interface CalibrateFlags extends DeploymentFlags, LlamaDeploymentFlags {
  groups?: number;
  measurements?: string;
  output?: string;
  report?: boolean;
  durationScale: number;
  threads?: number;
  seed: number;
  json?: boolean;
  quiet?: boolean;
}

export function registerCalibrate(program: Command): void {
  addLlamaDeploymentFlags(
    addDeploymentFlags(
      program
        .command('calibrate')
        .description('Fit a roofline timing profile to real measurements (--measurements FILE, --report: leave-one-out accuracy) or to kvlab bench runs against a deployment (RUN_DIR… --model --gpu --tp, or a llama-worker: --gguf)'),
    ),
  )
    .argument('[runDirs...]', 'kvlab bench run folders measured against a deployment (with --model, --gpu, --tp)')
    .option('--measurements <file>', 'aggregate measurements in the format of data/vllm-real/calibration.json', nonEmptyArg())
    .option('-o, --output <file>', 'write the fitted profile here (JSON; use with predict/mocker --profile)')
    .option('--report', 'print predicted vs measured per experiment, with leave-one-out cross-validation')
    .option('--duration-scale <f>', 'shorten every load stage by this factor for a quicker fit (same rates)', floatArg({ min: 0.01, max: 1 }), 1)
    .option('--threads <n>', 'worker threads for the simulations (default: the cores)', intArg({ min: 1, max: 256 }))
    .option('--seed <n>', 'seed of the simulated workloads', intArg(), 0)
    .option('--groups <n>', 'run folders: slices of consecutive requests fitted apart (default 8)', intArg({ min: 1, max: 100 }))
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress lines on stderr')
    .action(async (runDirs: string[], f: CalibrateFlags) => {
      if (f.measurements && runDirs.length > 0) throw makeError('bad_flag', { flag: '--measurements', detail: 'give --measurements FILE or run folders, not both' });
      if (!f.measurements && runDirs.length === 0) throw makeError('bad_flag', { flag: '--measurements', detail: 'give --measurements FILE or run folders to calibrate from' });
      const { writeFile } = await import('node:fs/promises');
      const say = f.quiet || f.json ? undefined : (line: string): void => void process.stderr.write(`${line}\n`);
      const out: string[] = [];
      if (runDirs.length > 0) {
        const { calibrateFromRuns } = await import('../lab/calibrate/from-runs.ts');
        const { renderRunFit } = await import('../lab/calibrate/render-report.ts');
        let res;
        try {
          const llama = await llamaDeploymentOf(f);
          // A llama-worker's CPU: corrections far from a GPU's, so the fit starts and roams wider (CPU_PRIOR).
          const cpu = llama ? await import('../lab/calibrate/llama-deployment.ts') : null;
          res = await calibrateFromRuns({
            ...(llama ?? (await deploymentOptionsOf(f))),
            runDirs,
            groups: f.groups,
            onProgress: say,
            ...(cpu ? { fit: { prior: cpu.CPU_PRIOR, priorScale: cpu.CPU_PRIOR_SCALE } } : {}),
          });
        } catch (err) {
          throw asFlagError(err);
        }
        if (f.output) await writeFile(f.output, `${JSON.stringify(res.profile, null, 2)}\n`);
        if (f.json) return void process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
        out.push(`coefficients: ${Object.entries(res.profile.coefficients).map(([k, v]) => `${k} ${+v.toPrecision(4)}`).join(', ')}`);
        if (f.output) out.push(`profile written to ${f.output}`);
        out.push('', renderRunFit(res.groups));
        return void process.stdout.write(`${out.join('\n')}\n`);
      }
      const { calibrateFromMeasurements } = await import('../lab/calibrate/from-measurements.ts');
      const { renderAccuracy } = await import('../lab/calibrate/render-report.ts');
      let res;
      try {
        res = await calibrateFromMeasurements({ file: f.measurements!, durationScale: f.durationScale, threads: f.threads, seed: f.seed, report: f.report, onProgress: say });
      } catch (err) {
        throw asFlagError(err);
      }
      if (f.output) await writeFile(f.output, `${JSON.stringify(res.profile, null, 2)}\n`);
      if (f.json) {
        process.stdout.write(`${JSON.stringify({ profile: res.profile, inSample: res.inSample, leaveOneOut: res.leaveOneOut }, null, 2)}\n`);
        return;
      }
      out.push(`coefficients: ${Object.entries(res.profile.coefficients).map(([k, v]) => `${k} ${+v.toPrecision(4)}`).join(', ')}`);
      if (f.output) out.push(`profile written to ${f.output}`);
      out.push('');
      if (res.leaveOneOut) out.push(renderAccuracy('Leave-one-out (each experiment predicted by a fit without it):', res.leaveOneOut, res.referenceErrors), '');
      out.push(renderAccuracy('In-sample (the fit on all experiments; not a measure of accuracy):', res.inSample, f.report ? undefined : res.referenceErrors));
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
