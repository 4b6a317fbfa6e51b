import { useState } from 'preact/hooks';

const TEXT_FIELDS = [
  { name: 'name', label: 'Name', placeholder: 'alloy-sweep-01', required: true },
  { name: 'image', label: 'Image', placeholder: 'registry.local/worker:1.2', required: true },
  { name: 'input_redis', label: 'Input Redis URL', placeholder: 'redis://host:6379/0' },
  { name: 'input_queue', label: 'Input queue', placeholder: 'sweep:in' },
  { name: 'output_queue', label: 'Output queue', placeholder: 'sweep:out' },
] as const;

/** Numeric fields: sent as numbers when they read as one, else as typed (the hub names the field). */
const NUMBER_FIELDS = [
  { name: 'max_containers_per_node', label: 'Containers per node', placeholder: 'all slots', mode: 'numeric' },
  { name: 'cpus', label: 'CPUs per container', placeholder: '1 (fractions allowed)', mode: 'decimal' },
  { name: 'memory_mb', label: 'Memory, MB', placeholder: 'node default', mode: 'numeric' },
  { name: 'gpus', label: 'GPUs per container', placeholder: '0', mode: 'numeric' },
  { name: 'max_attempts', label: 'Max attempts', placeholder: '3', mode: 'numeric' },
  { name: 'auto_finish_grace_s', label: 'Auto-finish grace, s', placeholder: 'hub default (30)', mode: 'numeric' },
] as const;

/** `KEY=value` lines → the env map; the first line that is not one is named. */
export function parseEnvLines(text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: `env line ${i + 1} must be KEY=value, not "${line}"` };
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return { env };
}

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
    for (const f of NUMBER_FIELDS) {
      const typed = values[f.name]?.trim();
      if (typed) body[f.name] = typed !== '' && Number.isFinite(Number(typed)) ? Number(typed) : typed;
    }
    if (values.env?.trim()) {
      const parsed = parseEnvLines(values.env);
      if ('error' in parsed) return setError(parsed.error);
      body.env = parsed.env;
    }
    if (values.auto_finish === 'on') body.auto_finish = true;
    setBusy(true);
    const problem = await props.onSubmit(body);
    setBusy(false);
    setError(problem);
    if (!problem) setValues({});
  };
  const set = (name: string) => (e: Event) => setValues({ ...values, [name]: (e.target as HTMLInputElement | HTMLTextAreaElement).value });

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
        {NUMBER_FIELDS.map((f) => (
          <label key={f.name} class="short">
            <span>{f.label}</span>
            <input name={f.name} inputMode={f.mode} value={values[f.name] ?? ''} placeholder={f.placeholder} onInput={set(f.name)} />
          </label>
        ))}
        <label class="wide">
          <span>Container env, one KEY=value a line</span>
          <textarea name="env" rows={2} value={values.env ?? ''} placeholder={'MODEL=small\nLOG_LEVEL=info'} onInput={set('env')} />
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
