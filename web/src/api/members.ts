/* A project's members: /projects/{id}/members. */
import { api } from './client';
import { fetchAll, pagePath, type PageQuery } from './paging';
import type { ListPage, Member, ProjectRole } from './types';

/* One page of members, paged by person. */
export function listMembersPage(projectId: number, q: PageQuery = {}): Promise<ListPage<Member>> {
  return api<ListPage<Member>>('GET', pagePath(`/projects/${projectId}/members`, q));
}

/* Every member (all pages, 500 people a request): the member pickers and
 * the members tab show the whole team. */
export async function listMembers(projectId: number): Promise<ListPage<Member>> {
  const items = await fetchAll((q) => listMembersPage(projectId, q), { max: 100000 });
  return { items, next_cursor: null };
}

/* Sets the person's roles in the project to exactly `roles`. */
export function setMemberRoles(projectId: number, userId: number, roles: ProjectRole[]): Promise<Member> {
  return api<Member>('PUT', `/projects/${projectId}/members/${userId}`, { roles });
}

export function removeMember(projectId: number, userId: number): Promise<void> {
  return api<void>('DELETE', `/projects/${projectId}/members/${userId}`);
}
