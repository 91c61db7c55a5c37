import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Consensus } from '../api/types';
import { ConsensusPanel, describeDisagreement } from './Consensus';

/* What the server answers for three annotators (tests/api/consensus.test.mjs). */
const CONSENSUS: Consensus = {
  annotators: 3,
  quorum: 2,
  result: [
    { id: 'consensus_1', from_name: 'weather', to_name: 'image', type: 'choices', value: { choices: ['Sunny'] } },
    { id: 'consensus_2', from_name: 'box', to_name: 'image', type: 'rectanglelabels', value: { x: 11, y: 11.3, width: 20, height: 20.7, rectanglelabels: ['Car'] } },
  ],
  controls: [
    { name: 'weather', method: 'vote', agreement: 1, disagreements: [] },
    {
      name: 'box',
      method: 'cluster',
      agreement: 0.5,
      disagreements: [
        { reason: 'no_quorum', to_name: 'image', type: 'rectanglelabels', annotators: 1, labels: [{ value: ['Person'], count: 1 }], value: { x: 60, y: 60, width: 10, height: 10, rectanglelabels: ['Person'] } },
      ],
    },
  ],
};

describe('ConsensusPanel', () => {
  afterEach(cleanup);

  it('lists the disagreements by control and loads the consensus on request', () => {
    const onStart = vi.fn();
    const { rerender } = render(<ConsensusPanel consensus={CONSENSUS} action="Correct and approve" loaded={false} onStart={onStart} />);
    expect(screen.getByRole('heading').textContent).toBe('Consensus of 3 annotators');
    expect(screen.getByText(/2 regions and answers that at least 2 of them agree on/).textContent).toContain('then choose “Correct and approve”.');
    const list = screen.getByRole('list', { name: 'Disagreements' });
    /* Only the control with a disagreement is listed. */
    expect(list.textContent).not.toContain('weather');
    expect(list.textContent).toContain('box (50% agreed)');
    expect(list.textContent).toContain('Person box x 60%, y 60%, 10×10%: drawn by 1 of 3, left out.');
    fireEvent.click(screen.getByRole('button', { name: 'Start from consensus' }));
    expect(onStart).toHaveBeenCalledTimes(1);
    rerender(<ConsensusPanel consensus={CONSENSUS} action="Correct and approve" loaded onStart={onStart} />);
    expect((screen.getByRole('button', { name: 'Consensus loaded' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('says so when the annotators agree on everything', () => {
    const all = { ...CONSENSUS, controls: [CONSENSUS.controls[0]] };
    render(<ConsensusPanel consensus={all} action="Override" loaded={false} onStart={() => {}} />);
    expect(screen.getByText('The annotators agree on everything they labeled.')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Disagreements' })).toBeNull();
  });
});

describe('describeDisagreement', () => {
  it('words votes, text runs and label splits', () => {
    expect(
      describeDisagreement(
        { reason: 'no_quorum', to_name: 'image', votes: [{ value: { choices: ['Sunny'] }, count: 2 }, { value: { choices: ['Rainy'] }, count: 2 }] },
        4,
      ),
    ).toBe('No answer has the quorum on image: Sunny ×2, Rainy ×2.');
    expect(describeDisagreement({ reason: 'no_quorum', to_name: 'text', label: 'PER', start: 12, end: 13, annotators: 1 }, 3, 'Alice met Bob')).toBe(
      'PER “b” chars 12–13: marked by 1 of 3.',
    );
    expect(
      describeDisagreement(
        { reason: 'label_split', to_name: 'image', id: 'consensus_1', annotators: 3, labels: [{ value: ['Car'], count: 2 }, { value: ['Person'], count: 1 }] },
        3,
      ),
    ).toBe('Labels differ on a merged region (Car ×2, Person ×1): the majority\'s is kept.');
  });
});
