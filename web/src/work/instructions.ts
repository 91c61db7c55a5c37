/*
 * The project's instructions open as an overlay the first time someone
 * opens its labeling page in this browser, and again whenever they change:
 * what was seen is remembered in localStorage as a hash of the text.
 */

const KEY_PREFIX = 'labelflow.instructions.';

/* A short, stable fingerprint of the text (FNV-1a, 32 bits). */
export function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/* Whether the overlay should open: there are instructions and these were not seen here yet. */
export function shouldShowInstructions(projectId: number, instructions: string | null | undefined): boolean {
  const text = instructions?.trim();
  if (!text) return false;
  const seen = storage()?.getItem(KEY_PREFIX + projectId);
  return seen !== textHash(text);
}

export function markInstructionsSeen(projectId: number, instructions: string): void {
  try {
    storage()?.setItem(KEY_PREFIX + projectId, textHash(instructions.trim()));
  } catch {
    /* A full or blocked storage only means the overlay opens again next time. */
  }
}
