/*
 * Settings: the label configuration with a live preview of the canvas, the
 * policies as a form (one input per field of the server's policy table,
 * GET /meta, checked with its bounds as you type), the per-task-type
 * overrides as JSON, the pay rates, and the project's basic fields. The
 * server still judges on save: its policy problems are put back next to
 * their fields, anything else is shown as is.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { getMeta } from '../../api/meta';
import { updateProject } from '../../api/projects';
import { listTasks } from '../../api/tasks';
import type { Project, ProjectInput } from '../../api/types';
import { LabelCanvas } from '../../canvas/LabelCanvas';
import { minorToInput, parseMajor, type Exponent } from '../../lib/money';
import { CodeField, ErrorAlert, FormActions, Loading, StatusMessage, useLoad } from '../../ui';
import {
  bounds,
  checkPolicies,
  checkTaskTypes,
  policyValues,
  serverPolicyErrors,
  unitLabel,
  type PolicyErrors,
  type PolicyField,
  type PolicyValues,
} from '../lib/policyForm';
import { sampleData, xmlProblem } from '../lib/templates';
import { TemplateGallery } from '../TemplateGallery';

const STAGES = [
  { key: 'l1', label: 'L1 rate', hint: 'paid per accepted annotation' },
  { key: 'l2', label: 'L2 rate', hint: 'paid per review decision' },
  { key: 'l3', label: 'L3 rate', hint: 'paid per final decision' },
] as const;

/* The value after it has stopped changing for `ms`, so the preview does not remount on every keystroke. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export type SettingsResult = { ok: true; body: ProjectInput } | { ok: false; message: string };

/*
 * Turns the form into the PATCH body, or says which rate is wrong; the
 * policies and task types arrive checked (policyForm). Rates are read in
 * rateCurrency; rateExponent is the API's exponent for it when known (the
 * project's own currency), else the money module asks Intl.
 */
export function settingsBody(f: {
  name: string;
  description: string;
  instructions: string;
  config: string;
  currency: string;
  status: Project['status'];
  policies: Record<string, number | boolean>;
  task_types: Record<string, Record<string, unknown>>;
  rates: Record<string, string>;
}, rateCurrency: string, rateExponent?: Exponent): SettingsResult {
  const rates: Record<string, number> = {};
  for (const s of STAGES) {
    const r = parseMajor(f.rates[s.key] ?? '', rateCurrency, { allowZero: true, exponent: rateExponent });
    if (!r.ok) return { ok: false, message: `${s.label}: ${r.message}` };
    rates[s.key] = r.value;
  }
  return {
    ok: true,
    body: {
      name: f.name.trim(),
      description: f.description,
      instructions: f.instructions,
      label_config: f.config,
      currency: f.currency.trim().toUpperCase(),
      status: f.status,
      policies: f.policies,
      task_types: f.task_types,
      rates,
    },
  };
}

/* One policy: a number input with its unit and hint, or a checkbox; its
 * error sits right under it and is its description. */
function PolicyInput(props: { field: PolicyField; value: string | boolean; error?: string; onChange: (v: string | boolean) => void }) {
  const { field: f, value, error } = props;
  const id = `st-policy-${f.name}`;
  const label = f.name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  const described = `${id}-hint${error ? ` ${id}-error` : ''}`;
  if (f.type === 'boolean')
    return (
      <div className="form-row policy-field" data-policy={f.name}>
        <label htmlFor={id}>
          <input id={id} type="checkbox" aria-describedby={described} checked={value === true} onChange={(e) => props.onChange(e.target.checked)} /> {label}
        </label>
        <span id={`${id}-hint`} className="hint">
          {f.description}
        </span>
      </div>
    );
  const b = bounds(f);
  return (
    <div className="form-row policy-field" data-policy={f.name}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        min={b.min}
        max={b.max}
        step={f.type === 'fraction' ? 0.01 : 1}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        value={String(value)}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <span id={`${id}-hint`} className="hint">
        {unitLabel(f)}, {b.min} to {b.max}. {f.description}
      </span>
      {error && (
        <span id={`${id}-error`} className="field-error">
          {error}
        </span>
      )}
    </div>
  );
}

