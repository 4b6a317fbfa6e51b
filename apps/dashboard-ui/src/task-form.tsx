import { useState } from 'preact/hooks';

const TEXT_FIELDS = [
  { name: 'name', label: 'Name', placeholder: 'alloy-sweep-01', required: true },
  { name: 'image', label: 'Image', placeholder: 'registry.local/worker:1.2', required: true },
  { name: 'input_redis', label: 'Input Redis URL', placeholder: 'redis://host:6379/0' },
  { name: 'input_queue', label: 'Input queue', placeholder: 'sweep:in' },
  { name: 'output_queue', label: 'Output queue', placeholder: 'sweep:out' },
] as const;

/**
 * Registers a task. Validation is the hub's: the form sends what was typed and shows the API's
 * message as it comes (it names the field), so the rules live in one place.
 */
export function TaskForm(props: { onSubmit: (body: Record<string, unknown>) => Promise<string | null> }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    for (const f of TEXT_FIELDS) if (values[f.name]?.trim()) body[f.name] = values[f.name].trim();
    if (values.max_containers_per_node?.trim()) body.max_containers_per_node = Number(values.max_containers_per_node);
    if (values.auto_finish === 'on') body.auto_finish = true;
    setBusy(true);
    const problem = await props.onSubmit(body);
    setBusy(false);
    setError(problem);
    if (!problem) setValues({});
  };
  const set = (name: string) => (e: Event) => setValues({ ...values, [name]: (e.target as HTMLInputElement).value });

  return (
    <section class="card">
      <h2>Register a task</h2>
      <form class="task-form" onSubmit={submit} aria-label="register a task" noValidate>
        {TEXT_FIELDS.map((f) => (
          <label key={f.name}>
            <span>{f.label}</span>
            <input name={f.name} value={values[f.name] ?? ''} placeholder={f.placeholder} onInput={set(f.name)} />
          </label>
        ))}
        <label>
          <span>Containers per node</span>
          <input name="max_containers_per_node" inputMode="numeric" value={values.max_containers_per_node ?? ''} placeholder="all slots" onInput={set('max_containers_per_node')} />
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="auto_finish"
            checked={values.auto_finish === 'on'}
            onChange={(e) => setValues({ ...values, auto_finish: (e.target as HTMLInputElement).checked ? 'on' : '' })}
          />
          <span>Finish by itself when the queue is drained</span>
        </label>
        <div class="form-end">
          <button type="submit" disabled={busy}>{busy ? 'Registering…' : 'Register'}</button>
          {error && <p class="error" role="alert" data-testid="task-form-error">{error}</p>}
        </div>
      </form>
    </section>
  );
}
