import { join } from 'node:path';
import { startQboSimulatorProcess } from '../../../dev/qbo-simulator/main';
import type { SimulatorProcess } from '../../../dev/qbo-simulator/main';

const ENTRY = join(__dirname, '../../../dev/qbo-simulator/main.ts');
const REGISTER = ['--require', join(__dirname, '../../support/ts-register.cjs')];

describe('QBO simulator in its own process, driven over /__sim', () => {
  let sim: SimulatorProcess;
  beforeAll(async () => {
    sim = await startQboSimulatorProcess(ENTRY, ['--realm', '111', '--time-scale', '0.01'], REGISTER);
  });
  afterAll(async () => {
    await sim.stop();
  });

  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      body: response.status === 204 ? undefined : ((await response.json()) as unknown),
    };
  };

  it('seeds, issues tokens, injects faults, and exposes entities and stats', async () => {
    expect((await control('POST', '/__sim/seed', { realmId: '222' })).status).toBe(204);
    const tokens = (await control('POST', '/__sim/tokens', { realmId: '222' })).body as {
      access_token: string;
      token_type: string;
    };
    expect(tokens.token_type).toBe('bearer');
    const auth = { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' };

    expect((await control('POST', '/__sim/faults', { kind: '5xx', count: 1, realmId: '222' })).status).toBe(204);
    const failed = await fetch(`${sim.url}/v3/company/222/customer?requestid=p1`, {
      method: 'POST',
      headers: auth,
      body: '{"DisplayName":"P"}',
    });
    expect(failed.status).toBe(500);
    const created = await fetch(`${sim.url}/v3/company/222/customer?requestid=p1`, {
      method: 'POST',
      headers: auth,
      body: '{"DisplayName":"P"}',
    });
    expect(created.status).toBe(200);

    const customers = (await control('GET', '/__sim/entities?realmId=222&entity=Customer')).body as Array<{
      DisplayName: string;
    }>;
    expect(customers.map((c) => c.DisplayName)).toEqual(['P']);
    expect((await control('GET', '/__sim/stats')).body).toMatchObject({ requests: 2, writes: 1, faultsInjected: 1 });
    expect((await control('DELETE', '/__sim/faults')).status).toBe(204);
    expect((await control('POST', '/__sim/faults', { kind: 'nonsense' })).status).toBe(400);
  });
});
