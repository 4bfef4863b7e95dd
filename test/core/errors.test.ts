import { describe, expect, it } from 'vitest';
import {
  ERRORS,
  errorLine,
  errorStatus,
  isErrorCode,
  KvlabError,
  makeError,
  renderMessage,
  toErrorBody,
  toKvlabError,
  type ErrorCode,
} from '../../src/core/errors.ts';
import { ErrorBody, parseBody } from '../../src/core/openai-schemas.ts';
import { Value } from '@sinclair/typebox/value';

const codes = Object.keys(ERRORS) as ErrorCode[];

describe('error catalogue', () => {
  it('has unique codes and covers the required ones', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of [
      'invalid_json', 'invalid_request', 'model_not_found', 'context_length_exceeded', 'n_not_supported',
      'body_too_large', 'queue_full', 'unauthorized', 'injected_failure', 'upstream_unavailable', 'not_found',
      'internal_error', 'bad_flag', 'bad_experiment_file', 'io_error',
    ]) {
      expect(isErrorCode(c), c).toBe(true);
    }
    expect(isErrorCode('toString')).toBe(false);
    expect(Object.isFrozen(ERRORS)).toBe(true);
  });

  it('renders every entry completely when given its params', () => {
    for (const code of codes) {
      const params = Object.fromEntries(ERRORS[code].params.map((p) => [p, `v_${p}`]));
      const msg = renderMessage(code, params);
      expect(msg, code).not.toMatch(/[{}<>]/);
      for (const p of ERRORS[code].params) expect(msg).toContain(`v_${p}`);
      const body = toErrorBody(makeError(code, params));
      expect(Value.Check(ErrorBody, body), code).toBe(true);
      expect(body.error.code).toBe(code);
    }
  });

  it('uses the expected HTTP statuses', () => {
    expect(ERRORS.model_not_found.status).toBe(404);
    expect(ERRORS.context_length_exceeded.status).toBe(400);
    expect(ERRORS.body_too_large.status).toBe(413);
    expect(ERRORS.queue_full.status).toBe(429);
    expect(ERRORS.unauthorized.status).toBe(401);
    expect(ERRORS.not_found.status).toBe(404);
    expect(ERRORS.internal_error.status).toBe(500);
    expect([502, 503]).toContain(ERRORS.upstream_unavailable.status);
  });

  it('writes the vLLM-like context length message', () => {
    const e = makeError('context_length_exceeded', {
      maxModelLen: 32768, requestedTokens: 33000, promptTokens: 32000, completionTokens: 1000,
    });
    expect(e.message).toBe(
      "This model's maximum context length is 32768 tokens. However, you requested 33000 tokens " +
        '(32000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.',
    );
    expect(e.status).toBe(400);
    expect(e.type).toBe('invalid_request_error');
  });

  it('marks missing params visibly instead of failing', () => {
    expect(renderMessage('model_not_found')).toBe('The model `<model>` does not exist.');
  });

  it('takes param and status from params, and overrides from the third argument', () => {
    const e = makeError('invalid_request', { detail: 'bad', param: 'messages.0.role' });
    expect(e.param).toBe('messages.0.role');
    expect(makeError('injected_failure', { reason: 'chaos', status: 503 }).status).toBe(503);
    const o = makeError('upstream_unavailable', { upstream: 'w1', detail: 'down' }, { status: 503, message: 'custom' });
    expect(o.status).toBe(503);
    expect(o.message).toBe('custom');
    expect(o).toBeInstanceOf(KvlabError);
    expect(o).toBeInstanceOf(Error);
  });
});

describe('toErrorBody', () => {
  it('turns unknown errors into internal_error without leaking details', () => {
    const secret = new Error('database password is hunter2');
    const body = toErrorBody(secret);
    expect(body).toEqual({ error: { message: 'Internal server error.', type: 'server_error', param: null, code: 'internal_error' } });
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(toErrorBody('a string').error.code).toBe('internal_error');
    expect(toErrorBody(null).error.code).toBe('internal_error');
    expect(errorStatus(secret)).toBe(500);
  });

  it('maps fastify body errors to catalogue codes', () => {
    const json = Object.assign(new Error("Body is not valid JSON but content-type is set to 'application/json'"), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400,
    });
    expect(toErrorBody(json).error.code).toBe('invalid_json');
    expect(errorStatus(json)).toBe(400);
    const big = Object.assign(new RangeError('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(toErrorBody(big).error.code).toBe('body_too_large');
    expect(errorStatus(big)).toBe(413);
  });

  it('maps fastify validation errors to invalid_request with the field as param', () => {
    const v = Object.assign(new Error('body/max_tokens must be >= 1'), {
      code: 'FST_ERR_VALIDATION', statusCode: 400,
      validation: [{ instancePath: '/max_tokens', message: 'must be >= 1' }],
    });
    const body = toErrorBody(v);
    expect(body.error).toMatchObject({ code: 'invalid_request', param: 'max_tokens', type: 'invalid_request_error' });
    expect(body.error.message).toContain('max_tokens');
  });

  it('passes parseBody failures through unchanged', () => {
    let caught: unknown;
    try {
      parseBody(ErrorBody, {});
    } catch (e) {
      caught = e;
    }
    expect(toKvlabError(caught)).toBe(caught);
  });
});

describe('errorLine (CLI)', () => {
  it('gives one line with the code', () => {
    const line = errorLine(makeError('bad_flag', { flag: '--rate', detail: 'must be > 0' }));
    expect(line).toBe('error [bad_flag]: Invalid option --rate: must be > 0');
    expect(errorLine(new Error('first\nsecond'))).toBe('error: first');
  });
});
