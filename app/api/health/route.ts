import { handler, jsonResponse, onlyAllows } from '@/lib/http/request';
import { eventLoopWindow } from '@/lib/http/loop';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET → the server is up, and its event-loop delay since the previous call (for benchmarks). */
export const GET = handler(async () => jsonResponse({ ok: true, eventLoop: eventLoopWindow() }));
export const POST = onlyAllows('GET');
