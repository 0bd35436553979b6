import { getConfig } from '@/lib/config';
import { handler, jsonResponse, onlyAllows } from '@/lib/http/request';
import { libraryStatus } from '@/lib/library';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** GET → the indexed articles, how retrieval runs, warnings, and example questions. */
export const GET = handler(async () => jsonResponse(await libraryStatus(getConfig())));

export const POST = onlyAllows('GET');
