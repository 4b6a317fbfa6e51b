import { makeTestPki } from '../../../../test/support/tls';
import { resolveWorkerSettings, WorkerSettingsError } from './settings';

const BASE = { INPUT_REDIS_URL: 'rediss://127.0.0.1:6380', INPUT_QUEUE: 'q:in', OUTPUT_QUEUE: 'q:out' };

describe('worker settings: REDIS_TLS_CA', () => {
  it('takes a PEM certificate, and none', () => {
    const pki = makeTestPki();
    expect(resolveWorkerSettings({ ...BASE, REDIS_TLS_CA: pki.caPem }).tlsCa).toBe(pki.caPem.trim());
    expect(resolveWorkerSettings(BASE).tlsCa).toBeUndefined();
  });

  it('refuses text that is no certificate, naming the variable', () => {
    const err = (() => {
      try {
        resolveWorkerSettings({ ...BASE, REDIS_TLS_CA: 'not a certificate' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a failure');
    })();
    expect(err).toBeInstanceOf(WorkerSettingsError);
    expect(err.message).toBe('gridcore-worker: bad settings: REDIS_TLS_CA is not a PEM certificate');
  });
});
