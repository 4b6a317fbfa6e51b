import { ContainerDetails, ContainerExit, ContainerRuntime, ManagedContainer, RuntimeError } from '@gridcore/docker-runtime';

/**
 * A ContainerRuntime for unit specs that need only a few of its methods: every call succeeds
 * doing nothing, `wait` never ends, and what a spec must answer itself (`engineLost`, `inspect`)
 * fails loudly until the spec overrides it.
 */
export class InertRuntime extends ContainerRuntime {
  async ping(): Promise<void> {}
  async ensureImage(): Promise<void> {}
  async create(): Promise<string> {
    return '';
  }
  async startCreated(): Promise<void> {}
  async start(): Promise<string> {
    return '';
  }
  async stop(_id: string, _timeoutS?: number): Promise<void> {}
  async kill(): Promise<void> {}
  async remove(_id: string): Promise<void> {}
  wait(_id?: string, _signal?: AbortSignal): Promise<ContainerExit> {
    return new Promise(() => undefined);
  }
  engineLost(_signal?: AbortSignal): Promise<RuntimeError> {
    throw new Error('not used');
  }
  inspect(_id: string): Promise<ContainerDetails> {
    throw new Error('not used');
  }
  async listManaged(_labels: Record<string, string>): Promise<ManagedContainer[]> {
    return [];
  }
}
