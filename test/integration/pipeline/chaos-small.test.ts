import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ChaosReport } from '../../../bench/chaos';

/**
 * The chaos run's small configuration (issue #9), as `npm run chaos -- --small --json` runs it, on the sources:
 * every event delivered 1–3 times in shuffled order, QBO throttles, 5xx, lost responses and a token expiry,
 * consumers crashing between the QBO write and the ledger commit, and the whole stack process SIGKILLed and
 * restarted. Every invariant must hold, and the faults must really have happened.
 */
const ROOT = join(__dirname, '../../..');
const REGISTER = join(ROOT, 'test/support/ts-register.cjs');

function runChaos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', REGISTER, join(ROOT, 'bench/chaos.ts'), ...args], {
      cwd: ROOT,
      // Children the chaos driver forks (the stack, the simulator) compile their sources the same way.
      env: { ...process.env, NODE_OPTIONS: `--require ${REGISTER}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run chaos -- --small', () => {
  it('keeps every Stripe object in QBO exactly once, to the cent, with every event accounted for', async () => {
    const { code, stdout, stderr } = await runChaos(['--small', '--json', '--seed', '7', '--crash-rate', '0.1']);
    if (code !== 0) throw new Error(`chaos exited ${code}\n${stdout}\n${stderr.slice(-4000)}`);
    const report = JSON.parse(stdout) as ChaosReport;
    expect(report).toMatchObject({
      ok: true,
      duplicates: 0,
      missing: 0,
      penny_mismatches: 0,
      unaccounted: 0,
      stack_killed_and_restarted: 1,
    });
    expect(report.examples).toEqual([]);
    // The run proves nothing unless the faults were real: every event sent, most more than once, and faults of
    // QBO's and crashes of our own consumers both injected.
    expect(report.events_sent).toBeGreaterThanOrEqual(40);
    expect(report.deliveries).toBeGreaterThan(report.events_sent);
    expect(report.qbo_faults).toBeGreaterThan(0);
    expect(report.consumer_crashes_before_commit).toBeGreaterThan(0);
  }, 240_000);
});
