import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';
import { admissionRefusal, fullImageName, imageMatches } from './admission';

const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
const task = (image: string, gpus = 0) => ({ task_name: 't', image, gpus }) as TaskConfigDto;

describe('admission', () => {
  it.each([
    ['python:3.12', 'docker.io/library/python:3.12'],
    ['me/worker', 'docker.io/me/worker'],
    ['ghcr.io/me/worker:1', 'ghcr.io/me/worker:1'],
    ['localhost/w:1', 'localhost/w:1'],
    ['127.0.0.1:5000/w', '127.0.0.1:5000/w'],
  ])('names %s in full as %s', (short, full) => {
    expect(fullImageName(short)).toBe(full);
  });

  it.each([
    ['ghcr.io/me/worker:1', 'ghcr.io/me/*', true],
    [`ghcr.io/me/worker@${digest}`, 'ghcr.io/me/*', true],
    ['ghcr.io/me/team/worker:1', 'ghcr.io/me/*', false],
    ['ghcr.io/me/team/worker:1', 'ghcr.io/me/**', true],
    ['ghcr.io/meet/worker:1', 'ghcr.io/me/*', false],
    ['ghcr.io/me/worker:1', 'ghcr.io/me/worker', true],
    ['ghcr.io/me/worker:2', 'ghcr.io/me/worker:1', false],
    ['python:3.12', 'docker.io/library/python', true],
    ['python:3.12', 'python:3.*', true],
    ['evil.io/python:3.12', 'python', false],
    ['ghcr.io/me.worker:1', 'ghcr.io/me?worker', true],
    ['ghcrXio/me/w:1', 'ghcr.io/me/*', false],
  ])('%s against %s: %p', (image, pattern, expected) => {
    expect(imageMatches(image, pattern)).toBe(expected);
  });

  it('admits anything with the defaults', () => {
    expect(admissionRefusal(task('anything:latest', 2), { allowedImages: [], requireDigest: false, allowGpus: true })).toBeNull();
  });

  it('refuses an image outside allowed_images, naming the key and the image', () => {
    const why = admissionRefusal(task('docker.io/x/miner:1'), { allowedImages: ['ghcr.io/me/*', 'python:*'], requireDigest: false, allowGpus: true });
    expect(why).toEqual({
      reason: 'image_not_allowed',
      detail: "image docker.io/x/miner:1 of task t matches none of this node's allowed_images (ghcr.io/me/*, python:*): running none of its containers here",
    });
  });

  it('refuses a tag-only image under require_digest and admits a pinned one', () => {
    const policy = { allowedImages: [], requireDigest: true, allowGpus: true };
    expect(admissionRefusal(task('ghcr.io/me/w:1'), policy)).toMatchObject({ reason: 'image_digest_required' });
    expect(admissionRefusal(task('ghcr.io/me/w@sha256:abc'), policy)).toMatchObject({ reason: 'image_digest_required' });
    expect(admissionRefusal(task(`ghcr.io/me/w:1@${digest}`), policy)).toBeNull();
  });

  it('refuses a GPU task under allow_gpus = false only', () => {
    const policy = { allowedImages: [], requireDigest: false, allowGpus: false };
    expect(admissionRefusal(task('w:1', 1), policy)).toMatchObject({ reason: 'gpus_not_allowed' });
    expect(admissionRefusal(task('w:1', 0), policy)).toBeNull();
  });
});
