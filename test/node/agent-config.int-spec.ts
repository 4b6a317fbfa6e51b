import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../support/ports';
import { freePort } from '../support/ports';
import { startAgent } from './support/agent-process';

/** The built agent's start-up failures and warnings, as a user sees them. (Issue 6 points 9, 10.) */
describe('GridNode start-up', () => {
  jest.setTimeout(60_000);

  function configFile(text: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'gridnode-cfg-'));
    writeFileSync(join(dir, 'gridnode.toml'), text);
    return join(dir, 'gridnode.toml');
  }

  it.each([
    ['no server_url', '', {}, /^config: server_url is required: set it in .*gridnode\.toml or GRIDNODE_SERVER_URL/],
    ['parallelism 0', 'server_url = "http://127.0.0.1:9"\nparallelism = 0\n', {}, /^config: parallelism in .* must be an integer from 1 to 4096 \(got 0\)/],
    ['unreadable TOML', 'server_url = "http://127.0.0.1:9\n', {}, /^config: .*gridnode\.toml is not valid TOML/],
    ['a bad env value', 'server_url = "http://127.0.0.1:9"\n', { GRIDNODE_STOP_TIMEOUT: 'soon' }, /^config: stop_timeout \(from GRIDNODE_STOP_TIMEOUT\) must be an integer/],
    ['a typo of a key', 'server_url = "http://127.0.0.1:9"\nparalellism = 4\n', {}, /^config: paralellism: did you mean parallelism\? \(an unknown key in .*gridnode\.toml\)$/],
    ['a server_url that is no URL', 'server_url = "hub:8080"\n', {}, /^config: server_url in .* must be an http:\/\/ or https:\/\/ URL such as http:\/\/hub:8080 \(got "hub:8080"\)$/],
  ])('refuses %s with one line and a non-zero exit', async (_name, text, env, message) => {
    const agent = startAgent({ GRIDNODE_CONFIG: configFile(text), ...env });
    expect(await agent.exited).toBe(2);
    const lines = agent.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it("warns about an original user's unknown keys and says clearly when Docker is unreachable, retrying without a stack", async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'nodocker-')), 'docker.sock');
    const file = configFile(`server_url = "http://127.0.0.1:${await freePort()}"\ntoken = "t"\narchitecture = "x86_64"\n`);
    const agent = startAgent({ GRIDNODE_CONFIG: file, GRIDNODE_DOCKER_SOCKET: socket });
    await waitFor(() => (agent.output().match(/cannot reach the Docker engine/g) ?? []).length >= 2, 20_000, 'two Docker retries');
    const out = agent.output();
    expect(out).toContain(`config: key architecture in ${file} is not used by GridCore; ignored`);
    expect(out).toContain(`cannot reach the Docker engine at ${socket} (ENOENT): is dockerd running`);
    expect(out).toMatch(/retrying in \d+\.\d s/);
    expect(out).not.toMatch(/^\s+at /m);
    expect(agent.process.exitCode).toBeNull();
    agent.signal('SIGTERM');
    expect(await agent.exited).toBe(0);
  });

  it('retries with backoff while the hub is unreachable and keeps running', async () => {
    const port = await freePort();
    const agent = startAgent({ GRIDNODE_SERVER_URL: `http://127.0.0.1:${port}`, GRIDNODE_TOKEN: 't' });
    await waitFor(() => (agent.output().match(/register failed: hub unreachable/g) ?? []).length >= 2, 20_000, 'two register retries');
    expect(agent.output()).toContain(`register failed: hub unreachable at http://127.0.0.1:${port} (ECONNREFUSED); retrying in`);
    expect(agent.output()).not.toMatch(/^\s+at /m);
    expect(agent.process.exitCode).toBeNull();
    agent.signal('SIGINT');
    expect(await agent.exited).toBe(0);
  });
});
