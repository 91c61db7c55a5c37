/* Form pieces: code fields, the button row, the "new ..." heading. */
import type { ReactNode } from 'react';
import type { useCreateToggle } from './hooks';

/* A monospace text area for XML or JSON; its hint is read out as its description. */
export function CodeField(props: {
  id: string;
  label: string;
  hint: ReactNode;
  rows: number;
  required?: boolean;
  value: string;
  onChange: (v: string) => void;
}) {
  const hintId = `${props.id}-hint`;
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        className="code"
        rows={props.rows}
        required={props.required}
        spellCheck={false}
        aria-describedby={hintId}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <p id={hintId} className="hint">
        {props.hint}
      </p>
    </>
  );
}

/* The buttons under a form: the submit button first, then any others.
 * disabled keeps the form from being sent while it is known to be wrong. */
export function FormActions({ submit, busy, disabled, children }: { submit: string; busy: boolean; disabled?: boolean; children?: ReactNode }) {
  return (
    <div className="form-actions">
      <button type="submit" disabled={busy || disabled}>
        {submit}
      </button>
      {children}
    </div>
  );
}

export function CreateHead(props: { title: string; label: string; formId: string; toggle: ReturnType<typeof useCreateToggle> }) {
  const { creating, setCreating, button } = props.toggle;
  return (
    <div className="page-head">
      <h1>{props.title}</h1>
      <button type="button" ref={button} aria-expanded={creating} aria-controls={props.formId} onClick={() => setCreating((c) => !c)}>
        {props.label}
      </button>
    </div>
  );
}
