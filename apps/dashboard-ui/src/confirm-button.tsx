import { useState } from 'preact/hooks';

/** A button that asks "sure?" in place (no blocking browser dialog) before it acts. */
export function ConfirmButton(props: { label: string; confirm: string; onConfirm: () => Promise<void>; testId?: string; danger?: boolean }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!asking) {
    return (
      <button class={props.danger ? 'danger' : ''} data-testid={props.testId} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <span class="confirm">
      <button
        class="danger"
        disabled={busy}
        data-testid={props.testId ? `${props.testId}-confirm` : undefined}
        onClick={async () => {
          setBusy(true);
          await props.onConfirm();
          setBusy(false);
          setAsking(false);
        }}
      >
        {props.confirm}
      </button>
      <button class="quiet" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
