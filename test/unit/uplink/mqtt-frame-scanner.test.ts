import { describe, expect, it } from 'vitest';
import { MqttFrameScanner } from '../../../agent/uplink/mqtt-frame-scanner.js';

/** Type byte and remaining-length varint (MQTT 3.1.1 §2.2.3). */
function header(type: number, remaining: number): number[] {
  const bytes = [type];
  let n = remaining;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return bytes;
}

function packet(type: number, bodyBytes: number): Buffer {
  return Buffer.concat([Buffer.from(header(type, bodyBytes)), Buffer.alloc(bodyBytes, 7)]);
}

describe('MqttFrameScanner', () => {
  it('passes packets up to the limit, whatever the chunking, and names the first one over it', () => {
    // 10 + 2, 300 + 3, 0 + 2 (PINGREQ), then one of 16,388 (1 + 3 length bytes + 16,384).
    const stream = Buffer.concat([packet(0x30, 10), packet(0x30, 300), packet(0xc0, 0), packet(0x30, 16_384)]);
    for (const size of [1, 2, 3, 7, 64, stream.length]) {
      const scanner = new MqttFrameScanner();
      let problem;
      for (let i = 0; i < stream.length && problem === undefined; i += size) problem = scanner.scan(stream.subarray(i, i + size), 16_386);
      expect(problem, `chunks of ${size}`).toEqual({ kind: 'too_large', packetBytes: 16_388 });
    }
    const scanner = new MqttFrameScanner();
    expect(scanner.scan(stream, 16_388)).toBeUndefined();
  });

  it('sees a 100 MB packet from its 5 header bytes, before any body arrives', () => {
    const scanner = new MqttFrameScanner();
    const head = Buffer.from(header(0x30, 100 * 1024 * 1024));
    expect(head.length).toBe(5);
    expect(scanner.scan(head.subarray(0, 4), 256 * 1024)).toBeUndefined();
    expect(scanner.scan(head.subarray(4), 256 * 1024)).toEqual({ kind: 'too_large', packetBytes: 100 * 1024 * 1024 + 5 });
  });

  it('reads the largest length MQTT allows and refuses a fifth length byte as malformed', () => {
    expect(new MqttFrameScanner().scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), Infinity)).toBeUndefined();
    expect(new MqttFrameScanner().scan(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]), 268_435_459)).toEqual({ kind: 'too_large', packetBytes: 268_435_460 });
    expect(new MqttFrameScanner().scan(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]), Infinity)).toEqual({ kind: 'malformed' });
  });

  it('applies the limit current at each packet (raised once the agent has logged in)', () => {
    const scanner = new MqttFrameScanner();
    expect(scanner.scan(packet(0x10, 100), 1024)).toBeUndefined();
    expect(scanner.scan(packet(0x30, 50_000), Infinity)).toBeUndefined();
    expect(scanner.scan(packet(0x30, 50_000), 1024)).toEqual({ kind: 'too_large', packetBytes: 50_004 });
  });
});
