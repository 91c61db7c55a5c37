/* Scores and Label Studio regions as the gold feedback and the quality tab write them. */
import { describe, expect, it } from 'vitest';
import { describeResult, percent } from './results';

describe('results as people read them', () => {
  it('rounds percentages and names each region by its control', () => {
    expect(percent(0.834)).toBe('83%');
    expect(percent(1)).toBe('100%');
    expect(describeResult({ from_name: 'label', value: { start: 0, end: 5, text: 'Alice', labels: ['PER'] } })).toBe('label: PER “Alice”');
    expect(describeResult({ from_name: 'tax', value: { taxonomy: [['Animal', 'Cat']] } })).toBe('tax: Animal / Cat');
    expect(describeResult({ from_name: 'stars', value: { rating: 4 } })).toBe('stars: 4 stars');
    expect(describeResult({ from_name: 'box', value: { x: 1, y: 2 } })).toBe('box: {"x":1,"y":2}');
  });
});
