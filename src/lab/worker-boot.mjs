// Worker-thread entry: registers tsx's loader (kvlab runs TypeScript through tsx, and a worker does
// not inherit the parent's loader hooks), then loads the TypeScript module named in workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
