/** The mock engine's HTTP server: public API. */
export { buildWorkerApp, WORKER_HEADER, type KvEventSink, type WorkerAppOptions } from './app.ts';
export { realClock, type DriverClock } from './clock.ts';
export { EngineDriver, type DrivableEngine, type DriverOptions, type RequestListener, type TokenDelivery } from './driver.ts';
export { startKvEventPublisher, type KvEventPublisher, type PublisherOptions } from './kv-events.ts';
export { createWorkerMetrics, type WorkerMetrics } from './metrics.ts';
export {
  DEFAULT_MOCKER_OPTIONS,
  engineConfigOf,
  resolveMockerOptions,
  type MockerOptions,
  type ResolvedMockerOptions,
} from './options.ts';
export { MAX_TOKEN_BYTES } from './prompt.ts';
export { startMocker, workerName, type MockerWorker, type RunningMocker } from './start.ts';
