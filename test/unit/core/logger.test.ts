import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../agent/core/logger.js';
import { redactSecrets, redactUrl } from '../../../agent/core/redact.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, destination };
}

describe('secrets never reach logs', () => {
  it('strips passwords from URLs anywhere in text', () => {
    expect(redactUrl('rtsp://admin:S3cret!@10.1.2.3:554/Streaming/101')).toBe('rtsp://admin:***@10.1.2.3:554/Streaming/101');
    expect(redactUrl('failed mqtts://iot:pw@ioc.example:8883 and rtsp://u:p@h/x')).toBe('failed mqtts://iot:***@ioc.example:8883 and rtsp://u:***@h/x');
    expect(redactUrl('rtsp://10.1.2.3/live')).toBe('rtsp://10.1.2.3/live');
    expect(redactSecrets('auth with hunter22 failed', ['hunter22'])).toBe('auth with *** failed');
  });

  it('redacts password fields, URLs in fields, messages and errors', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'debug', destination });
    log.info({ camera: { url: 'rtsp://admin:cam-pass-1@10.0.0.9/live', password: 'cam-pass-2' } }, 'connecting');
    log.info('opening rtsp://admin:cam-pass-3@10.0.0.9/live');
    log.error({ err: new Error('401 on rtsp://admin:cam-pass-4@10.0.0.9/live'), mqtt: { password: 'broker-pass' } }, 'failed');
    log.flush();
    const all = lines.join('\n');
    for (const secret of ['cam-pass-1', 'cam-pass-2', 'cam-pass-3', 'cam-pass-4', 'broker-pass']) {
      expect(all).not.toContain(secret);
    }
    expect(lines).toHaveLength(3);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).toMatchObject({ level: 'info', msg: 'connecting', camera: { url: 'rtsp://admin:***@10.0.0.9/live', password: '***' } });
    expect(parsed[2]).toMatchObject({ level: 'error', err: { message: '401 on rtsp://admin:***@10.0.0.9/live' } });
  });
});
