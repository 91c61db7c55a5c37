/* A project's members: /projects/{id}/members. */
import { api } from './client';
import type { ListPage, Member, ProjectRole } from './types';

export function listMembers(projectId: number): Promise<ListPage<Member>> {
  return api<ListPage<Member>>('GET', `/projects/${projectId}/members`);
}

/* Sets the person's roles in the project to exactly `roles`. */
export function setMemberRoles(projectId: number, userId: number, roles: ProjectRole[]): Promise<Member> {
  return api<Member>('PUT', `/projects/${projectId}/members/${userId}`, { roles });
}

export function removeMember(projectId: number, userId: number): Promise<void> {
  return api<void>('DELETE', `/projects/${projectId}/members/${userId}`);
}
