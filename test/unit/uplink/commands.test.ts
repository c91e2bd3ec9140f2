import { describe, expect, it } from 'vitest';
import { CamwatchError } from '../../../agent/core/errors.js';
import { DEFAULT_COMMAND_LIMITS, parseCommandBody, runCommand, type CommandHandler } from '../../../agent/uplink/commands.js';
import { responseTopicProblem } from '../../../agent/uplink/topics.js';
import { schemaErrors, validateCommandRequest, validateCommandResponse } from '../../fixtures/outbox-schemas.js';

describe('command requests and responses', () => {
  const handlers = new Map<string, CommandHandler>([
    ['ack', (req) => {
      if (typeof req.id !== 'string') throw new Error('ack needs an "id" string');
      return { id: req.id, cancelled: 1 };
    }],
    ['reload', () => {
      throw new CamwatchError('CONFIG_INVALID', 'cameras.0.id: required');
    }],
    ['rejects', () => Promise.reject(new Error('async failure'))],
    ['throws-odd', () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error
      throw Object.create(null) as unknown;
    }],
  ]);

  it('answers ok, unknown, handler failure (thrown or rejected, even a value without toString) and CamwatchError codes, per the response schema', async () => {
    const ok = await runCommand(handlers, 'ack', { body: { id: 'x', transaction: 5 }, transaction: 5 });
    expect(ok).toEqual({ status: 'ok', data: { id: 'x', cancelled: 1 }, transaction: 5 });
    const unknown = await runCommand(handlers, 'reboot', { body: {} });
    expect(unknown).toEqual({ status: 'error', error: { code: 'COMMAND_UNKNOWN', message: 'unknown command "reboot" (known: ack, rejects, reload, throws-odd)' } });
    const failed = await runCommand(handlers, 'ack', { body: {} });
    expect(failed.error).toEqual({ code: 'COMMAND_FAILED', message: 'ack needs an "id" string' });
    const rejected = await runCommand(handlers, 'rejects', { body: {} });
    expect(rejected.error).toEqual({ code: 'COMMAND_FAILED', message: 'async failure' });
    const odd = await runCommand(handlers, 'throws-odd', { body: {} });
    expect(odd.error).toEqual({ code: 'COMMAND_FAILED', message: 'the command failed' });
    const invalidConfig = await runCommand(handlers, 'reload', { body: {} });
    expect(invalidConfig.error?.code).toBe('CONFIG_INVALID');
    const longName = await runCommand(handlers, 'x'.repeat(10_000), { body: {} });
    expect(longName.error!.message.length).toBeLessThan(200);
    for (const r of [ok, unknown, failed, rejected, odd, invalidConfig]) expect(schemaErrors(validateCommandResponse, r)).toBe('');
    expect(validateCommandResponse({ status: 'error', error: 'a string' })).toBe(false);
    expect(validateCommandResponse({ status: 'error' })).toBe(false);
  });

  it('parses a body within the limits: byte cap first, depth by a scan before JSON.parse, then shape', () => {
    const limits = { maxBytes: 100, maxDepth: 3 };
    expect(parseCommandBody(Buffer.from('{"id":"x"}'), limits)).toEqual({ ok: true, body: { id: 'x' } });
    expect(parseCommandBody(Buffer.from(`{"pad":"${'x'.repeat(100)}"}`), limits)).toEqual({ ok: false, message: expect.stringMatching(/^the request body is 110 bytes, over the 100 byte limit \(mqtt\.commands\.maxBytes\)$/) });
    expect(parseCommandBody(Buffer.from('{"a":[[1]]}'), limits).ok).toBe(true);
    expect(parseCommandBody(Buffer.from('{"a":[[[1]]]}'), limits)).toEqual({ ok: false, message: 'the request body is nested deeper than 3 levels (mqtt.commands.maxDepth)' });
    // Brackets inside strings are text, not nesting.
    expect(parseCommandBody(Buffer.from('{"a":"[[[[[[\\"{{{{"}'), limits).ok).toBe(true);
    expect(parseCommandBody(Buffer.from('{"id": '), limits)).toEqual({ ok: false, message: 'the request body is not valid JSON' });
    expect(parseCommandBody(Buffer.from('[1,2]'), limits)).toEqual({ ok: false, message: 'the request body must be a JSON object' });
    expect(parseCommandBody(Buffer.from('null'), limits)).toEqual({ ok: false, message: 'the request body must be a JSON object' });
    // 5,000 levels in ~10 KB: refused by the scan, never parsed or walked.
    const deep = Buffer.from(`{"transaction":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    expect(parseCommandBody(deep, DEFAULT_COMMAND_LIMITS)).toEqual({ ok: false, message: 'the request body is nested deeper than 32 levels (mqtt.commands.maxDepth)' });
  });

  it('a response topic must lie in <prefix>/<agentId>/responses/, bounded, without wildcards', () => {
    expect(responseTopicProblem('camwatch', 'edge-1', 'camwatch/edge-1/responses/ioc-7')).toBeUndefined();
    expect(responseTopicProblem('camwatch/', 'edge-1', 'camwatch/edge-1/responses/ioc/a/b')).toBeUndefined();
    expect(responseTopicProblem('city/hcm', 'edge-1', 'city/hcm/edge-1/responses/x')).toBeUndefined();
    for (const bad of [
      'ioc/replies',
      'camwatch/edge-2/responses/x', // another box's tree
      'camwatch/edge-2/incidents/security/zone_intrusion',
      'camwatch/edge-1/incidents/security/zone_intrusion', // its own incidents
      'camwatch/edge-1/status',
      'camwatch/edge-1/responses/',
      'camwatch/edge-1/responses',
      'camwatch/edge-1/responses/+',
      'camwatch/edge-1/responses/#',
      'camwatch/edge-1/responses/a//b',
      'camwatch/edge-1/responses/a\u0000',
      `camwatch/edge-1/responses/${'x'.repeat(129)}`,
      '',
    ]) expect(responseTopicProblem('camwatch', 'edge-1', bad), bad).toMatch(/^it must be camwatch\/edge-1\/responses\/<name>/);
  });

  it('documented request shapes validate; a bad sig shape does not', () => {
    const schema = validateCommandRequest;
    expect(schemaErrors(schema, { id: 'x', responseTopic: 'camwatch/edge-1/responses/r', transaction: 1 })).toBe('');
    expect(schemaErrors(schema, { sig: 'ab'.repeat(32), id: 'x', ts: Date.now(), nonce: 'n' })).toBe('');
    expect(schema({ id: 'x', sig: 'nothex' })).toBe(false);
    expect(schema({ id: 'x', responseTopic: 'ioc/replies' })).toBe(false);
  });
});
