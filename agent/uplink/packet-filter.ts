/**
 * Drops MQTT packets larger than a cap from the byte stream a broker sends, without buffering them (pure
 * state machine; packet-cap.ts puts it between the socket and MQTT.js). MQTT.js (5.x) reads every packet
 * whole into memory before looking at it, and only compares its size with the advertised Maximum Packet
 * Size over MQTT 5; over 3.1.1 a broker may send the agent a packet of up to 256 MB, and did (RSS 2.6 GB).
 * Here only the fixed header (≤ 5 bytes) and, for a PUBLISH, its topic and packet id are kept; the rest of
 * an oversized packet is counted and forgotten as it arrives.
 */

/** What was dropped: enough to acknowledge it, log it and, for a retained command, clear it. */
export interface DroppedPacket {
  /** MQTT control packet type (3 = PUBLISH). */
  type: number;
  /** Whole packet size (fixed header + remaining length), bytes. */
  bytes: number;
  /** PUBLISH only: its topic (undefined when it was not readable, e.g. a topic alias). */
  topic?: string;
  qos?: number;
  retain?: boolean;
  /** PUBLISH with QoS > 0: the id to acknowledge, so the broker frees its in-flight slot. */
  packetId?: number;
}

export interface FilterResult {
  /** Bytes to hand on, in order (slices of the input, or a held-back header). */
  pass: Buffer[];
  dropped: DroppedPacket[];
  /** An oversized packet other than PUBLISH, or a malformed length: the connection cannot go on. */
  fatal?: string;
}

const PUBLISH = 3;
/** A remaining length is 1 to 4 bytes (MQTT 3.1.1 §2.2.3); a 5th continuation byte is malformed. */
const MAX_LENGTH_BYTES = 4;
/** Topic length (2) + the longest topic (65,535) + packet id (2): all an oversized PUBLISH keeps. */
const MAX_KEPT_PREFIX_BYTES = 2 + 65_535 + 2;

type State =
  | { mode: 'header'; bytes: number[] }
  | { mode: 'pass'; left: number }
  | { mode: 'drop'; left: number; info: DroppedPacket; prefix: Buffer[]; prefixBytes: number; prefixWanted: number };

/** Splits an incoming MQTT byte stream into packets it passes on and oversized ones it drops. */
export class MqttPacketFilter {
  private state: State = { mode: 'header', bytes: [] };
  private dead = false;

  constructor(private readonly maxPacketBytes: number) {}

  /** Feeds the next chunk received from the broker. */
  feed(chunk: Buffer): FilterResult {
    const result: FilterResult = { pass: [], dropped: [] };
    if (this.dead) return result;
    let i = 0;
    while (i < chunk.length) {
      const s = this.state;
      if (s.mode === 'pass') {
        const n = Math.min(s.left, chunk.length - i);
        result.pass.push(chunk.subarray(i, i + n));
        i += n;
        s.left -= n;
        if (s.left === 0) this.state = { mode: 'header', bytes: [] };
        continue;
      }
      if (s.mode === 'drop') {
        const collecting = s.prefixBytes < s.prefixWanted;
        const n = Math.min(s.left, chunk.length - i, collecting ? s.prefixWanted - s.prefixBytes : Number.POSITIVE_INFINITY);
        if (collecting) {
          s.prefix.push(chunk.subarray(i, i + n));
          s.prefixBytes += n;
        }
        i += n;
        s.left -= n;
        if (collecting) this.readPublishPrefix(s);
        if (s.left === 0) {
          result.dropped.push(s.info);
          this.state = { mode: 'header', bytes: [] };
        }
        continue;
      }
      // Header: the type byte, then the remaining length, one byte at a time (held back until known).
      s.bytes.push(chunk[i]!);
      i += 1;
      if (s.bytes.length === 1) continue;
      const last = s.bytes[s.bytes.length - 1]!;
      if ((last & 0x80) !== 0) {
        if (s.bytes.length - 1 >= MAX_LENGTH_BYTES) return this.fail(result, 'malformed remaining length (more than 4 bytes)');
        continue;
      }
      let remaining = 0;
      for (let k = s.bytes.length - 1; k >= 1; k--) remaining = remaining * 128 + (s.bytes[k]! & 0x7f);
      const total = s.bytes.length + remaining;
      const type = s.bytes[0]! >> 4;
      if (total <= this.maxPacketBytes) {
        result.pass.push(Buffer.from(s.bytes));
        this.state = remaining === 0 ? { mode: 'header', bytes: [] } : { mode: 'pass', left: remaining };
        continue;
      }
      if (type !== PUBLISH) return this.fail(result, `a packet of type ${type} and ${total} bytes exceeds the ${this.maxPacketBytes} byte cap`);
      const flags = s.bytes[0]! & 0x0f;
      const info: DroppedPacket = { type, bytes: total, qos: (flags >> 1) & 0x03, retain: (flags & 0x01) !== 0 };
      this.state = { mode: 'drop', left: remaining, info, prefix: [], prefixBytes: 0, prefixWanted: Math.min(2, remaining) };
    }
    return result;
  }

  /** Reads topic and packet id from the kept prefix once enough of it has arrived; widens the wish until then. */
  private readPublishPrefix(s: Extract<State, { mode: 'drop' }>): void {
    if (s.prefixBytes < s.prefixWanted) return;
    const head = Buffer.concat(s.prefix);
    s.prefix = [head];
    if (head.length < 2) {
      s.prefixWanted = s.prefixBytes; // a PUBLISH too short to name its topic: malformed, skipped whole
      return;
    }
    const topicLength = head.readUInt16BE(0);
    const idBytes = (s.info.qos ?? 0) > 0 ? 2 : 0;
    const wanted = Math.min(2 + topicLength + idBytes, MAX_KEPT_PREFIX_BYTES, s.prefixBytes + s.left);
    if (head.length < wanted) {
      s.prefixWanted = wanted;
      return;
    }
    if (head.length >= 2 + topicLength && topicLength > 0) s.info.topic = head.subarray(2, 2 + topicLength).toString('utf8');
    if (idBytes > 0 && head.length >= 2 + topicLength + 2) s.info.packetId = head.readUInt16BE(2 + topicLength);
    s.prefixWanted = s.prefixBytes; // all that is needed: the rest is skipped
  }

  private fail(result: FilterResult, reason: string): FilterResult {
    this.dead = true;
    result.fatal = reason;
    return result;
  }
}
