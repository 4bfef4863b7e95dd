import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { Value } from '@sinclair/typebox/value';
import {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  Completion,
  CompletionChunk,
  CompletionRequest,
  ErrorBody,
  messageText,
  ModelList,
  parseBody,
  requestedMaxTokens,
  requestIgnoresEos,
  Usage,
} from '../../src/core/openai-schemas.ts';
import { KvlabError, toErrorBody, errorStatus } from '../../src/core/errors.ts';

const chatReq = {
  model: 'mock',
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: [{ type: 'text', text: 'hello ' }, { type: 'text', text: 'there' }] },
    { role: 'assistant', content: 'hi', reasoning_content: 'thinking' },
  ],
  stream: true,
  stream_options: { include_usage: true },
  max_tokens: 16,
  temperature: 0,
  seed: 1,
  stop: ['\n'],
  ignore_eos: true,
  nvext: { ignore_eos: true, agent_hints: { speculative_prefill: true } },
  some_vendor_field: 42,
};

function failure(schema: Parameters<typeof parseBody>[0], value: unknown): KvlabError {
  try {
    parseBody(schema, value);
  } catch (e) {
    if (e instanceof KvlabError) return e;
    throw e;
  }
  throw new Error('expected a validation failure');
}

describe('request schemas', () => {
  it('accept realistic chat requests, including unknown extra fields', () => {
    const r = parseBody(ChatCompletionRequest, chatReq);
    expect(r.nvext?.agent_hints?.speculative_prefill).toBe(true);
  });

  it('reject bad chat requests naming the field', () => {
    expect(failure(ChatCompletionRequest, { ...chatReq, max_tokens: 0 }).param).toBe('max_tokens');
    expect(failure(ChatCompletionRequest, { ...chatReq, max_tokens: 1.5 }).param).toBe('max_tokens');
    expect(failure(ChatCompletionRequest, { ...chatReq, messages: [] }).param).toBe('messages');
    expect(failure(ChatCompletionRequest, { ...chatReq, messages: [{ role: 'user' }] }).param).toBe('messages.0.content');
    expect(failure(ChatCompletionRequest, { ...chatReq, temperature: 3 }).param).toBe('temperature');
    expect(failure(ChatCompletionRequest, { ...chatReq, n: 0 }).param).toBe('n');
    expect(failure(ChatCompletionRequest, { ...chatReq, min_tokens: -1 }).param).toBe('min_tokens');
    const { model: _m, ...noModel } = chatReq;
    const e = failure(ChatCompletionRequest, noModel);
    expect(e.param).toBe('model');
    expect(e.code).toBe('invalid_request');
    expect(e.status).toBe(400);
    expect(e.message).toMatch(/^model: /);
  });

  it('accept every completion prompt form and reject bad token ids', () => {
    for (const prompt of ['hi', ['a', 'b'], [1, 2, 3], [[1, 2], [3]]]) {
      expect(parseBody(CompletionRequest, { model: 'm', prompt, max_tokens: 4 }).prompt).toEqual(prompt);
    }
    expect(() => parseBody(CompletionRequest, { model: 'm', prompt: [1, -2] })).toThrow(KvlabError);
    expect(() => parseBody(CompletionRequest, { model: 'm', prompt: [] })).toThrow(KvlabError);
    expect(() => parseBody(CompletionRequest, { model: 'm' })).toThrow(/prompt/);
  });
});

describe('response schemas', () => {
  const usage = { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_tokens_details: { cached_tokens: 8 } };
  const head = { id: 'x', created: 1700000000, model: 'mock' };

  it('describe what the servers send', () => {
    expect(Value.Check(Usage, usage)).toBe(true);
    expect(Value.Check(Usage, { ...usage, total_tokens: -1 })).toBe(false);
    expect(Value.Check(ModelList, { object: 'list', data: [{ id: 'mock', object: 'model', created: 0, owned_by: 'kvlab' }] })).toBe(true);
    expect(
      Value.Check(ChatCompletion, {
        ...head, object: 'chat.completion', usage,
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'length' }],
      }),
    ).toBe(true);
    expect(
      Value.Check(ChatCompletionChunk, {
        ...head, object: 'chat.completion.chunk',
        choices: [{ index: 0, delta: { reasoning_content: 'hm' }, finish_reason: null }],
      }),
    ).toBe(true);
    expect(Value.Check(ChatCompletionChunk, { ...head, object: 'chat.completion.chunk', choices: [], usage })).toBe(true);
    expect(
      Value.Check(Completion, { ...head, object: 'text_completion', usage, choices: [{ index: 0, text: 'a', finish_reason: 'stop' }] }),
    ).toBe(true);
    expect(Value.Check(CompletionChunk, { ...head, object: 'text_completion', choices: [{ index: 0, text: 'a', finish_reason: null }] })).toBe(true);
    expect(Value.Check(ChatCompletion, { ...head, object: 'chat.completion', choices: [] })).toBe(false); // usage missing
    expect(Value.Check(ErrorBody, { error: { message: 'm', type: 't', param: null, code: 'c' } })).toBe(true);
    expect(Value.Check(ErrorBody, { error: { message: 'm' } })).toBe(false);
  });
});

describe('helpers', () => {
  it('flatten content, pick the max token field and read ignore_eos', () => {
    expect(messageText('abc')).toBe('abc');
    expect(messageText([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }])).toBe('ab');
    expect(requestedMaxTokens({ max_tokens: 5 })).toBe(5);
    expect(requestedMaxTokens({ max_tokens: 5, max_completion_tokens: 7 })).toBe(7);
    expect(requestedMaxTokens({})).toBeNull();
    expect(requestIgnoresEos({ nvext: { ignore_eos: true } })).toBe(true);
    expect(requestIgnoresEos({ ignore_eos: true })).toBe(true);
    expect(requestIgnoresEos({})).toBe(false);
  });
});

describe('with fastify (ajv) validation', () => {
  it('validates the same schema at the HTTP edge and maps failures to OpenAI error bodies', async () => {
    const app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      reply.status(errorStatus(err)).send(toErrorBody(err));
    });
    app.post('/v1/chat/completions', { schema: { body: ChatCompletionRequest } }, async (req) => ({ ok: (req.body as { model: string }).model }));
    try {
      const good = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatReq });
      expect(good.statusCode).toBe(200);
      expect(good.json()).toEqual({ ok: 'mock' });
      const bad = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { ...chatReq, max_tokens: 0 } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'invalid_request', param: 'max_tokens' });
      const notJson = await app.inject({
        method: 'POST', url: '/v1/chat/completions', payload: '{oops', headers: { 'content-type': 'application/json' },
      });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json().error.code).toBe('invalid_json');
    } finally {
      await app.close();
    }
  });
});

describe('nullable fields under fastify type coercion', () => {
  it('keeps falsy numbers (temperature 0, seed 0) instead of coercing them to null', async () => {
    const app = Fastify();
    app.post('/echo', { schema: { body: ChatCompletionRequest } }, async (req) => req.body);
    try {
      const res = await app.inject({
        method: 'POST', url: '/echo', payload: { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0, seed: 0, max_tokens: null },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ temperature: 0, seed: 0, max_tokens: null });
    } finally {
      await app.close();
    }
  });

  it('still accepts null in-process', () => {
    expect(parseBody(ChatCompletionRequest, { model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: null }).max_tokens).toBeNull();
  });
});
