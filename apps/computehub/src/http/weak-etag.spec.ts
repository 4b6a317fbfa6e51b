import { randomBytes } from 'node:crypto';
import { weakEtag } from './weak-etag';

// Express's own generator (its lib ships no types): the reference the hub's must match.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { wetag } = require('express/lib/utils') as { wetag: (body: string | Buffer, encoding?: BufferEncoding) => string };

describe('weakEtag', () => {
  it("answers exactly what Express's default weak ETag answers", () => {
    const bodies: (string | Buffer)[] = [
      '',
      Buffer.alloc(0),
      '{"stop_requested":false}',
      Buffer.from('{"stop_requested":true}'),
      'ünïcødé ✓ 🚀',
      'x'.repeat(70_000),
      randomBytes(4096),
    ];
    for (const body of bodies) expect(weakEtag(body)).toBe(wetag(body));
    expect(weakEtag('caf\u00e9', 'latin1')).toBe(wetag('caf\u00e9', 'latin1'));
  });
});
