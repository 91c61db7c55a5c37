/* User accounts (admin): /users. */
import { api } from './client';
import { fetchAll, pagePath, type PageQuery } from './paging';
import type { ListPage, NewUser, UserPatch, UserRecord } from './types';

export function listUsers(q: PageQuery = {}): Promise<ListPage<UserRecord>> {
  return api<ListPage<UserRecord>>('GET', pagePath('/users', q));
}

export function allUsers(): Promise<UserRecord[]> {
  return fetchAll(listUsers);
}

export function createUser(body: NewUser): Promise<UserRecord> {
  return api<UserRecord>('POST', '/users', body);
}

export function updateUser(id: number, body: UserPatch): Promise<UserRecord> {
  return api<UserRecord>('PATCH', `/users/${id}`, body);
}
