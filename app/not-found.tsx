import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="doc">
      <h1>Not found</h1>
      <p>That document is not in the index. It may have been removed from the corpus and re-indexed.</p>
      <p><Link href="/">← Back to Dossier</Link></p>
    </div>
  );
}
