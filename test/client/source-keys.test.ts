// The binary key cases of test/keepr/source-key-cases.ts through the HTTP client, against a live
// server on 127.0.0.1 (keys travel as hex in paths, base64url in listings, bytes in the framing).
import { sourceKeyCases } from '../keepr/source-key-cases.js';
import { liveClient } from './live-server.js';

sourceKeyCases('a live server through the client', async () => (await liveClient()).client, 10);
