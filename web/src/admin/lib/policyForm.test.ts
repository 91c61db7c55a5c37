import { describe, expect, it } from 'vitest';
import { checkPolicies, checkTaskTypes, policyValues, serverPolicyErrors, type PolicyField } from './policyForm';

const fields: PolicyField[] = [
  { name: 'lease_seconds', type: 'integer', unit: 'seconds', description: '', default: 600, min: 1, max: 604800 },
  { name: 'segment_seconds', type: 'integer', unit: 'seconds', description: '', default: 0, min: 0, max: 86400 },
  { name: 'segment_overlap_seconds', type: 'integer', unit: 'seconds', description: '', default: 0, min: 0, max: 86400 },
  { name: 'l3_sample_rate', type: 'fraction', unit: 'fraction', description: '', default: 1, min: 0, max: 1 },
  { name: 'pay_overturned_l2', type: 'boolean', unit: '', description: '', default: false },
];

describe('policyForm', () => {
  it('starts from the project, else the defaults, with the fraction as a percentage', () => {
    expect(policyValues(fields, { lease_seconds: 90, l3_sample_rate: 0.0525 })).toEqual({
      lease_seconds: '90',
      segment_seconds: '0',
      segment_overlap_seconds: '0',
      l3_sample_rate: '5.25',
      pay_overturned_l2: false,
    });
  });

  it('sends the fraction as 0..1 and every value typed', () => {
    const r = checkPolicies(fields, { lease_seconds: ' 30 ', segment_seconds: '10', segment_overlap_seconds: '2', l3_sample_rate: '12.5', pay_overturned_l2: true });
    expect(r).toEqual({ errors: {}, body: { lease_seconds: 30, segment_seconds: 10, segment_overlap_seconds: 2, l3_sample_rate: 0.125, pay_overturned_l2: true } });
  });

  it('reports every field out of its bounds at once, and no body', () => {
    const r = checkPolicies(fields, { lease_seconds: '0', segment_seconds: '1.5', segment_overlap_seconds: '', l3_sample_rate: '100.001', pay_overturned_l2: false });
    expect(r.body).toBeNull();
    expect(Object.keys(r.errors).sort()).toEqual(['l3_sample_rate', 'lease_seconds', 'segment_overlap_seconds', 'segment_seconds']);
    expect(r.errors.lease_seconds).toBe('Enter a whole number from 1 to 604800 (seconds).');
    expect(checkPolicies(fields, { lease_seconds: '604801' }).errors.lease_seconds).toBeDefined();
    expect(checkPolicies(fields, { ...policyValues(fields, {}), lease_seconds: '604800' }).body).not.toBeNull();
  });

  it('keeps the segment overlap below a non-zero length, as the server does', () => {
    const v = { ...policyValues(fields, {}), segment_seconds: '10', segment_overlap_seconds: '10' };
    expect(checkPolicies(fields, v).errors).toEqual({ segment_overlap_seconds: 'Must be less than the segment length.' });
    expect(checkPolicies(fields, { ...v, segment_seconds: '0' }).body).not.toBeNull();
  });

  it('maps the server\'s details back to fields', () => {
    expect(
      serverPolicyErrors(fields, ['policy lease_seconds must be an integer from 1 to 604800', 'unknown policy "colour"', 'task type "hard": policy lease_seconds must be an integer from 1 to 604800']),
    ).toEqual({
      errors: { lease_seconds: 'policy lease_seconds must be an integer from 1 to 604800', task_types: 'task type "hard": policy lease_seconds must be an integer from 1 to 604800' },
      other: ['unknown policy "colour"'],
    });
  });

  it('checks the task types with the same table', () => {
    expect(checkTaskTypes(fields, '')).toEqual({ error: null, value: {} });
    expect(checkTaskTypes(fields, '{"hard": {"lease_seconds": 1800, "l3_sample_rate": 0.5}}').error).toBeNull();
    expect(checkTaskTypes(fields, '{').error).toMatch(/^Not valid JSON/);
    expect(checkTaskTypes(fields, '[]').error).toMatch(/^Must be a JSON object/);
    expect(checkTaskTypes(fields, '{"hard": {"lease_seconds": 0, "colour": 1, "segment_seconds": 5, "pay_overturned_l2": 1}}').error).toBe(
      '"hard": lease_seconds must be an integer from 1 to 604800. "hard": unknown policy "colour". "hard": segment_seconds is set for the whole project. "hard": pay_overturned_l2 must be true or false.',
    );
  });
});
