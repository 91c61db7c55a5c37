/*
 * Settings: the label configuration with a live preview of the canvas, the
 * policies as JSON, the pay rates, and the project's basic fields. The
 * server is the judge of validity: its 422 message is shown as is.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { updateProject } from '../../api/projects';
import { listTasks } from '../../api/tasks';
import type { Project, ProjectInput } from '../../api/types';
import { LabelCanvas } from '../../canvas/LabelCanvas';
import { minorToInput, parseMajor, type Exponent } from '../../lib/money';
import { CodeField, ErrorAlert, FormActions, StatusMessage, useLoad } from '../../ui';
import { sampleData, xmlProblem } from '../lib/templates';

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
 * Turns the form into the PATCH body, or says which field is wrong. Rates
 * are read in rateCurrency; rateExponent is the API's exponent for it when
 * known (the project's own currency), else the money module asks Intl.
 */
export function settingsBody(f: {
  name: string;
  description: string;
  instructions: string;
  config: string;
  currency: string;
  status: Project['status'];
  policies: string;
  rates: Record<string, string>;
}, rateCurrency: string, rateExponent?: Exponent): SettingsResult {
  let policies: unknown;
  try {
    policies = JSON.parse(f.policies || '{}');
  } catch (e) {
    return { ok: false, message: `Policies (JSON) is not valid JSON: ${(e as Error).message}` };
  }
  if (policies === null || typeof policies !== 'object' || Array.isArray(policies))
    return { ok: false, message: 'Policies (JSON) must be a JSON object, such as {"overlap": 1}.' };
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
      policies: policies as Record<string, unknown>,
      rates,
    },
  };
}

export function SettingsTab({ project, onSaved }: { project: Project; onSaved: (p: Project) => void }) {
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description);
  const [instructions, setInstructions] = useState(project.instructions);
  const [config, setConfig] = useState(project.label_config);
  const [currency, setCurrency] = useState(project.currency);
  const [status, setStatus] = useState(project.status);
  const [policies, setPolicies] = useState(JSON.stringify(project.policies ?? {}, null, 2));
  const [rates, setRates] = useState<Record<string, string>>(() =>
    Object.fromEntries(STAGES.map((s) => [s.key, minorToInput(project.rates?.[s.key] ?? 0, project.currency, project.currency_exponent)])),
  );
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);

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
    const r = settingsBody(
      { name, description, instructions, config, currency, status, policies, rates },
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
      setPolicies(JSON.stringify(p.policies ?? {}, null, 2));
      setSaved('Settings saved.');
    } catch (err) {
      setError(err);
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
        <CodeField
          id="st-policies"
          label="Policies (JSON)"
          rows={10}
          value={policies}
          onChange={setPolicies}
          hint="Keys you leave out keep their current values."
        />
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
      <FormActions submit="Save" busy={busy} />
    </form>
  );
}
