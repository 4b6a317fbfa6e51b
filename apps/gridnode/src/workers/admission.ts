import type { TaskConfigDto } from '@gridcore/contracts/tasks/task-config.dto';
import type { NotRunningCause } from './not-running-cause';

/** What a volunteer lets run on their machine (gridnode.toml `allowed_images`, `require_digest`, `allow_gpus`). */
export interface AdmissionPolicy {
  allowedImages: readonly string[];
  requireDigest: boolean;
  allowGpus: boolean;
}

const DIGEST = /@sha256:[a-f0-9]{64}$/;

/**
 * `docker.io/library/python:3.12` for `python:3.12`, as Docker itself resolves a short name, so a
 * pattern may be written either way.
 */
export function fullImageName(image: string): string {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  if (first && (first.includes('.') || first.includes(':') || first === 'localhost')) return image;
  return `docker.io/${slash < 0 ? 'library/' : ''}${image}`;
}

/** The repository part of a reference: without `@digest` and `:tag`. */
function repositoryOf(image: string): string {
  const bare = image.split('@')[0];
  const lastSlash = bare.lastIndexOf('/');
  const colon = bare.indexOf(':', lastSlash + 1);
  return colon < 0 ? bare : bare.slice(0, colon);
}

/** `*` is any run of characters but `/`, `**` any run at all, `?` one character but `/`. */
function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Whether `image` matches `pattern`, written as the task gave it or in Docker's full form. A
 * pattern without a tag or digest (`ghcr.io/me/worker`, `ghcr.io/me/*`) admits every tag and
 * digest of the repositories it names.
 */
export function imageMatches(image: string, pattern: string): boolean {
  const rule = globToRegExp(pattern);
  return [image, fullImageName(image)].some((name) => rule.test(name) || rule.test(repositoryOf(name)));
}

/** Why the volunteer's policy refuses `task` here, or null when it may run. */
export function admissionRefusal(task: TaskConfigDto, policy: AdmissionPolicy): NotRunningCause | null {
  const image = task.image;
  if (policy.allowedImages.length > 0 && !policy.allowedImages.some((p) => imageMatches(image, p))) {
    return {
      reason: 'image_not_allowed',
      detail: `image ${image} of task ${task.task_name} matches none of this node's allowed_images (${policy.allowedImages.join(', ')}): running none of its containers here`,
    };
  }
  if (policy.requireDigest && !DIGEST.test(image)) {
    return {
      reason: 'image_digest_required',
      detail: `image ${image} of task ${task.task_name} is named by tag only and this node has require_digest set: name it as image@sha256:<digest>`,
    };
  }
  if (!policy.allowGpus && (task.gpus ?? 0) > 0) {
    return {
      reason: 'gpus_not_allowed',
      detail: `task ${task.task_name} asks for GPUs and this node has allow_gpus = false: running none of its containers here`,
    };
  }
  return null;
}
