import { Command, InvalidArgumentError } from 'commander';
import { CliContext, printJson } from '../context';
import { table } from '../table';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

/** `gridctl token create|list|revoke`: join tokens for volunteers (issue 16). */
export function tokenCommand(): Command {
  const token = new Command('token').description("join tokens: what a volunteer's node registers with");
  token
    .command('create')
    .description('make a join token (its secret is printed once: hand it to the volunteer)')
    .argument('<label>', 'who it is for')
    .option('--max-nodes <n>', 'at most this many live nodes with it', positiveInt)
    .option('--expires-at <time>', 'RFC 3339 time after which it registers no node (e.g. 2030-01-01T00:00:00Z)')
    .option('--json', 'print the hub answer as JSON')
    .action(async (label: string, o: { maxNodes?: number; expiresAt?: string; json?: boolean }, cmd: Command) => {
      const hub = CliContext.fromCommand(cmd).hub;
      const created = await hub.createJoinToken({ label, ...(o.maxNodes ? { max_nodes: o.maxNodes } : {}), ...(o.expiresAt ? { expires_at: o.expiresAt } : {}) });
      if (o.json) return printJson(created);
      process.stdout.write(`${created.token}\n`);
      process.stderr.write(`join token ${created.id} (${created.label}): shown once; the volunteer sets it as token in gridnode.toml or GRIDNODE_TOKEN\n`);
    });
  token
    .command('list')
    .description('every join token (never its secret) with the nodes that joined with it')
    .option('--json', 'print the join tokens as JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const tokens = await CliContext.fromCommand(cmd).hub.joinTokens();
      if (o.json) return printJson(tokens);
      if (!tokens.length) return void process.stdout.write('no join tokens\n');
      const rows = tokens.map((t) => [
        t.id,
        t.label,
        t.revoked_at ? `revoked ${t.revoked_at}` : t.expires_at && Date.parse(t.expires_at) <= Date.now() ? 'expired' : 'active',
        `${t.live_nodes}${t.max_nodes !== null ? `/${t.max_nodes}` : ''}`,
        t.expires_at ?? 'never',
        t.nodes.map((n) => `${n.node_id}${n.revoked_at ? ' (revoked)' : ''}`).join(', ') || '-',
      ]);
      process.stdout.write(`${table(['ID', 'LABEL', 'STATE', 'NODES', 'EXPIRES', 'JOINED'], rows)}\n`);
    });
  token
    .command('revoke')
    .description('revoke a join token and every node that joined with it')
    .argument('<id>')
    .option('--json', 'print the hub answer as JSON')
    .action(async (id: string, o: { json?: boolean }, cmd: Command) => {
      const answer = await CliContext.fromCommand(cmd).hub.revokeJoinToken(id);
      if (o.json) return printJson(answer);
      const nodes = answer.revoked_nodes.length ? `; revoked nodes ${answer.revoked_nodes.join(', ')}` : '';
      process.stdout.write(`revoked join token ${id}${nodes}\n`);
    });
  return token;
}
