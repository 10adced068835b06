// The instrument behaviour suite through the HTTP client, against servers on LMDB and PostgreSQL.
import { instrumentSuite } from '../instrument/instrument-suite.js';
import { liveClient } from './live-server.js';

for (const engine of ['lmdb', 'postgres'] as const) {
  instrumentSuite(`client over ${engine}`, async () => (await liveClient({}, undefined, engine)).client, { runs: engine === 'postgres' ? 4 : 10 });
}
