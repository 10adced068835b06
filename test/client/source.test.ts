// The Source conformance cases of test/keepr/source-cases.ts, run through the HTTP client
// against a live server on 127.0.0.1 (one server per test: LMDB in a temp dir, then PostgreSQL).
import { sourceCases } from '../keepr/source-cases.js';
import { liveClient } from './live-server.js';

sourceCases('a live server through the client', async () => (await liveClient()).client);
sourceCases('a live server on PostgreSQL through the client', async () => (await liveClient({}, undefined, 'postgres')).client);
