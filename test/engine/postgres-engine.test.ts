import { runEngineConformance } from '../../src/testing/index.js';
import { PostgresEngine } from '../../src/engine/postgres/index.js';
import { freshPostgresEngine } from '../helpers/postgres-engines.js';

runEngineConformance({
  name: 'postgres',
  factory: () => freshPostgresEngine(),
  reopen: (closed) => {
    if (!(closed instanceof PostgresEngine)) throw new Error('the suite reopens the engines this factory made');
    return new PostgresEngine(closed.config);
  },
});
