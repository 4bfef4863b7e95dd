import { describe, expect, it } from 'vitest';
import { usageOf } from '../../../src/client/http/response-timing.ts';

describe('usage with offload tiers', () => {
  const usage = { prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 64 } };

  it('reads the per-medium split of cached tokens from nvext.cached_tokens_by_medium', () => {
    const u = usageOf({ usage, nvext: { timing: {}, cached_tokens_by_medium: { GPU: 16, CPU: 32, DISK: 16 } } });
    expect(u).toEqual({ promptTokens: 100, completionTokens: 5, cachedTokens: 64, cpuCachedTokens: 32, diskCachedTokens: 16 });
  });

  it('adds no tier fields for a server that does not send the split (vLLM, kvlab without tiers)', () => {
    expect(usageOf({ usage, nvext: { timing: {} } })).toEqual({ promptTokens: 100, completionTokens: 5, cachedTokens: 64 });
    expect(usageOf({ usage })).toEqual({ promptTokens: 100, completionTokens: 5, cachedTokens: 64 });
  });
});