export function SettingsTab({ project, onSaved }: { project: Project; onSaved: (p: Project) => void }) {
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description);
  const [instructions, setInstructions] = useState(project.instructions);
  const [config, setConfig] = useState(project.label_config);
  const [currency, setCurrency] = useState(project.currency);
  const [status, setStatus] = useState(project.status);
  const meta = useLoad(getMeta, []);
  const fields = useMemo(() => meta.data?.policy_fields ?? [], [meta.data]);
  const [policies, setPolicies] = useState<PolicyValues | null>(null);
  const [taskTypes, setTaskTypes] = useState(JSON.stringify(project.task_types ?? {}, null, 2));
  /* The server's verdict per field, until that field is edited. */
  const [serverErrors, setServerErrors] = useState<PolicyErrors>({});
  const [rates, setRates] = useState<Record<string, string>>(() =>
    Object.fromEntries(STAGES.map((s) => [s.key, minorToInput(project.rates?.[s.key] ?? 0, project.currency, project.currency_exponent)])),
  );
  const [gallery, setGallery] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (fields.length && policies === null) setPolicies(policyValues(fields, project.policies as Record<string, unknown>));
  }, [fields, policies, project.policies]);
  const checked = useMemo(() => checkPolicies(fields, policies ?? {}), [fields, policies]);
  const typesChecked = useMemo(() => checkTaskTypes(fields, taskTypes), [fields, taskTypes]);
  const fieldError = (name: string) => checked.errors[name] ?? serverErrors[name];
  const typesError = typesChecked.error ?? serverErrors.task_types;
  const valid = policies !== null && checked.body !== null && typesChecked.value !== null;

  function editPolicy(name: string, v: string | boolean) {
    setPolicies({ ...(policies ?? {}), [name]: v });
    setServerErrors(({ [name]: _gone, ...rest }) => rest);
  }

  const firstTask = useLoad(() => listTasks(project.id, { limit: 1 }), [project.id]);
  const previewConfig = useDebounced(config, 600);
  const problem = xmlProblem(previewConfig);
  const taskData = firstTask.data?.items[0]?.data;
  /* A stable object: the canvas restarts when its data changes identity. */
  const previewData = useMemo(() => ({ ...sampleData(previewConfig), ...(taskData ?? {}) }), [previewConfig, taskData]);

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setSaved('');
    /* Rates are in the currency the project will have after saving. */
    const rateCurrency = currency.trim().toUpperCase() || project.currency;
    if (!valid || checked.body === null || typesChecked.value === null) return;
    const r = settingsBody(
      { name, description, instructions, config, currency, status, policies: checked.body, task_types: typesChecked.value, rates },
      rateCurrency,
      rateCurrency === project.currency ? project.currency_exponent : undefined,
    );
    if (!r.ok) {
      setError(r.message);
      return;
    }
    setBusy(true);
    try {
      const p = await updateProject(project.id, r.body);
      onSaved(p);
      setPolicies(policyValues(fields, p.policies as Record<string, unknown>));
      setTaskTypes(JSON.stringify(p.task_types ?? {}, null, 2));
      setServerErrors({});
      setSaved('Settings saved.');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_policy') {
        const mapped = serverPolicyErrors(fields, err.details.length ? err.details : [err.message]);
        setServerErrors(mapped.errors);
        setError(mapped.other.length ? mapped.other.join(' ') : 'Some policies were refused: see the fields marked.');
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="settings" onSubmit={save} aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <div className="settings-columns">
        <div className="form-grid">
          <label htmlFor="st-name">Name</label>
          <input id="st-name" required value={name} onChange={(e) => setName(e.target.value)} />
          <label htmlFor="st-description">Description</label>
          <input id="st-description" value={description} onChange={(e) => setDescription(e.target.value)} />
          <label htmlFor="st-instructions">Instructions for workers</label>
          <textarea id="st-instructions" rows={3} value={instructions} onChange={(e) => setInstructions(e.target.value)} />
          <CodeField
            id="st-config"
            label="Label config"
            rows={14}
            value={config}
            onChange={setConfig}
            hint="Label Studio XML; the preview follows as you type. The server checks it when you save."
          />
          <div className="form-actions">
            <button type="button" className="secondary" aria-expanded={gallery} aria-controls="st-templates" onClick={() => setGallery(!gallery)}>
              Start from a template
            </button>
          </div>
          {gallery && (
            <fieldset id="st-templates" className="templates">
              <legend>Templates</legend>
              <TemplateGallery
                idPrefix="st-tpl"
                current={config}
                onPick={(c) => {
                  setConfig(c);
                  setGallery(false);
                }}
              />
            </fieldset>
          )}
        </div>
        <section className="preview" aria-labelledby="preview-title">
          <h3 id="preview-title">Preview</h3>
          {problem ? (
            <p className="hint" role="status">
              {problem}
            </p>
          ) : (
            <div className="preview-canvas">
              <LabelCanvas key={previewConfig} config={previewConfig} data={previewData} label="Label config preview" />
            </div>
          )}
        </section>
      </div>
      <div className="form-grid">
      </div>
      <fieldset className="policies" aria-labelledby="policies-title">
        <legend id="policies-title">Policies</legend>
        {meta.error ? (
          <ErrorAlert error={meta.error} />
        ) : policies === null ? (
          <Loading what="the policies" />
        ) : (
          fields.map((f) => <PolicyInput key={f.name} field={f} value={policies[f.name] ?? ''} error={fieldError(f.name)} onChange={(v) => editPolicy(f.name, v)} />)
        )}
        <CodeField
          id="st-task-types"
          label="Per-task-type overrides (JSON)"
          rows={5}
          value={taskTypes}
          onChange={(v) => {
            setTaskTypes(v);
            setServerErrors(({ task_types: _gone, ...rest }) => rest);
          }}
          hint='Task type name to the policies it overrides, such as {"hard": {"lease_seconds": 1800}}.'
        />
        {typesError && (
          <p id="st-task-types-error" className="field-error">
            {typesError}
          </p>
        )}
      </fieldset>
      <div className="form-grid">
        {STAGES.map((s) => (
          <div className="form-row" key={s.key}>
            <label htmlFor={`st-rate-${s.key}`}>{s.label}</label>
            <input
              id={`st-rate-${s.key}`}
              inputMode="decimal"
              aria-describedby={`st-rate-${s.key}-hint`}
              value={rates[s.key]}
              onChange={(e) => setRates({ ...rates, [s.key]: e.target.value })}
            />
            <span id={`st-rate-${s.key}-hint`} className="hint">
              {currency.trim().toUpperCase() || project.currency}, {s.hint}
            </span>
          </div>
        ))}
        <label htmlFor="st-currency">Currency</label>
        <input id="st-currency" maxLength={3} value={currency} onChange={(e) => setCurrency(e.target.value)} />
        <label htmlFor="st-status">Status</label>
        <select id="st-status" value={status} onChange={(e) => setStatus(e.target.value as Project['status'])}>
          <option value="active">Active</option>
          <option value="closed">Closed</option>
        </select>
      </div>
      <ErrorAlert error={error} />
      <StatusMessage>{saved}</StatusMessage>
      <FormActions submit="Save" busy={busy} disabled={!valid} />
    </form>
  );
}
