import { Duplex } from 'node:stream';
import { MqttPacketFilter, type DroppedPacket } from './packet-filter.js';

/**
 * The transport MQTT.js reads from, with oversized incoming packets taken out (see packet-filter.ts):
 * a Duplex in front of the broker socket (TCP, TLS or WebSocket stream as MQTT.js built it). Writes go
 * through unchanged. A dropped QoS 1 PUBLISH is acknowledged here, so the broker frees its in-flight
 * slot; MQTT.js never learns it existed. The agent subscribes at QoS 1, so no QoS 2 arrives.
 */
export class PacketCapStream extends Duplex {
  private readonly packets: MqttPacketFilter;

  constructor(
    private readonly inner: Duplex,
    maxPacketBytes: number,
    private readonly onDrop: (packet: DroppedPacket) => void,
  ) {
    super();
    this.packets = new MqttPacketFilter(maxPacketBytes);
    inner.on('data', (chunk: Buffer) => this.onData(chunk));
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    inner.on('close', () => this.destroy());
  }

  private onData(chunk: Buffer): void {
    const { pass, dropped, fatal } = this.packets.feed(chunk);
    let room = true;
    for (const bytes of pass) room = this.push(bytes) && room;
    if (!room) this.inner.pause();
    for (const packet of dropped) {
      if (packet.qos === 1 && packet.packetId !== undefined && !this.writableEnded) {
        // Through our own writable side, never straight to the socket: MQTT.js may be half-way through
        // writing a packet there, and a PUBACK between its pieces would corrupt the stream.
        this.write(Buffer.from([0x40, 0x02, packet.packetId >> 8, packet.packetId & 0xff]));
      }
      this.onDrop(packet);
    }
    if (fatal !== undefined) {
      const err = Object.assign(new Error(`broker sent ${fatal}; connection closed`), { code: 'PACKET_TOO_LARGE' });
      this.destroy(err);
    }
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk, encoding }], callback);
  }

  /**
   * Handed to the socket at once, like a pipe, and corked together: MQTT.js writes one packet in several
   * pieces (corked on its side), and over TLS each separate write becomes its own record; sent apart, the
   * rest of a CONNECT can hit a reset before the broker's alert ("certificate required") is read, and the
   * cause is lost. A failed write is reported by the socket's own 'error' (forwarded above).
   */
  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (error?: Error | null) => void): void {
    this.inner.cork();
    let room = true;
    for (const { chunk, encoding } of chunks) room = this.inner.write(chunk, encoding);
    this.inner.uncork();
    if (room) {
      callback();
      return;
    }
    const done = () => {
      this.inner.off('drain', done);
      this.inner.off('close', done);
      callback();
    };
    this.inner.on('drain', done);
    this.inner.on('close', done);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy();
    callback(error);
  }
}
