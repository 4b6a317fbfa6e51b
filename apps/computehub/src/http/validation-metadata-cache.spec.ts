import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, IsInt, IsString, MetadataStorage, Min, validateSync } from 'class-validator';
import { HeartbeatDto } from '@gridcore/contracts';
import { cacheValidationMetadata } from './validation-metadata-cache';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false } };

function errorsOf<T extends object>(type: new () => T, body: object): unknown {
  return validateSync(plainToInstance(type, body), OPTIONS);
}

const beat = {
  node_id: 'n-1',
  status: 'Running',
  active_containers: 1,
  instances: [{ instance: 0, state: 'running', restarts: 0 }],
  usage: { cpu_pct: 1, mem_pct: 2, load1: 0, load5: 0, load15: 0, gpus: [{ index: 0, util_pct: 1, mem_used_mib: 1, mem_total_mib: 2 }] },
};
const badBeats = [
  { ...beat, extra: 1 },
  { ...beat, status: 'Sleeping' },
  { ...beat, instances: [{ instance: -1, state: 'running', restarts: 0, what: 1 }] },
  { ...beat, usage: { ...beat.usage, gpus: [{ index: 0 }] } },
];

describe('cacheValidationMetadata', () => {
  // The errors of the storage as class-validator has it, before the cache goes in.
  const before = [beat, ...badBeats].map((body) => errorsOf(HeartbeatDto, body));
  const storage: MetadataStorage = getMetadataStorage();
  beforeAll(() => cacheValidationMetadata());

  it('gives the same errors, for valid and invalid bodies, on every later call', () => {
    for (let round = 0; round < 3; round++) {
      expect([beat, ...badBeats].map((body) => errorsOf(HeartbeatDto, body))).toEqual(before);
    }
    expect(before[0]).toEqual([]);
    expect(before.slice(1).every((errors) => (errors as unknown[]).length > 0)).toBe(true);
  });

  it('keeps one lookup per class and answers it again', () => {
    const first = storage.getTargetValidationMetadatas(HeartbeatDto, '', false, false);
    expect(storage.getTargetValidationMetadatas(HeartbeatDto, '', false, false)).toBe(first);
    expect(storage.groupByPropertyName(first)).toBe(storage.groupByPropertyName(first));
  });

  it('sees a rule registered after a lookup, on the class and on its subclasses', () => {
    class Late {
      @IsString() name!: string;
    }
    expect(errorsOf(Late, { name: 'x', count: -1 })).toHaveLength(1); // count is unknown yet
    class LateChild extends Late {}
    expect(errorsOf(LateChild, { name: 'x' })).toEqual([]);
    // A decorator run now, as a module loaded late would.
    IsInt()(Late.prototype, 'count');
    Min(0)(Late.prototype, 'count');
    const errors = errorsOf(Late, { name: 'x', count: -1 }) as { property: string; constraints: object }[];
    expect(errors.map((e) => [e.property, Object.keys(e.constraints)])).toEqual([['count', ['min']]]);
    expect((errorsOf(LateChild, { name: 'x' }) as { property: string }[]).map((e) => e.property)).toEqual(['count']);
  });

  it('keeps a nested object\'s lookup under its parent\'s schema name apart from the top-level one', () => {
    const top = storage.getTargetValidationMetadatas(HeartbeatDto, undefined as unknown as string, false, false);
    const nested = storage.getTargetValidationMetadatas(HeartbeatDto, 'Parent', undefined as unknown as boolean, undefined as unknown as boolean);
    expect(storage.getTargetValidationMetadatas(HeartbeatDto, undefined as unknown as string, false, false)).toBe(top);
    expect(storage.getTargetValidationMetadatas(HeartbeatDto, 'Parent', false, false)).toBe(nested);
    expect(top.length).toBeGreaterThan(0);
  });

  it('still honours always and strictGroups', () => {
    class Marked {
      @IsString({ groups: ['a'] }) name!: string;
      @IsInt({ always: true }) count!: number;
    }
    const body = { name: 1, count: 'x' };
    const propertiesOf = (options: object) => validateSync(plainToInstance(Marked, body), { forbidUnknownValues: false, ...options }).map((e) => e.property);
    // Without groups every rule applies, unless strictGroups leaves out the grouped ones.
    expect(propertiesOf({})).toEqual(['name', 'count']);
    expect(propertiesOf({ always: true })).toEqual(['name', 'count']);
    expect(propertiesOf({ strictGroups: true })).toEqual(['count']);
  });

  it('leaves lookups by validation group to class-validator', () => {
    class Grouped {
      @IsString({ groups: ['a'] }) name!: string;
    }
    const errors = validateSync(plainToInstance(Grouped, { name: 1 }), { groups: ['a'] });
    expect(errors.map((e) => e.property)).toEqual(['name']);
    expect(validateSync(plainToInstance(Grouped, { name: 1 }), { groups: ['b'], forbidUnknownValues: false })).toEqual([]);
  });

  it('installs once however often the hub is configured', () => {
    const lookUp = storage.getTargetValidationMetadatas;
    cacheValidationMetadata();
    expect(storage.getTargetValidationMetadatas).toBe(lookUp);
  });
});
