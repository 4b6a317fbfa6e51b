import { getMetadataStorage, MetadataStorage } from 'class-validator';

type ValidationMetadata = ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number];
type Grouped = ReturnType<MetadataStorage['groupByPropertyName']>;

const INSTALLED = Symbol.for('gridcore.validationMetadataCache');

/**
 * Makes class-validator look up each class's rules once instead of on every object it validates.
 * For every object (a heartbeat is seven: the body, four instances, usage, a GPU) it filtered the
 * class's rules, scanned every decorated class for base classes and grouped the rules by property
 * again; the answer only changes when a decorator registers a rule, so any registration clears
 * what was kept. Lookups by validation group (the hub uses none) are left as they were.
 * Idempotent: the storage is global to the process.
 */
export function cacheValidationMetadata(storage: MetadataStorage = getMetadataStorage()): void {
  const marked = storage as MetadataStorage & { [INSTALLED]?: true };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;

  const byTarget = new Map<unknown, Map<string, ValidationMetadata[]>>();
  /**
   * The validator's usual call (no `always`, no strict groups), by class then schema name (the
   * parent's class name for a nested object, undefined at the top), without building a key.
   */
  const plain = new Map<unknown, Map<string | undefined, ValidationMetadata[]>>();
  const grouped = new WeakMap<ValidationMetadata[], Grouped>();
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);

  const addSchema = storage.addValidationSchema.bind(storage);
  storage.addValidationSchema = (schema) => {
    byTarget.clear();
    plain.clear();
    addSchema(schema);
  };
  const addMetadata = storage.addValidationMetadata.bind(storage);
  storage.addValidationMetadata = (metadata) => {
    byTarget.clear();
    plain.clear();
    addMetadata(metadata);
  };
  const addConstraint = storage.addConstraintMetadata.bind(storage);
  storage.addConstraintMetadata = (metadata) => {
    byTarget.clear();
    plain.clear();
    addConstraint(metadata);
  };

  storage.getTargetValidationMetadatas = (targetConstructor, targetSchema, always, strictGroups, groups) => {
    if (groups && groups.length > 0) return lookUp(targetConstructor, targetSchema, always, strictGroups, groups);
    // class-validator reads `always` and `strictGroups` only as true or not: undefined and false agree.
    if (!always && !strictGroups) {
      let bySchema = plain.get(targetConstructor);
      if (!bySchema) plain.set(targetConstructor, (bySchema = new Map()));
      let metadatas = bySchema.get(targetSchema);
      if (!metadatas) bySchema.set(targetSchema, (metadatas = lookUp(targetConstructor, targetSchema, always, strictGroups, groups)));
      return metadatas;
    }
    const key = `${targetSchema}\u0000${always}\u0000${strictGroups}`;
    let kept = byTarget.get(targetConstructor);
    if (!kept) byTarget.set(targetConstructor, (kept = new Map()));
    let metadatas = kept.get(key);
    if (!metadatas) kept.set(key, (metadatas = lookUp(targetConstructor, targetSchema, always, strictGroups, groups)));
    return metadatas;
  };
  // Only ever read by the validator: the same list gets the same groups.
  storage.groupByPropertyName = (metadatas) => {
    let groups = grouped.get(metadatas);
    if (!groups) grouped.set(metadatas, (groups = group(metadatas)));
    return groups;
  };
}
