import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import { bearer, startTestHub, TestHub, TOKENS } from '../support/hub-app';
import { RecordingLogger } from '../support/recording-logger';

const admin = bearer(TOKENS.admin);
const task = (name: string) => Buffer.from(JSON.stringify({ name, image: 'img:1' }));

const compress: Record<string, (b: Buffer) => Buffer> = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };

describe('request bodies the hub cannot decode', () => {
  let hub: TestHub;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    hub = await startTestHub({}, { logger });
  });
  afterAll(() => hub.close());
  beforeEach(() => logger.clear());

  /** Raw bytes as given (supertest would serialise a Buffer as JSON). */
  async function post(body: Buffer, headers: Record<string, string>, auth = true, contentType = 'application/json') {
    const res = await fetch(`${hub.url}/api/tasks`, {
      method: 'POST',
      headers: { 'Content-Type': contentType, ...(auth ? admin : {}), ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) };
  }

  async function taskNames(): Promise<string[]> {
    return (await request(hub.url).get('/api/tasks').set(admin).expect(200)).body.tasks.map((t: { name: string }) => t.name);
  }

  /** The refusal is a warning naming the problem, one line, no stack; nothing at ERROR. */
  function expectWarnedWithoutStack(pattern: RegExp) {
    expect(logger.at('error')).toEqual([]);
    const warnings = logger.at('warn');
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(pattern)]);
    for (const w of warnings) {
      expect(w.message).not.toMatch(/\n\s+at /);
      expect(JSON.stringify(w.extra)).not.toMatch(/\\n\s+at /);
    }
  }

  it.each(['gzip', 'deflate', 'br'])('valid %s bodies are decoded and work', async (encoding) => {
    const res = await post(compress[encoding](task(`enc-${encoding}`)), { 'Content-Encoding': encoding });
    expect(res.status).toBe(201);
    expect(res.body.name).toBe(`enc-${encoding}`);
  });

  it.each([
    ['gzip', Buffer.from('garbage')],
    ['deflate', Buffer.from('garbage')],
    ['br', Buffer.from('garbage')],
    ['gzip', gzipSync(task('cut')).subarray(0, 15)],
    ['deflate', deflateSync(task('cut')).subarray(0, 8)],
  ])('a corrupt %s body is a 400 naming the encoding, with or without a token, logged as a warning', async (encoding, body) => {
    const before = await taskNames();
    for (const auth of [true, false]) {
      logger.clear();
      const res = await post(body, { 'Content-Encoding': encoding }, auth);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining(`${encoding} body`) });
      expect(res.text).not.toMatch(/at .*\.(js|ts):\d+/);
      expectWarnedWithoutStack(new RegExp(`POST /api/tasks.*${encoding} body`));
    }
    expect(await taskNames()).toEqual(before);
  });

  it.each(['compress', 'x-custom', 'gzip, br', 'zstd-ish'])('Content-Encoding %s is a 415 naming it', async (encoding) => {
    const res = await post(task('unknown-enc'), { 'Content-Encoding': encoding });
    expect(res.status).toBe(415);
    expect(res.body.message).toContain(`"${encoding}"`);
    expectWarnedWithoutStack(/Content-Encoding/);
  });

  it('a very long Content-Encoding is named, cut short', async () => {
    const res = await post(task('long-enc'), { 'Content-Encoding': `x-${'a'.repeat(5000)}` });
    expect(res.status).toBe(415);
    expect(res.body.message.length).toBeLessThan(200);
    expect(logger.at('warn')[0].message.length).toBeLessThan(300);
  });

  it.each(['latin1', 'utf-16', 'utf-7', 'bogus-charset', 'utf-32le'])('charset=%s is a 415 naming it', async (charset) => {
    const res = await post(task('charset'), { 'Content-Type': `application/json; charset=${charset}` });
    expect(res.status).toBe(415);
    expect(res.body.message).toMatch(new RegExp(`charset "${charset}"`, 'i'));
    expect(res.body.message).toMatch(/UTF-8/);
    expectWarnedWithoutStack(/charset/);
  });

  it('charset=utf-8 (any case) is fine', async () => {
    expect((await post(task('utf8-upper'), { 'Content-Type': 'application/json; charset=UTF-8' })).status).toBe(201);
    expect((await post(task('utf8-lower'), { 'Content-Type': 'application/json; charset=utf-8' })).status).toBe(201);
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x80])],
    ['a 0xff byte', Buffer.from([0xff])],
    ['a truncated sequence', Buffer.from([0xe2, 0x82])],
    ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
    ['a surrogate', Buffer.from([0xed, 0xa0, 0x80])],
  ])('a JSON body that is not UTF-8 (%s) is a 400, also when compressed', async (_what, bad) => {
    const before = await taskNames();
    const body = Buffer.concat([Buffer.from('{"name":"not-utf8","image":"i","env":{"A":"'), bad, Buffer.from('"}}')]);
    for (const [headers, sent] of [
      [{}, body],
      [{ 'Content-Encoding': 'gzip' }, gzipSync(body)],
    ] as const) {
      logger.clear();
      const res = await post(sent, headers);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/not valid UTF-8/);
      expectWarnedWithoutStack(/not valid UTF-8/);
    }
    expect(await taskNames()).toEqual(before);
  });

  it('a compressed body larger than the limit once decoded is a 413', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"name":"bomb","image":"i","env":{"A":"'), Buffer.alloc(5_000_000, 0x61), Buffer.from('"}}')]));
    expect(bomb.length).toBeLessThan(20_000);
    const res = await post(bomb, { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/larger than the limit/);
  });

  it('a corrupt form-encoded body is a 400 as well', async () => {
    const res = await post(Buffer.from('garbage'), { 'Content-Encoding': 'gzip' }, true, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/gzip body/);
  });
});
