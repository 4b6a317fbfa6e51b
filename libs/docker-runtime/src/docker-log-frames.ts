/**
 * Reads the engine's multiplexed log stream (a container without a TTY): frames of an 8-byte
 * header (stream type, three zero bytes, a big-endian 32-bit size) and that many bytes of output.
 * Frames may arrive split across chunks or several in one; the payloads come out in order.
 */
export class DockerLogFrames {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onPayload: (payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let offset = 0;
    while (this.pending.length - offset >= 8) {
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - 8 < size) break;
      if (size > 0) this.onPayload(this.pending.subarray(offset + 8, offset + 8 + size));
      offset += 8 + size;
    }
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
  }
}
