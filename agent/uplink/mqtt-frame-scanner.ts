/**
 * Follows MQTT packet boundaries in a byte stream by their fixed headers alone (type byte, then the
 * "remaining length" varint of 1–4 bytes, MQTT 3.1.1 §2.2.3), without buffering or decoding bodies.
 * The embedded broker uses it to see a packet's size from its first bytes and refuse it before the
 * parser (mqtt-packet, which has no size limit) starts buffering the whole body.
 */

/** A remaining-length varint has at most 4 bytes: the largest packet is 268,435,455 + 5 bytes. */
const MAX_LENGTH_BYTES = 4;

/** What `scan` found wrong: the first packet over the limit, or a header no MQTT peer sends. */
export type FrameProblem = { kind: 'too_large'; packetBytes: number } | { kind: 'malformed' };

/** Pure state machine over chunks; one per connection. */
export class MqttFrameScanner {
  /** Bytes of the current packet's body still to skip (after its header). */
  private bodyLeft = 0;
  /** Inside a header: the type byte has been seen and the length is being read. */
  private inHeader = false;
  private length = 0;
  private lengthBytes = 0;

  /**
   * Feeds the next chunk; returns the first problem in it, or undefined. `maxPacketBytes` is read per
   * packet (the limit may change once the connection has logged in). After a problem the stream is
   * unusable: the caller closes the connection.
   */
  scan(chunk: Uint8Array, maxPacketBytes: number): FrameProblem | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const skip = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= skip;
        i += skip;
        continue;
      }
      if (!this.inHeader) {
        // The type byte: any value; mqtt-packet rejects unknown types itself.
        this.inHeader = true;
        this.length = 0;
        this.lengthBytes = 0;
        i++;
        continue;
      }
      const byte = chunk[i]!;
      i++;
      this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
      this.lengthBytes++;
      if ((byte & 0x80) !== 0) {
        if (this.lengthBytes >= MAX_LENGTH_BYTES) return { kind: 'malformed' };
        continue;
      }
      this.inHeader = false;
      const packetBytes = 1 + this.lengthBytes + this.length;
      if (packetBytes > maxPacketBytes) return { kind: 'too_large', packetBytes };
      this.bodyLeft = this.length;
    }
    return undefined;
  }
}
