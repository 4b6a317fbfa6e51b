import { BehaviorSubject } from 'rxjs';

/**
 * The parallelism the hub asked for (PATCH /api/nodes/:id, issue 20 point 4), or null for the
 * node's own. The hub side sets it, the workers follow it; the owner's policy still caps it.
 */
export class ParallelismRequest {
  readonly value$ = new BehaviorSubject<number | null>(null);

  get value(): number | null {
    return this.value$.value;
  }

  set(parallelism: number | null): void {
    if (parallelism !== this.value$.value) this.value$.next(parallelism);
  }
}
