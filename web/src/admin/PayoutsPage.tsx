/*
 * "/admin/payouts": payout batches. A batch takes every payable balance of
 * at least the minimum and pays it through an adapter in the background;
 * its idempotency key makes a repeated click return the same batch.
 *
 * There is one minimum per currency projects pay in, typed in its major
 * units, as escrow amounts are, and sent as min_amounts in its minor
 * units: 5 EUR and 500 JPY are each their own threshold.
 */
import type { NewPayout } from '../api/types';
import { useEffect, useRef, useState, type FormEvent, type MouseEvent } from 'react';
import { createPayout, downloadStatement, getPayout, listPayouts, payoutStatementUrl } from '../api/payouts';
import { allProjects } from '../api/projects';
import { saveFile } from './lib/download';
import { exampleAmount, formatMoney, minorToInput, parseMajor, type Exponent } from '../lib/money';
import {
  EmptyRow,
  ErrorAlert,
  FormActions,
  Loading,
  PagerControls,
  StatusMessage,
  TableHead,
  firstPage,
  formatTime,
  useLoad,
  usePagedList,
  useMoneyForm,
  usePageTitle,
  useUserNames,
} from '../ui';

const STATUS_LABELS: Record<string, string> = {
  queued: 'Queued',
  running: 'Paying',
  done: 'Paid',
  partial: 'Partly paid',
  failed: 'Failed',
};

const busyStatus = (s: string) => s === 'queued' || s === 'running';

type Currency = { code: string; exponent: Exponent };

/* The currencies projects pay in, each once, in code order. */
function projectCurrencies(projects: { currency: string; currency_exponent?: Exponent }[]): Currency[] {
  const seen = new Map<string, Currency>();
  for (const p of projects) if (!seen.has(p.currency)) seen.set(p.currency, { code: p.currency, exponent: p.currency_exponent });
  return [...seen.values()].sort((a, b) => a.code.localeCompare(b.code));
}

/*
 * The min_amounts body from one typed minimum per currency, or every
 * currency's problem. An empty input is refused rather than read as 0.
 */
export function payoutMinimums(
  currencies: Currency[],
  inputs: Record<string, string>,
): { ok: true; min_amounts: Record<string, number> } | { ok: false; errors: Record<string, string> } {
  const min_amounts: Record<string, number> = {};
  const errors: Record<string, string> = {};
  for (const c of currencies) {
    const r = parseMajor(inputs[c.code] ?? '', c.code, { allowZero: true, exponent: c.exponent });
    if (r.ok) min_amounts[c.code] = r.value;
    else errors[c.code] = r.message;
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, min_amounts };
}

/* A batch's minimum as people read it: per currency when it had them. */
function minimumText(b: { min_amount: number; min_amounts?: Record<string, number> }, currencies: Currency[]): string {
  const exp = (code: string) => currencies.find((c) => c.code === code)?.exponent;
  const per = Object.entries(b.min_amounts ?? {});
  if (per.length) return per.map(([code, v]) => formatMoney(v, code, exp(code))).join(', ');
  return currencies.length === 1 ? formatMoney(b.min_amount, currencies[0].code, currencies[0].exponent) : `${b.min_amount} minor units`;
}

