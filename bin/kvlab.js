#!/usr/bin/env node
// Runs the TypeScript CLI in this process through tsx's loader, so `npx kvlab` works without a build
// step and signals (Ctrl-C, SIGTERM) reach the CLI directly.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
