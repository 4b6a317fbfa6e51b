import { DockerLogFrames } from './docker-log-frames';

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('DockerLogFrames', () => {
  it('yields stdout and stderr payloads in order, however the frames are split', () => {
    const bytes = Buffer.concat([frame(1, 'hello\n'), frame(2, 'Traceback (most recent call last):\n'), frame(1, 'bye\n')]);
    for (const cut of [1, 3, 7, 8, 9, 13, bytes.length - 1]) {
      const out: string[] = [];
      const frames = new DockerLogFrames((p) => out.push(p.toString()));
      frames.push(bytes.subarray(0, cut));
      frames.push(bytes.subarray(cut));
      expect(out.join('')).toBe('hello\nTraceback (most recent call last):\nbye\n');
    }
  });

  it('holds back an incomplete frame', () => {
    const out: string[] = [];
    const frames = new DockerLogFrames((p) => out.push(p.toString()));
    frames.push(frame(1, 'partial').subarray(0, 10));
    expect(out).toEqual([]);
  });
});
