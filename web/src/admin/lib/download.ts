/* Hands the browser a fetched attachment to save under the server's name. */
import type { ExportFile } from '../../api/types';
import { dispositionFilename } from './exportFilter';

export function saveFile(file: ExportFile, fallback: string): void {
  const url = URL.createObjectURL(file.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = dispositionFilename(file.disposition, fallback);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
