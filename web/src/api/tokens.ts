/* The signed-in person's API tokens: /me/tokens. */
import { api } from './client';
import type { ApiToken, CreatedApiToken, ListPage, NewApiToken } from './types';

export function listTokens(): Promise<ListPage<ApiToken>> {
  return api<ListPage<ApiToken>>('GET', '/me/tokens');
}

/* The answer's `token` is the only time the secret is shown. */
export function createToken(body: NewApiToken): Promise<CreatedApiToken> {
  return api<CreatedApiToken>('POST', '/me/tokens', body);
}

export function revokeToken(id: number): Promise<void> {
  return api<void>('DELETE', `/me/tokens/${id}`);
}
