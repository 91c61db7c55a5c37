/*
 * Idempotency keys for money movements. getRandomValues works outside
 * secure contexts too, unlike crypto.randomUUID.
 */
export function newIdempotencyKey(prefix = 'ui'): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return `${prefix}-${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}
