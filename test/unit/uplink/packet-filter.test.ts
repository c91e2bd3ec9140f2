import mqttPacket, { type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { MqttPacketFilter } from '../../../agent/uplink/packet-filter.js';

const v4 = { protocolVersion: 4 as const };

function bytes(packet: Packet): Buffer {
  return mqttPacket.generate(packet, v4);
}

/** What MQTT.js's own parser makes of the bytes the filter lets through. */
function parse(chunks: Buffer[]): Packet[] {
  const parser = mqttPacket.parser(v4);
  const packets: Packet[] = [];
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', (err: Error) => {
    throw err;
  });
  for (const c of chunks) parser.parse(c);
  return packets;
}

/** Splits `data` into chunks of pseudo-random sizes 1..max (seeded: the same split every run). */
function split(data: Buffer, seed: number, max: number): Buffer[] {
  let s = seed;
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; ) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const n = 1 + (s % max);
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('MqttPacketFilter: oversized packets skipped from the broker byte stream', () => {
  const small = (topic: string, payload: string, messageId?: number): Packet => ({
    cmd: 'publish', topic, payload: Buffer.from(payload), qos: messageId === undefined ? 0 : 1, dup: false, retain: false, ...(messageId === undefined ? {} : { messageId }),
  });
  const big: Packet = { cmd: 'publish', topic: 'camwatch/box/cmd/status', payload: Buffer.alloc(120_000, 0x78), qos: 1, dup: false, retain: true, messageId: 4242 };
  const stream = Buffer.concat([
    bytes(small('camwatch/box/cmd/ack', '{"id":"a"}', 1)),
    bytes(big),
    bytes({ cmd: 'pingresp' }),
    bytes(small('camwatch/box/cmd/status', '{}')),
    bytes({ cmd: 'puback', messageId: 7 }),
  ]);

  it.each([1, 7, 1_000, 65_536, stream.length])('passes every packet under the cap intact and drops the big one, in chunks of up to %i bytes', (max) => {
    for (const seed of [1, 2, 3]) {
      const filter = new MqttPacketFilter(100_000);
      const passed: Buffer[] = [];
      const dropped = [];
      let keptBytes = 0;
      const fatal: string[] = [];
      for (const chunk of split(stream, seed, max)) {
        const r = filter.feed(chunk);
        if (r.fatal !== undefined) fatal.push(r.fatal);
        passed.push(...r.pass);
        dropped.push(...r.dropped);
        keptBytes += r.pass.reduce((n, b) => n + b.length, 0);
      }
      expect(fatal).toEqual([]);
      expect(parse(passed).map((p) => p.cmd)).toEqual(['publish', 'pingresp', 'publish', 'puback']);
      expect(keptBytes).toBe(stream.length - bytes(big).length);
      expect(dropped).toEqual([{ type: 3, bytes: bytes(big).length, topic: 'camwatch/box/cmd/status', qos: 1, retain: true, packetId: 4242 }]);
    }
  });

  it('an oversized packet that is not a PUBLISH, or a malformed length, ends the connection', () => {
    const suback = bytes({ cmd: 'suback', messageId: 1, granted: Array(200).fill(1) as number[] });
    expect(new MqttPacketFilter(100).feed(suback).fatal).toMatch(/type 9 and \d+ bytes exceeds the 100 byte cap/);
    expect(new MqttPacketFilter(100).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])).fatal).toMatch(/malformed remaining length/);
  });

  it('a 256 MB PUBLISH costs nothing to skip: only its header and topic are kept', () => {
    const filter = new MqttPacketFilter(1024 * 1024);
    const header = Buffer.from([0x31, 0xff, 0xff, 0xff, 0x7f]); // PUBLISH, retain, remaining 268,435,455
    const topic = Buffer.concat([Buffer.from([0x00, 0x05]), Buffer.from('a/cmd')]);
    let r = filter.feed(Buffer.concat([header, topic]));
    expect(r.pass).toEqual([]);
    const chunk = Buffer.alloc(1024 * 1024);
    let left = 268_435_455 - topic.length;
    const dropped = [];
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      r = filter.feed(chunk.subarray(0, n));
      expect(r.pass).toEqual([]);
      dropped.push(...r.dropped);
      left -= n;
    }
    expect(dropped).toEqual([{ type: 3, bytes: 268_435_460, topic: 'a/cmd', qos: 0, retain: true }]);
    expect(parse(filter.feed(bytes({ cmd: 'pingresp' })).pass).map((p) => p.cmd)).toEqual(['pingresp']);
  });
});
