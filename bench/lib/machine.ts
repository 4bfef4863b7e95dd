/** What machine a benchmark ran on (written beside the figures in latest.json). */
import os from 'node:os';
import { speedProbeMs } from './speed-probe.ts';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  totalMemGiB: number;
  platform: string;
  nodeVersion: string;
  /** 1-minute load average when the run started (other work on the machine skews the figures). */
  loadAvg1: number;
  /** This machine's single-thread speed at the start (speed-probe.ts; ms, lower is faster), when probed. */
  speedProbeMs?: number;
  date: string;
}

/** The machine, with its speed probed (a fraction of a second of CPU): once, at the start of a run. */
export function probedMachineInfo(): MachineInfo {
  return { ...machineInfo(), speedProbeMs: speedProbeMs() };
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism?.() ?? cpus.length,
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    nodeVersion: process.version,
    loadAvg1: Math.round(os.loadavg()[0] * 100) / 100,
    date: new Date().toISOString(),
  };
}
