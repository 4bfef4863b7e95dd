/**
 * The `kvlab` binary: builds the commander program, registers every subcommand, parses argv. The only
 * place that sets the process exit code (cli/exit.ts exitCodeOf): 0 on success, 2 for usage errors
 * (bad flags, files, --set), 1 for runtime errors, always with a one-line message on stderr and never
 * a stack trace; a command that ends with a code of its own (99 thresholds, 130 interrupted) throws
 * CliExit, which exits with that code silently.
 * Subcommand modules import only light modules at registration (heavy libraries are loaded inside
 * their actions), so --help and flag errors answer fast.
 */
import { Command, CommanderError } from 'commander';
import { errorLine } from './core/errors.ts';
import { CliExit, exitCodeOf } from './cli/exit.ts';
import { registerMocker } from './cli/mocker.ts';
import { registerBench } from './cli/bench.ts';
import { registerReport } from './cli/report.ts';
import { registerRouter } from './cli/router.ts';
import { registerCluster } from './cli/cluster.ts';
import { registerExperiment } from './cli/experiment.ts';
import { registerPredict } from './cli/predict.ts';
import { registerCalibrate } from './cli/calibrate.ts';
import { registerMakeModel } from './cli/make-model.ts';
import { registerLlamaWorker } from './cli/llama-worker.ts';
import { registerK8s } from './cli/k8s.ts';

export function buildProgram(): Command {
  const program = new Command('kvlab')
    .description('A lab for KV-cache-aware LLM serving: mock engine, router, benchmark client, analysis')
    .showHelpAfterError(false)
    .exitOverride();
  registerMocker(program);
  registerBench(program);
  registerReport(program);
  registerRouter(program);
  registerCluster(program);
  registerExperiment(program);
  registerPredict(program);
  registerCalibrate(program);
  registerMakeModel(program);
  registerLlamaWorker(program);
  registerK8s(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    // commander already printed its own one-line message; a CliExit's command reported its own outcome
    if (!(err instanceof CommanderError) && !(err instanceof CliExit)) process.stderr.write(`${errorLine(err)}\n`);
    return exitCodeOf(err);
  }
}

process.exit(await main(process.argv));
