/* Names of every user by id, for showing who did something (admin pages). */
import { allUsers } from '../api/users';
import { useLoad } from './hooks';

export function useUserNames(): Map<number, string> {
  const users = useLoad(allUsers, []);
  return new Map((users.data ?? []).map((u) => [u.id, u.name]));
}
