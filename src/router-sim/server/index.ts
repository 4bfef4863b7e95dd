/** The router's HTTP proxy: app factory, start function, options. */
export { buildRouterApp, startRouter, type InProcessWorkers, type RouterApp, type RouterState, type RunningRouter } from './app.ts';
export { DEFAULT_ROUTER_OPTIONS, resolveRouterOptions, type ResolvedRouterOptions, type RouterOptions } from './options.ts';
export { UPSTREAM_WORKER_HEADER, WORKER_HEADER } from './proxy.ts';
