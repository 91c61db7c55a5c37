/*
 * Escrow: balances, deposits and the ledger. A deposit carries an
 * idempotency key that stays the same until it succeeds or the form
 * changes, so a retried click after a lost answer cannot deposit twice.
 */
import { useState, type FormEvent } from 'react';
import { depositEscrow, getEscrow, listLedger, refundEscrow } from '../../api/escrow';
import type { Project } from '../../api/types';
import { newIdempotencyKey } from '../../lib/keys';
import { exampleAmount, formatMinor, formatMoney, parseMajor } from '../../lib/money';
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
  useUserNames,
} from '../../ui';

const ACCOUNT_LABELS: Record<string, string> = {
  external_funding: 'Funding (outside)',
  escrow: 'Escrow',
  held: 'Held for work in progress',
  payable: 'Payable to worker',
  payouts_pending: 'In a payout',
  external_payouts: 'Paid out',
};

export function EscrowTab({ project }: { project: Project }) {
  const [refresh, setRefresh] = useState(0);
  const escrow = useLoad(() => getEscrow(project.id), [project.id, refresh]);
  const { list: ledger, setPager, pagerProps } = usePagedList((q) => listLedger(project.id, q), 50, [project.id, refresh]);
  /* The exponent comes from the API with the currency; the one in the project object is as good. */
  const currency = escrow.data?.currency ?? project.currency;
  const exponent = escrow.data ? escrow.data.currency_exponent : project.currency_exponent;
  const money = (minor: number) => formatMoney(minor, currency, exponent);
  const names = useUserNames();

  const [amount, setAmount] = useState('');
  const [reference, setReference] = useState('');
  /* A different deposit is a different movement: it needs its own key. */
  const { key, renewKey, error, setError, busy, run, status, setStatus, begin } = useMoneyForm('deposit', [amount, reference]);

  function deposit(e: FormEvent) {
    e.preventDefault();
    begin();
    const parsed = parseMajor(amount, currency, { exponent });
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    run(async () => {
      const r = await depositEscrow(project.id, {
        amount: parsed.value,
        reference: reference.trim() || undefined,
        idempotency_key: key,
      });
      escrow.setData(r.escrow);
      setStatus(
        r.replayed
          ? `This deposit of ${money(r.amount)} was already recorded; nothing was added.`
          : `Deposited ${money(r.amount)}.`,
      );
      setAmount('');
      setReference('');
      renewKey();
      setPager(firstPage);
      setRefresh((x) => x + 1);
    });
  }

  async function refund() {
    begin();
    try {
      const r = await refundEscrow(project.id, newIdempotencyKey('refund'));
      escrow.setData(r.escrow);
      setStatus(`Refunded ${money(r.amount)}.`);
      setRefresh((x) => x + 1);
    } catch (err) {
      setError(err);
    }
  }

  const e = escrow.data;
  return (
    <div>
      <div className="page-head">
        <h2>Escrow</h2>
        <button type="button" onClick={() => setRefresh((x) => x + 1)}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={escrow.error} />
      {!e ? (
        escrow.loading && <Loading what="balances" />
      ) : (
        <dl className="stat-grid" aria-label={`Balances in ${currency}`}>
          <div>
            <dt>Available</dt>
            <dd data-testid="escrow-available" data-minor={e.available}>
              {money(e.available)}
            </dd>
          </div>
          <div>
            <dt>Held for work in progress</dt>
            <dd data-testid="escrow-held" data-minor={e.held}>
              {money(e.held)}
            </dd>
          </div>
          <div>
            <dt>Spent (earned by workers)</dt>
            <dd data-testid="escrow-spent" data-minor={e.spent}>
              {money(e.spent)}
            </dd>
          </div>
        </dl>
      )}

      <form className="card form-grid" onSubmit={deposit} aria-labelledby="deposit-title">
        <h3 id="deposit-title">Deposit</h3>
        <label htmlFor="es-amount">Amount</label>
        <input
          id="es-amount"
          inputMode="decimal"
          required
          aria-describedby="es-amount-hint"
          value={amount}
          onChange={(ev) => setAmount(ev.target.value)}
        />
        <p id="es-amount-hint" className="hint">
          In {currency}, for example {exampleAmount(currency, exponent)}.
        </p>
        <label htmlFor="es-reference">Reference (optional)</label>
        <input id="es-reference" value={reference} onChange={(ev) => setReference(ev.target.value)} />
        <ErrorAlert error={error} />
        <FormActions submit="Deposit" busy={busy}>
          {project.status === 'closed' && (
            <button type="button" className="secondary" onClick={refund}>
              Refund available escrow
            </button>
          )}
        </FormActions>
      </form>
      <StatusMessage>{status}</StatusMessage>

      <section aria-labelledby="ledger-title">
        <h3 id="ledger-title">Ledger</h3>
        <ErrorAlert error={ledger.error} />
        {ledger.loading && !ledger.data ? (
          <Loading what="the ledger" />
        ) : (
          <table className="data-table">
            <caption className="sr-only">Ledger entries, newest first</caption>
            <TableHead
              columns={['Entry', 'Time', 'Transaction', 'Account', 'User', 'Task', 'Memo', { label: `Amount (${currency})`, className: 'num' }]}
            />
            <tbody>
              {ledger.data?.items.length === 0 && <EmptyRow colSpan={8}>No money has moved yet.</EmptyRow>}
              {ledger.data?.items.map((l) => (
                <tr key={l.entry_id}>
                  <td className="num">{l.entry_id}</td>
                  <td>{formatTime(l.created_at, { seconds: true })}</td>
                  <td>
                    {l.txn_kind} <span className="hint">#{l.txn_id}</span>
                  </td>
                  <td>{ACCOUNT_LABELS[l.account] ?? l.account}</td>
                  <td>{l.user_id ? names.get(l.user_id) ?? `#${l.user_id}` : ''}</td>
                  <td>{l.task_id ?? ''}</td>
                  <td>{l.memo ?? ''}</td>
                  <td className="num">{formatMinor(l.amount, l.currency, l.currency_exponent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <PagerControls label="Ledger pages" newer {...pagerProps} />
      </section>
    </div>
  );
}
