import request from 'supertest';
import { startTestHub, TestHub } from '../support/hub-app';

type Parameter = { name: string; in: string; required: boolean; description?: string; schema: Record<string, unknown> };
type Operation = { security?: object[]; summary?: string; parameters?: Parameter[]; responses: Record<string, { headers?: Record<string, { description?: string }> }> };

describe('Swagger (OpenAPI at /docs-json, UI at /docs)', () => {
  let hub: TestHub;
  let doc: { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, { scheme: string }>; schemas: Record<string, unknown> } };

  beforeAll(async () => {
    hub = await startTestHub();
    doc = (await request(hub.url).get('/docs-json').expect(200)).body;
  });
  afterAll(() => hub.close());

  const routes: [string, string][] = [
    ['get', '/health'],
    ['get', '/health/live'],
    ['get', '/health/ready'],
    ['post', '/api/tasks'],
    ['get', '/api/tasks'],
    ['get', '/api/tasks/{name}'],
    ['delete', '/api/tasks/{name}'],
    ['post', '/api/tasks/finish'],
    ['post', '/api/tasks/next'],
    ['post', '/api/tasks/{name}/finish'],
    ['patch', '/api/tasks/{name}'],
    ['post', '/api/tasks/{name}/move'],
    ['post', '/api/tasks/{name}/acknowledge-data-loss'],
    ['post', '/api/tasks/{name}/dead/requeue'],
    ['get', '/api/nodes'],
    ['post', '/api/nodes/{id}/stop'],
    ['get', '/api/events'],
    ['post', '/gridnode/register'],
    ['post', '/gridnode/heartbeat'],
    ['post', '/gridnode/deregister'],
    ['get', '/gridnode/task'],
    ['post', '/agent/register'],
    ['post', '/agent/heartbeat'],
    ['post', '/agent/deregister'],
    ['get', '/agent/task'],
  ];

  it.each(routes)('documents %s %s with a summary, and the bearer scheme unless open', (method, path) => {
    const op = doc.paths[path]?.[method];
    expect(op).toBeDefined();
    expect(op.summary ?? '').not.toBe('');
    if (path.startsWith('/health')) expect(op.security).toBeUndefined();
    else expect(op.security).toEqual([{ bearer: [] }]);
  });

  it('documents the optional {name} body of finish and next', () => {
    for (const path of ['/api/tasks/finish', '/api/tasks/next']) {
      const op = doc.paths[path].post as Operation & { requestBody?: { required?: boolean; content: Record<string, { schema: { $ref: string } }> } };
      expect(op.requestBody?.required).toBe(false);
      expect(op.requestBody?.content['application/json'].schema.$ref).toBe('#/components/schemas/FinishRequestDto');
      expect(op.responses['409']).toBeDefined();
    }
    const dto = doc.components.schemas.FinishRequestDto as { properties: Record<string, { description?: string }> };
    expect(dto.properties.name.description).toMatch(/running/);
  });

  it('documents the paging query of GET /api/nodes and its Link header', () => {
    const op = doc.paths['/api/nodes'].get;
    const params = Object.fromEntries((op.parameters ?? []).map((p) => [p.name, p]));
    expect(params.limit).toMatchObject({ in: 'query', required: false, schema: { minimum: 1, maximum: 1000 } });
    expect(params.limit.description).toMatch(/Link header/);
    expect(params.after).toMatchObject({ in: 'query', required: false });
    expect(op.responses['200'].headers?.Link.description).toMatch(/rel="next"/);
    expect(op.responses['400']).toBeDefined();
  });

  it('offers the bearer scheme and every DTO with its fields', () => {
    expect(doc.components.securitySchemes.bearer.scheme).toBe('bearer');
    for (const dto of ['TaskCreateDto', 'TaskRecordDto', 'TaskListDto', 'FinishResultDto', 'FinishRequestDto', 'NextResultDto', 'RegisterNodeDto', 'HeartbeatDto', 'NodeRecordDto', 'TaskConfigDto', 'TaskEnvelopeDto', 'HostUsageDto', 'InstanceStatusDto']) {
      expect(doc.components.schemas[dto]).toBeDefined();
    }
    const create = doc.components.schemas.TaskCreateDto as { properties: Record<string, { description?: string }>; required: string[] };
    expect(create.required).toEqual(['name']);
    for (const field of ['image', 'images', 'input_redis', 'output_redis', 'input_queue', 'output_queue', 'env', 'cpus', 'memory_mb', 'gpus', 'max_containers_per_node', 'max_attempts', 'batch_timeout_s', 'auto_finish', 'auto_finish_grace_s']) {
      expect(create.properties[field]?.description).toBeTruthy();
    }
  });
});
