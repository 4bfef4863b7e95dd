import { describe, expect, it } from 'vitest';
import { KvlabError } from '../../../src/core/errors.ts';
import { decode, isValidToken, VOCAB_SIZE } from '../../../src/core/tokenizer.ts';
import { DEFAULT_ENGINE_CONFIG } from '../../../src/mocker/engine/index.ts';
import { DEFAULT_MOCKER_OPTIONS, engineConfigOf, resolveMockerOptions } from '../../../src/mocker/server/options.ts';
import { MAX_TOKEN_BYTES } from '../../../src/mocker/server/prompt.ts';
import { resolveMaxTokens } from '../../../src/mocker/server/plan.ts';

describe('mocker options', () => {
  it('defaults live in one frozen object that carries the engine defaults', () => {
    expect(Object.isFrozen(DEFAULT_MOCKER_OPTIONS)).toBe(true);
    expect(engineConfigOf(DEFAULT_MOCKER_OPTIONS)).toEqual(DEFAULT_ENGINE_CONFIG);
    expect(DEFAULT_MOCKER_OPTIONS).toMatchObject({ numWorkers: 1, host: '127.0.0.1', port: 8000, model: 'kvlab-mock', kvEventsPort: null, apiKey: null });
  });

  it('resolving fills defaults, binds max_tokens to max-model-len, and freezes', () => {
    const o = resolveMockerOptions({ maxModelLen: 4096, port: 0, seed: undefined });
    expect(o.maxTokensLimit).toBe(4096);
    expect(o.seed).toBe(0);
    expect(Object.isFrozen(o)).toBe(true);
    expect(resolveMockerOptions({ maxTokensLimit: 10 }).maxTokensLimit).toBe(10);
  });

  it.each([
    [{ numWorkers: 0 }, 'numWorkers'],
    [{ port: 70000 }, 'port'],
    [{ port: 65535, numWorkers: 2 }, 'port'],
    [{ speedupRatio: 0 }, 'speedupRatio'],
    [{ watermark: -0.1 }, 'watermark'],
    [{ failureRate: 2 }, 'failureRate'],
    [{ failureCodes: [] }, 'failureCodes'],
    [{ kvEventsPort: -1 }, 'kvEventsPort'],
    [{ maxWaiting: 1.5 }, 'maxWaiting'],
    [{ apiKey: '' }, 'apiKey'],
    [{ enablePrefixCaching: 'yes' as unknown as boolean }, 'enablePrefixCaching'],
  ])('rejects %j naming %s', (partial, field) => {
    let err: unknown;
    try {
      resolveMockerOptions(partial);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KvlabError);
    expect((err as KvlabError).code).toBe('invalid_config');
    expect((err as KvlabError).param).toBe(field);
  });
});

describe('length bounds', () => {
  const limits = { maxModelLen: 100, maxTokensLimit: 50, defaultMaxTokens: 30 };
  it('defaults the answer cap to the server default, capped by the context left', () => {
    expect(resolveMaxTokens({}, 10, limits)).toBe(30);
    expect(resolveMaxTokens({}, 90, limits)).toBe(10);
    expect(() => resolveMaxTokens({}, 100, limits)).toThrow(/maximum context length is 100/);
  });
  it('prefers max_completion_tokens over max_tokens', () => {
    expect(resolveMaxTokens({ max_tokens: 5, max_completion_tokens: 7 }, 10, limits)).toBe(7);
    expect(() => resolveMaxTokens({ max_tokens: 51 }, 10, limits)).toThrow(/at most 50/);
    expect(() => resolveMaxTokens({ max_tokens: 45 }, 60, limits)).toThrow(/105 tokens \(60 in the messages, 45 in the completion\)/);
  });
});

describe('the byte pre-check bound', () => {
  it('no o200k token decodes to more than MAX_TOKEN_BYTES bytes', () => {
    let max = 0;
    for (let id = 0; id < VOCAB_SIZE; id++) {
      if (!isValidToken(id)) continue;
      max = Math.max(max, Buffer.byteLength(decode([id]), 'utf8'));
    }
    expect(max).toBeLessThanOrEqual(MAX_TOKEN_BYTES);
    expect(max).toBeGreaterThan(MAX_TOKEN_BYTES / 2); // the bound is not needlessly loose
  });
});
