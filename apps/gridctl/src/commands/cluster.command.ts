import { Command } from 'commander';
import { resolve } from 'node:path';
import { checkCluster, OperatorError, parseHubUrl, readCaFile } from '@gridcore/operator';
import { printJson } from '../context';
import { ProfileStore } from '../profiles';

interface AddOptions {
  hub: string;
  redis?: string;
  token?: string;
  redisPassword?: string;
  caFile?: string;
  default?: boolean;
  /** commander's negation of `--no-check`. */
  check: boolean;
}

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description('cluster profiles (gridctl.toml) and their secrets (credentials.toml, mode 0600)');

  cluster
    .command('add')
    .description('add or replace a cluster profile')
    .argument('<name>')
    .requiredOption('--hub <url>', 'the ComputeHub URL, e.g. http://127.0.0.1:8080')
    .option('--redis <url>', 'the Redis tasks use by default (a password in it goes to credentials.toml)')
    .option('--token <token>', 'hub token (or GRIDCTL_TOKEN in the environment, kept out of shell history)')
    .option('--redis-password <password>', 'Redis password (or GRIDCTL_REDIS_PASSWORD)')
    .option('--ca-file <file>', "PEM file of the CA that signed an https:// hub's certificate (saved in the profile as ca_file)")
    .option('--default', 'make it the default cluster')
    .option('--no-check', 'save without checking that the hub, the token and the Redis answer')
    .action(async (name: string, o: AddOptions, cmd: Command) => {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new OperatorError('a cluster name is 1 to 64 letters, digits, ".", "_" or "-"');
      const hubUrl = parseHubUrl(o.hub);
      const token = o.token ?? process.env.GRIDCTL_TOKEN;
      let redisUrl = o.redis;
      let redisPassword = o.redisPassword ?? process.env.GRIDCTL_REDIS_PASSWORD;
      if (redisUrl) {
        let u: URL;
        try {
          u = new URL(redisUrl);
        } catch {
          throw new OperatorError('--redis is not a redis:// URL');
        }
        if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new OperatorError('--redis is not a redis:// URL');
        if (u.password) {
          redisPassword ??= decodeURIComponent(u.password);
          u.password = '';
        }
        redisUrl = u.toString().replace(/\/$/, '');
      }
      // The root program declares --ca-file too, and commander hands it to whichever parsed it.
      const given = o.caFile ?? cmd.optsWithGlobals<{ caFile?: string }>().caFile;
      const caFile = given ? resolve(given) : undefined;
      const ca = caFile ? readCaFile(caFile) : null;
      const checked = o.check ? await checkCluster({ hubUrl, token, redisUrl, redisPassword, ca }) : null;
      const store = new ProfileStore();
      store.save(name, { computehub_url: hubUrl, redis_url: redisUrl, ca_file: caFile }, { token, redis_password: redisPassword }, !!o.default);
      process.stdout.write(`saved cluster ${name} in ${store.profilesPath} (secrets in ${store.credentialsPath}, mode 0600)\n`);
      if (checked) {
        const roles = checked.roles ? `token roles: ${checked.roles.join(', ')}` : 'no token given';
        process.stdout.write(`checked: hub ${hubUrl} answers, ${roles}${checked.redis ? `, Redis ${checked.redis} accepts the connection` : ''}\n`);
      }
    });

  cluster
    .command('rm')
    .description('remove a cluster profile and its secrets')
    .argument('<name>')
    .action((name: string) => {
      const store = new ProfileStore();
      const nextDefault = store.remove(name);
      process.stdout.write(`removed cluster ${name} from ${store.profilesPath} and ${store.credentialsPath}${nextDefault === undefined ? '' : nextDefault ? `; the default is now ${nextDefault}` : '; no default cluster left'}\n`);
    });

  cluster
    .command('list')
    .description('the configured clusters (no secrets)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      const store = new ProfileStore();
      const file = store.profiles();
      const secrets = store.credentials().cluster ?? {};
      const rows = Object.entries(file.cluster ?? {}).map(([name, p]) => ({
        name,
        default: name === file.default_cluster,
        computehub_url: p.computehub_url,
        redis_url: p.redis_url ?? null,
        token: !!secrets[name]?.token,
        redis_password: !!secrets[name]?.redis_password,
      }));
      if (o.json) return printJson(rows);
      if (!rows.length) return void process.stdout.write(`no clusters in ${store.profilesPath}\n`);
      for (const r of rows) {
        process.stdout.write(`${r.default ? '*' : ' '} ${r.name}  ${r.computehub_url}  ${r.redis_url ?? '-'}  token:${r.token ? 'yes' : 'no'} redis_password:${r.redis_password ? 'yes' : 'no'}\n`);
      }
    });
  return cluster;
}
