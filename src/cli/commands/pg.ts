/** `keepr pg …`: PostgreSQL administration; here `keepr pg distribute` (Citus). */
import type { Command } from 'commander';
import type { DistributeReport } from '../../engine/postgres/index.js';
import { KeeprError } from '../../errors.js';
import { DEFAULT_PG_SCHEMA, redactUrl } from '../lib/store-engine.js';
import { printJSON, writeStdout } from './common.js';

interface DistributeOptions {
  readonly url?: string;
  readonly schema?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
}

function describe(report: DistributeReport, where: string): string {
  if (report.dryRun) {
    const note = report.citus ? '' : '-- note: the citus extension is not installed in this database: without --dry-run this refuses (CITUS_NOT_INSTALLED)\n';
    return `${note}${report.statements.map((s) => `${s};\n`).join('')}`;
  }
  const lines = report.tables.map((t) => `${t.distribution}\t${t.table}\n`).join('');
  const done = report.statements.length === 0 ? 'nothing to do: every table was distributed already' : `${report.statements.length} table(s) distributed in one transaction`;
  return `${lines}${where}#${report.schema}: ${done}\n`;
}

/** Registers `pg` and its subcommands on the program. */
export function registerPg(program: Command): void {
  const pg = program.command('pg').description('PostgreSQL administration of a store (--url, --schema)');
  pg.command('distribute')
    .description('make the store a Citus store where the citus extension is installed: keepr_meta and namespaces become reference tables, entries is distributed by ns, in one transaction (tables already distributed are skipped); refuses without Citus, changing nothing')
    .option('--dry-run', 'change nothing: print the statements it would send, one per line (also without Citus)')
    .option('--json', 'print { schema, citus, dryRun, tables: [{ table, distribution }], statements }')
    .action(async (options: DistributeOptions) => {
      if (options.url === undefined || options.url === '') {
        throw new KeeprError('OPTION_INVALID', 'keepr pg distribute needs a connection string: give --url postgres://user@host:port/database or set KEEPR_PG_URL', { details: { option: 'url' } });
      }
      const { distributePostgresStore } = await import('../../engine/postgres/index.js');
      const report = await distributePostgresStore(options.url, { schema: options.schema ?? DEFAULT_PG_SCHEMA, dryRun: options.dryRun === true });
      if (options.json === true) await printJSON(report);
      else await writeStdout(describe(report, redactUrl(options.url)));
    });
}
