import { ReplyError } from 'ioredis';
import { ScriptNotLoadedError } from '../errors/script-not-loaded.error';
import { WrongKeyTypeError } from '../errors/wrong-key-type.error';
import { classifyError, ErrorRule, requeuesOnFatal } from './error-rule';

const reply = (text: string) => new ReplyError(text);

describe('the worker error rule', () => {
  it('classifies connection loss, transient and brief replies, known and unknown errors', () => {
    expect(classifyError(new Error('Connection is closed.'))).toBe('connection');
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe('connection');
    for (const r of ['LOADING Redis is loading', 'BUSY Redis is busy', 'READONLY You can\'t write', 'TRYAGAIN x', 'MASTERDOWN x', 'CLUSTERDOWN x']) {
      expect(classifyError(reply(r))).toBe('transient');
    }
    for (const r of ['NOAUTH Authentication required.', 'WRONGPASS invalid username-password pair', 'NOSCRIPT No matching script']) expect(classifyError(reply(r))).toBe('briefly');
    expect(classifyError(new ScriptNotLoadedError('take', 30_000))).toBe('briefly');
    expect(classifyError(new WrongKeyTypeError('k', 'output queue', 'list'))).toBe('known');
    expect(classifyError(reply('ERR unknown command'))).toBe('unknown');
    expect(classifyError(new TypeError('x is not a function'))).toBe('unknown');
    expect(requeuesOnFatal(new TypeError('x'))).toBe(true);
    expect(requeuesOnFatal(new WrongKeyTypeError('k', 'output queue', 'list'))).toBe(false);
  });

  it('retries a transient reply with one log line per episode; gives up on a brief one after the grace', () => {
    const lines: string[] = [];
    let now = 0;
    const rule = new ErrorRule((l) => lines.push(l), () => now, 30_000);
    expect(rule.retry(reply('BUSY Redis is busy'))).toBe(true);
    expect(rule.retry(reply('BUSY Redis is busy'))).toBe(true);
    expect(lines).toEqual(['gridcore-worker: redis answered BUSY Redis is busy; retrying']);
    expect(rule.retry(reply('NOSCRIPT No matching script'))).toBe(true);
    now = 29_000;
    expect(rule.retry(reply('NOSCRIPT No matching script'))).toBe(true);
    now = 30_001;
    expect(rule.retry(reply('NOSCRIPT No matching script'))).toBe(false);
    rule.ok();
    expect(rule.retry(reply('NOSCRIPT No matching script'))).toBe(true);
    expect(rule.retry(new Error('Connection is closed.'))).toBe(true);
    expect(rule.retry(new TypeError('bug'))).toBe(false);
  });
});
