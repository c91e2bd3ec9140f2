import { describe, expect, it } from 'vitest';
import { CamwatchError } from '../../../agent/ops/errors.js';
import { parseCommandRequest, responseTopicAllowed, runCommand, type CommandHandler } from '../../../agent/uplink/commands.js';
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
  ]);

  it('answers ok, unknown, malformed, handler failure and CamwatchError codes, all per the response schema', async () => {
    const ok = await runCommand(handlers, 'ack', parseCommandRequest(Buffer.from('{"id":"x","transaction":5}')));
    expect(ok).toEqual({ status: 'ok', data: { id: 'x', cancelled: 1 }, transaction: 5 });
    const unknown = await runCommand(handlers, 'reboot', parseCommandRequest(Buffer.from('')));
    expect(unknown).toEqual({ status: 'error', error: { code: 'COMMAND_UNKNOWN', message: 'unknown command "reboot" (known: ack, reload)' } });
    const malformed = await runCommand(handlers, 'ack', parseCommandRequest(Buffer.from('{"id":')));
    expect(malformed.error?.code).toBe('COMMAND_INVALID');
    const notObject = await runCommand(handlers, 'ack', parseCommandRequest(Buffer.from('"x"')));
    expect(notObject.error).toEqual({ code: 'COMMAND_INVALID', message: 'ack: the request body must be a JSON object' });
    const failed = await runCommand(handlers, 'ack', parseCommandRequest(Buffer.from('{}')));
    expect(failed.error).toEqual({ code: 'COMMAND_FAILED', message: 'ack needs an "id" string' });
    const invalidConfig = await runCommand(handlers, 'reload', parseCommandRequest(Buffer.from('')));
    expect(invalidConfig.error?.code).toBe('CONFIG_INVALID');
    for (const r of [ok, unknown, malformed, notObject, failed, invalidConfig]) expect(schemaErrors(validateCommandResponse, r)).toBe('');
    expect(validateCommandResponse({ status: 'error', error: 'a string' })).toBe(false);
    expect(validateCommandResponse({ status: 'error' })).toBe(false);
  });

  it('an empty payload is a command without arguments; MQTT 5 properties win over body fields', () => {
    expect(parseCommandRequest(Buffer.alloc(0))).toEqual({ body: {} });
    const req = parseCommandRequest(Buffer.from('{"responseTopic":"ioc/a"}'), { responseTopic: 'ioc/b', correlationData: Buffer.from('c') });
    expect(req.responseTopic).toBe('ioc/b');
  });

  it('refuses response topics that are wildcards or inside the box\'s own tree', () => {
    expect(responseTopicAllowed('camwatch', 'edge-1', 'ioc/replies/edge-1')).toBe(true);
    expect(responseTopicAllowed('camwatch', 'edge-1', 'camwatch/ioc/replies')).toBe(true);
    expect(responseTopicAllowed('camwatch', 'edge-1', 'camwatch/edge-1/incidents/security/zone_intrusion')).toBe(false);
    expect(responseTopicAllowed('camwatch/', 'edge-1', 'camwatch/edge-1/status')).toBe(false);
    expect(responseTopicAllowed('camwatch', 'edge-1', 'camwatch/edge-1')).toBe(false);
    expect(responseTopicAllowed('camwatch', 'edge-1', 'ioc/+/x')).toBe(false);
    expect(responseTopicAllowed('camwatch', 'edge-1', 'ioc/#')).toBe(false);
    expect(responseTopicAllowed('camwatch', 'edge-1', '')).toBe(false);
  });

  it('documented request shapes validate; a bad sig shape does not', () => {
    const schema = validateCommandRequest;
    expect(schemaErrors(schema, { id: 'x', responseTopic: 'ioc/r', transaction: 1 })).toBe('');
    expect(schemaErrors(schema, { id: 'x', ts: Date.now(), nonce: 'n', sig: 'ab'.repeat(32) })).toBe('');
    expect(schema({ id: 'x', sig: 'nothex' })).toBe(false);
  });
});
