/**
 * Next.js calls this once as the server starts, before it takes requests: the server warms up
 * (lib/http/warm) so that its first questions are answered as fast as the later ones. Bounded, so
 * a model still downloading never holds the server back: requests then wait for it themselves.
 */
const WARM_UP_LIMIT_MS = 15_000;

export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { warmUp } = await import('@/lib/http/warm');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    warmUp(),
    new Promise((resolve) => {
      timer = setTimeout(resolve, WARM_UP_LIMIT_MS);
    }),
  ]);
  clearTimeout(timer);
}