export function PayoutsPage() {
  usePageTitle('Payouts');
  const [refresh, setRefresh] = useState(0);
  const { list, setPager, pagerProps } = usePagedList(listPayouts, 20, [refresh]);
  const [selected, setSelected] = useState<number | null>(null);
  const names = useUserNames();

  const projects = useLoad(() => allProjects(), []);
  const currencies = projectCurrencies(projects.data ?? []);
  const projectNames = new Map((projects.data ?? []).map((p) => [p.id, p.name]));
  /* Typed minimums by currency; a currency not typed in yet starts at its smallest unit. */
  const [typed, setTyped] = useState<Record<string, string>>({});
  const minimums = Object.fromEntries(currencies.map((c) => [c.code, typed[c.code] ?? minorToInput(1, c.code, c.exponent)]));
  const [adapter, setAdapter] = useState<NonNullable<NewPayout['adapter']>>('csv');
  const { key, renewKey, error, setError, busy, run, status, setStatus, begin } = useMoneyForm('payout', [JSON.stringify(minimums), adapter]);
  const checked = payoutMinimums(currencies, minimums);
  const [showErrors, setShowErrors] = useState(false);

  function create(e: FormEvent) {
    e.preventDefault();
    begin();
    if (!checked.ok) {
      setShowErrors(true);
      setError(`Minimum amounts: ${Object.entries(checked.errors).map(([code, m]) => `${code}: ${m}`).join(' ')}`);
      return;
    }
    const min_amounts = checked.min_amounts;
    run(async () => {
      const b = await createPayout({ idempotency_key: key, min_amounts, adapter });
      setStatus(
        b.items.length === 0
          ? `Batch #${b.id} created; no balance was due.`
          : `Batch #${b.id} created with ${b.items.length} payment${b.items.length === 1 ? '' : 's'}.`,
      );
      renewKey();
      setSelected(b.id);
      setPager(firstPage);
      setRefresh((x) => x + 1);
    });
  }

  return (
    <section className="admin-page">
      <h1>Payouts</h1>
      <form className="card form-grid" onSubmit={create} aria-labelledby="payout-title">
        <h2 id="payout-title">New payout batch</h2>
        <p id="po-min-hint" className="hint">
          One minimum per currency projects pay in: balances below their currency's minimum wait for a later batch.
        </p>
        {currencies.map((c) => {
          const problem = showErrors && !checked.ok ? checked.errors[c.code] : undefined;
          return (
            <div className="form-row" key={c.code}>
              <label htmlFor={`po-min-${c.code}`}>Minimum in {c.code}</label>
              <input
                id={`po-min-${c.code}`}
                inputMode="decimal"
                aria-describedby={`po-min-hint po-min-${c.code}-hint`}
                aria-invalid={problem ? true : undefined}
                value={minimums[c.code]}
                onChange={(e) => setTyped({ ...typed, [c.code]: e.target.value })}
              />
              <span id={`po-min-${c.code}-hint`} className={problem ? 'field-error' : 'hint'}>
                {problem ?? `for example ${exampleAmount(c.code, c.exponent)}`}
              </span>
            </div>
          );
        })}
        <label htmlFor="po-adapter">Adapter</label>
        <select id="po-adapter" value={adapter} onChange={(e) => setAdapter(e.target.value as NonNullable<NewPayout['adapter']>)}>
          <option value="csv">CSV statement</option>
          <option value="webhook">Webhook</option>
        </select>
        <ErrorAlert error={error} />
        <FormActions submit="Create payout batch" busy={busy} />
      </form>
      <StatusMessage>{status}</StatusMessage>

      <section aria-labelledby="batches-title">
        <div className="page-head">
          <h2 id="batches-title">Batches</h2>
          <button type="button" onClick={() => setRefresh((x) => x + 1)}>
            Refresh
          </button>
        </div>
        <ErrorAlert error={list.error} />
        {list.loading && !list.data ? (
          <Loading what="payout batches" />
        ) : (
          <table className="data-table">
            <TableHead columns={['Batch', 'Created', 'Adapter', 'Minimum', 'Status', 'Details']} />
            <tbody>
              {list.data?.items.length === 0 && <EmptyRow colSpan={6}>No payout batches yet.</EmptyRow>}
              {list.data?.items.map((b) => (
                <tr key={b.id} aria-current={selected === b.id ? 'true' : undefined}>
                  <th scope="row">#{b.id}</th>
                  <td>{formatTime(b.created_at)}</td>
                  <td>{b.adapter}</td>
                  <td className="num">{minimumText(b, currencies)}</td>
                  <td data-testid={`payout-status-${b.id}`}>{STATUS_LABELS[b.status] ?? b.status}</td>
                  <td>
                    <button type="button" className="secondary" aria-label={`Show batch ${b.id}`} onClick={() => setSelected(b.id)}>
                      Show
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <PagerControls label="Batch pages" newer {...pagerProps} />
      </section>
      {selected !== null && (
        <BatchDetails id={selected} names={names} projectNames={projectNames} onChanged={() => setRefresh((x) => x + 1)} />
      )}
    </section>
  );
}

function BatchDetails({
  id,
  names,
  projectNames,
  onChanged,
}: {
  id: number;
  names: Map<number, string>;
  projectNames: Map<number, string>;
  onChanged: () => void;
}) {
  const [tick, setTick] = useState(0);
  const batch = useLoad(() => getPayout(id), [id, tick]);
  const [downloadError, setDownloadError] = useState<unknown>(null);

  /* The statement needs the bearer token: fetched, then handed to the browser to save. */
  async function onStatement(e: MouseEvent<HTMLAnchorElement>) {
    e.preventDefault();
    setDownloadError(null);
    try {
      saveFile(await downloadStatement(id), `payout-${id}-statement.csv`);
    } catch (err) {
      setDownloadError(err);
    }
  }
  const b = batch.data;
  const status = b?.status;

  /* A batch is paid in the background: look again until it settles. */
  useEffect(() => {
    if (!status || !busyStatus(status)) return;
    const t = setTimeout(() => setTick((x) => x + 1), 1000);
    return () => clearTimeout(t);
  }, [status, tick]);
  /* The list only needs refreshing when this batch settles, whoever the parent is by then. */
  const changed = useRef(onChanged);
  changed.current = onChanged;
  useEffect(() => {
    if (status && !busyStatus(status)) changed.current();
  }, [status]);

  return (
    <section className="card" aria-labelledby="batch-title">
      <h2 id="batch-title">Batch #{id}</h2>
      <ErrorAlert error={batch.error} />
      {!b ? (
        <Loading what="the batch" />
      ) : (
        <>
          <p>
            Status: <strong data-testid="batch-status">{STATUS_LABELS[b.status] ?? b.status}</strong> · adapter {b.adapter} ·
            created {formatTime(b.created_at)}
          </p>
          {b.statement_key && (
            <p>
              <a href={payoutStatementUrl(id)} onClick={onStatement} className="button-link">
                Download the CSV statement
              </a>
            </p>
          )}
          <ErrorAlert error={downloadError} />
          {Object.keys(b.totals).length > 0 && (
            <p>
              Total:{' '}
              {Object.entries(b.totals)
                .map(([cur, amt]) => formatMoney(amt, cur, b.currency_exponents?.[cur]))
                .join(', ')}
            </p>
          )}
          <table className="data-table">
            <caption>Payments</caption>
            <TableHead columns={['User', 'Project', { label: 'Amount', className: 'num' }, 'Status', 'Attempts', 'Last error', 'Reference']} />
            <tbody>
              {b.items.length === 0 && <EmptyRow colSpan={7}>Nothing was due.</EmptyRow>}
              {b.items.map((it) => (
                <tr key={it.id}>
                  <td>{names.get(it.user_id) ?? `#${it.user_id}`}</td>
                  <td>{projectNames.get(it.project_id) ?? `Project ${it.project_id}`}</td>
                  <td className="num">{formatMoney(it.amount, it.currency, it.currency_exponent)}</td>
                  <td>{it.status}</td>
                  <td className="num">{it.attempts}</td>
                  <td>{it.last_error ?? ''}</td>
                  <td>{it.external_ref ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
