import { exitCause } from './exit-cause';

describe('exitCause', () => {
  it('says how the container ended, keeps its last lines without Redis passwords, and the image', () => {
    expect(exitCause({ exitCode: 3, oomKilled: false }, 'Traceback\nconnecting to redis://u:s3cret@h:6379/0\n\n', 'sha256:ab')).toEqual({
      kind: 'exit',
      message: 'container exited with code 3',
      exit_code: 3,
      oom_killed: false,
      logs: 'Traceback\nconnecting to redis://u:***@h:6379/0',
      image: 'sha256:ab',
    });
    expect(exitCause({ exitCode: 137, oomKilled: true }, '').message).toBe('container killed by the OOM killer (exit code 137)');
    expect(exitCause({ exitCode: -1, oomKilled: false, error: 'the container was removed from outside' }, '')).not.toHaveProperty('logs');
  });
});
