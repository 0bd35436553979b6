import Link from 'next/link';
import { connection } from 'next/server';

export default async function NotFound() {
  // Rendered per request, not prerendered: only then does Next.js give its scripts the nonce that
  // the Content-Security-Policy asks for.
  await connection();
  return (
    <div className="doc">
      <h1>Not found</h1>
      <p>That document is not in the index. It may have been removed from the corpus and re-indexed.</p>
      <p>
        <Link href="/">← Back to Dossier</Link>
      </p>
    </div>
  );
}
