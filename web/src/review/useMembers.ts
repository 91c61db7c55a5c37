import { useEffect, useState } from 'react';
import { listMembers } from '../api/members';

/* Names for the user ids in a task's history; ids outside the project show as "user #id". */
export function useMemberNames(projectId: number): (id: number) => string {
  const [names, setNames] = useState<Map<number, string>>(new Map());
  useEffect(() => {
    let live = true;
    listMembers(projectId)
      .then((page) => live && setNames(new Map(page.items.map((m) => [m.user_id, m.name || m.email || `#${m.user_id}`]))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [projectId]);
  return (id: number) => names.get(id) ?? `user #${id}`;
}
