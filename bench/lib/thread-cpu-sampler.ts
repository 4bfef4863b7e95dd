/**
 * The worker of thread-cpu.ts: reads every thread's CPU time every 20 ms until its flag is set, then
 * posts the last reading (its own thread left out).
 */
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { threadCpuNow } from './thread-cpu.ts';

const flag = new Int32Array(workerData.flag as SharedArrayBuffer);
const self = readlinkSync('/proc/thread-self').split('/').pop() ?? null;
const cpu = new Map<number, number>();
while (Atomics.load(flag, 0) === 0) {
  threadCpuNow(self, cpu);
  Atomics.wait(flag, 0, 0, 20);
}
threadCpuNow(self, cpu);
parentPort!.postMessage(cpu);
