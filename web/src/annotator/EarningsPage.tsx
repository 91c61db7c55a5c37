/* My earnings: pending (work waiting for acceptance), earned (not yet paid out), paid, and how they grew. */
import { useEffect, useMemo, useState } from 'react';
import { errorMessage } from '../api/client';
import { getEarnings, getEarningsHistory } from '../api/me';
import { listProjects } from '../api/projects';
import type { Earnings, EarningsDay } from '../api/types';
import { LineChart } from '../components/charts';
import { formatMoney, toMajor, type Exponent } from '../lib/money';
import { ErrorAlert, Loading, TableHead, usePageTitle } from '../ui';

const DAYS = 90;

const DAY_MS = 86400000;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/*
 * Running totals for every day from just before the first money moved
 * until today, so the chart shows how earnings grew, with flat stretches
 * on quiet days, rather than isolated dots.
 */
export function cumulativeSeries(days: EarningsDay[], currency: string, todayMs = Date.now(), exponent?: Exponent) {
  const rows = days.filter((d) => d.currency === currency).sort((a, b) => a.day.localeCompare(b.day));
  const exp = exponent ?? rows[0]?.currency_exponent;
  const e: { x: string; y: number }[] = [];
  const p: { x: string; y: number }[] = [];
  if (rows.length > 0) {
    const byDay = new Map(rows.map((r) => [r.day, r]));
    const today = Math.floor(todayMs / DAY_MS) * DAY_MS;
    let earned = 0;
    let paid = 0;
    for (let t = Date.parse(rows[0].day) - DAY_MS; t <= today; t += DAY_MS) {
      const d = byDay.get(isoDay(t));
      earned += d?.earned ?? 0;
      paid += d?.paid ?? 0;
      e.push({ x: isoDay(t), y: toMajor(earned, currency, exp) });
      p.push({ x: isoDay(t), y: toMajor(paid, currency, exp) });
    }
  }
  return [
    { name: `Earned (${currency})`, points: e },
    { name: `Paid (${currency})`, points: p },
  ];
}

export type FigureLines = Record<'pending' | 'earned' | 'paid', string[]>;

/*
 * The headline figures, one line per currency: money in EUR and USD is two
 * amounts, and showing only the first currency's read "Paid €0.00" after a
 * USD payout. Without by_currency (no money yet) the single top-level
 * amounts stand.
 */
export function headlineLines(e: Earnings): FigureLines {
  const currencies = Object.keys(e.by_currency ?? {}).sort();
  if (currencies.length === 0) {
    const one = (minor: number) => [formatMoney(minor, e.currency, e.currency_exponent ?? undefined)];
    return { pending: one(e.pending ?? 0), earned: one(e.earned ?? 0), paid: one(e.paid ?? 0) };
  }
  const lines = (k: keyof FigureLines) =>
    currencies.map((c) => formatMoney(e.by_currency[c][k], c, e.by_currency[c].currency_exponent));
  return { pending: lines('pending'), earned: lines('earned'), paid: lines('paid') };
}

export function EarningsPage() {
  const [earnings, setEarnings] = useState<Earnings | null>(null);
  const [days, setDays] = useState<EarningsDay[] | null>(null);
  const [historyNote, setHistoryNote] = useState<string | null>(null);
  const [names, setNames] = useState<Map<number, string>>(new Map());
  const [error, setError] = useState<string | null>(null);
  usePageTitle('My earnings');

  useEffect(() => {
    let live = true;
    getEarnings()
      .then((e) => live && setEarnings(e))
      .catch((e) => live && setError(errorMessage(e)));
    getEarningsHistory(DAYS)
      .then((h) => live && setDays(h.items))
      .catch((e) => {
        if (!live) return;
        setDays([]);
        setHistoryNote(`The history could not be loaded: ${errorMessage(e)}`);
      });
    listProjects({ limit: 500 })
      .then((p) => live && setNames(new Map(p.items.map((x) => [x.id, x.name]))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);

  const currencies = useMemo(() => Object.keys(earnings?.by_currency ?? {}).sort(), [earnings]);
  const main = earnings?.currency ?? currencies[0] ?? 'USD';
  /* One chart per currency: amounts in two currencies share no axis, and
   * charting only the first hid a payout made in the other. */
  const charted = currencies.length > 1 ? currencies : [main];
  const exponentOf = (c: string) => earnings?.by_currency?.[c]?.currency_exponent ?? (c === main ? earnings?.currency_exponent ?? undefined : undefined);
  const lines = earnings ? headlineLines(earnings) : null;

  return (
    <section aria-labelledby="earnings-title">
      <div className="page-head">
        <h1 id="earnings-title">My earnings</h1>
      </div>
      <ErrorAlert error={error} />
      {!earnings && !error && <Loading />}
      {earnings && lines && (
        <>
          <dl className="figures" aria-label={currencies.length > 1 ? `Totals in ${currencies.join(' and ')}` : `Totals in ${main}`}>
            <Figure term="Pending" testId="earnings-pending" lines={lines.pending} note="Work in progress or waiting for acceptance" />
            <Figure term="Earned" testId="earnings-earned" lines={lines.earned} note="Accepted, not yet paid out" />
            <Figure term="Paid" testId="earnings-paid" lines={lines.paid} note="Paid out to you" />
          </dl>
          {currencies.length > 1 && (
            <MoneyTable
              caption="Totals in every currency"
              head="Currency"
              rows={currencies.map((c) => ({ key: c, label: c, currency: c, ...earnings.by_currency[c] }))}
            />
          )}
          {days === null ? (
            <Loading label="Loading the history…" />
          ) : (
            <>
              {historyNote && <p className="warning">{historyNote}</p>}
              {charted.map((c) => (
                <LineChart key={c} title={`Earned and paid over the last ${DAYS} days (${c}, running totals)`} series={cumulativeSeries(days, c, Date.now(), exponentOf(c))} />
              ))}
            </>
          )}
          {earnings.projects.length > 0 && (
            <MoneyTable
              caption="By project"
              head="Project"
              rows={earnings.projects.map((p) => ({ ...p, key: p.project_id, label: names.get(p.project_id) ?? `Project ${p.project_id}` }))}
            />
          )}
        </>
      )}
    </section>
  );
}

function Figure({ term, testId, lines, note }: { term: string; testId: string; lines: string[]; note: string }) {
  return (
    <div className="figure">
      <dt>{term}</dt>
      <dd data-testid={testId}>
        {lines.map((l, i) => (
          <span key={i} className="money-line">
            {l}
          </span>
        ))}
      </dd>
      <dd className="muted">{note}</dd>
    </div>
  );
}

interface MoneyRow {
  key: string | number;
  label: string;
  currency: string;
  currency_exponent?: number;
  pending: number;
  earned: number;
  paid: number;
}

/* Pending, earned and paid side by side, each row in its own currency. */
function MoneyTable({ caption, head, rows }: { caption: string; head: string; rows: MoneyRow[] }) {
  return (
    <table>
      <caption>{caption}</caption>
      <TableHead columns={[head, 'Pending', 'Earned', 'Paid']} />
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.label}</th>
            <td>{formatMoney(r.pending, r.currency, r.currency_exponent)}</td>
            <td>{formatMoney(r.earned, r.currency, r.currency_exponent)}</td>
            <td>{formatMoney(r.paid, r.currency, r.currency_exponent)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
