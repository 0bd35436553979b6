import type { Snapshot } from '@/lib/store/local/snapshot';
import { LocalSnapshotReader } from '@/lib/store/local/store';
import type { Passage } from '@/lib/store/types';

/** Every passage and body of a snapshot, decoded (tests only: the store decodes lazily). */
export async function snapshotContents(snap: Snapshot): Promise<Snapshot & { passages: Passage[]; bodies: Record<string, string> }> {
  const reader = new LocalSnapshotReader(snap);
  const passages: Passage[] = [];
  for await (const p of reader.scanPassages()) passages.push(p);
  const bodies: Record<string, string> = {};
  for (const d of snap.manifest.documents) bodies[d.id] = (await reader.documentText(d.id))!;
  return { ...snap, passages, bodies };
}
