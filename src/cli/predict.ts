/**
 * `kvlab predict`: what a deployment would do under a load (src/lab/predict). Thin: flags → options →
 * runPredict → JSON or the terminal view. Unknown model or GPU names exit 2 with the known ones listed.
 */
import type { Command } from 'commander';
import { ROUTER_MODES, type RouterMode } from '../router-sim/types.ts';
import { addDeploymentFlags, asFlagError, deploymentOptionsOf, type DeploymentFlags } from './deployment-flags.ts';
import { enumArg, intArg, nonEmptyArg } from './flags.ts';
import { addLlamaDeploymentFlags, llamaDeploymentOf, type LlamaDeploymentFlags } from './llama-deployment-flags.ts';

interface PredictFlags extends DeploymentFlags, LlamaDeploymentFlags {
  workloadFile?: string;
  preset?: string;
  presetsFile?: string;
  stages?: string;
  systemPromptLen?: number;
  questionLen?: number;
  outputLen?: number;
  numGroups?: number;
  usersPerGroup?: number;
  replicas: number;
  routerMode?: RouterMode;
  profile?: string;
  seed: number;
  json?: boolean;
}

export function registerPredict(program: Command): void {
  addLlamaDeploymentFlags(
    addDeploymentFlags(
      program
        .command('predict')
        .description('Predict what a deployment (model × GPU × TP × vLLM settings, or a llama-worker: --gguf) does under a load, on the virtual cluster with the roofline timing model'),
    ),
  )
    .option('--workload-file <file>', 'the load as {"workload": NAME, "params": {…}} (multiturn, shared-prefix, prefix-ratio, trace; a bench run.json works too) instead of the shared-prefix flags', nonEmptyArg())
    .option('--preset <name>', 'shared-prefix preset: general, general-lite, codegen, roleplay, reasoning, reasoning-lite')
    .option('--presets-file <file>', 'calibration file whose presets the names refer to (default: data/vllm-real/calibration.json)')
    .option('--stages <list>', "load stages rate:seconds,… (default: the preset's)")
    .option('--system-prompt-len <n>', 'tokens of each shared system prompt', intArg({ min: 0 }))
    .option('--question-len <n>', "tokens of each user's question", intArg({ min: 0 }))
    .option('--output-len <n>', 'tokens of every answer', intArg({ min: 1 }))
    .option('--num-groups <n>', 'shared system prompts', intArg({ min: 1 }))
    .option('--users-per-group <n>', 'users per system prompt', intArg({ min: 1 }))
    .option('--replicas <n>', 'engine replicas behind a router', intArg({ min: 1, max: 1024 }), 1)
    .option('--router-mode <mode>', `router in front of the replicas: ${ROUTER_MODES.join(', ')} (default kv with replicas, else round-robin)`, enumArg(ROUTER_MODES))
    .option('--profile <file>', 'roofline profile (kvlab calibrate writes one; default: the shipped one, fitted on data/vllm-real)', nonEmptyArg())
    .option('--seed <n>', 'seed of the workload', intArg(), 0)
    .option('--json', 'print the prediction as JSON')
    .action(async (f: PredictFlags) => {
      const [{ runPredict }, { renderPrediction }, { loadRooflineProfile }, { loadSharedPrefixPresets, DEFAULT_CALIBRATION_FILE }] = await Promise.all([
        import('../lab/predict/predict.ts'),
        import('../lab/predict/render.ts'),
        import('../lab/predict/profile.ts'),
        import('../client/workloads/shared-prefix-presets.ts'),
      ]);
      let result;
      try {
        const profile = loadRooflineProfile(f.profile);
        const { loadWorkloadFile } = await import('../lab/calibrate/rebuild-workload.ts');
        const built = f.workloadFile ? await loadWorkloadFile(f.workloadFile) : undefined;
        result = runPredict({
          ...((await llamaDeploymentOf(f)) ?? (await deploymentOptionsOf(f))),
          built,
          coefficients: profile.coefficients,
          profileName: profile.name,
          presets: loadSharedPrefixPresets(f.presetsFile ?? DEFAULT_CALIBRATION_FILE),
          workload: {
            preset: f.preset,
            stages: f.stages,
            systemPromptLen: f.systemPromptLen,
            questionLen: f.questionLen,
            outputLen: f.outputLen,
            numGroups: f.numGroups,
            usersPerGroup: f.usersPerGroup,
          },
          replicas: f.replicas,
          routerMode: f.routerMode,
          seed: f.seed,
        });
      } catch (err) {
        throw asFlagError(err);
      }
      process.stdout.write(f.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderPrediction(result)}\n`);
    });
}
