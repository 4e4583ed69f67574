import { createValidators } from '../../../schemas/validators';
import { UNVERIFIED_LOCAL_EMULATOR_PUSHES } from '../../../shared/consumers/push-auth';
import { createPushHandler, type PushHandlerDeps } from '../../../shared/consumers/push-handler';
import { createRecorder } from '../../../shared/consumers/record';
import { RetryableError } from '../../../shared/errors';
import { buildEvent, buildInvoice } from '../accounting/factories';
import { MemoryReviewQueue, RecordingAuditSink, push, silentLogger } from './fakes';

function setUp(overrides: Partial<PushHandlerDeps> = {}) {
  const audit = new RecordingAuditSink();
  const reviewQueue = new MemoryReviewQueue();
  const synced: string[] = [];
  const handle = createPushHandler({
    entity: 'invoice',
    logger: silentLogger,
    validators: createValidators(),
    recorder: createRecorder({ functionName: 'sync-invoice', audit, reviewQueue, now: () => new Date(0) }),
    authenticate: UNVERIFIED_LOCAL_EMULATOR_PUSHES,
    sync: async (event) => {
      synced.push(event.eventId);
      return 'posted';
    },
    onFailure: async () => 503,
    ...overrides,
  });
  return { audit, reviewQueue, synced, consumer: { handle } };
}

const event = buildEvent('invoice.finalized', buildInvoice());

describe('push handler', () => {
  it('runs a valid event through the pipeline and acknowledges it', async () => {
    const { synced, consumer } = setUp();
    expect(await push(consumer, event)).toBe(204);
    expect(synced).toEqual([event.eventId]);
  });

  it("answers with the failure policy's status when the run throws", async () => {
    const seen: unknown[] = [];
    const { consumer } = setUp({
      sync: async () => {
        throw new RetryableError('later', { code: 'dependency_pending' });
      },
      onFailure: async (_event, error, attempt) => {
        seen.push(error, attempt);
        return 503;
      },
    });
    expect(await push(consumer, event, 4)).toBe(503);
    expect(seen).toEqual([expect.objectContaining({ code: 'dependency_pending' }), 4]);
  });

  it('acknowledges, records and parks a message that is not a valid normalized event, without running it', async () => {
    const { audit, reviewQueue, synced, consumer } = setUp();
    expect(await push(consumer, { ...event, schemaVersion: 2 })).toBe(204);
    expect(synced).toEqual([]);
    expect(audit.records).toEqual([
      expect.objectContaining({ recordId: 'invalid:m-1', outcome: 'parked', reason: 'invalid_message' }),
    ]);
    expect([...reviewQueue.items.values()]).toEqual([
      expect.objectContaining({ reason: 'invalid_message', failureClass: 'rejected', entity: 'invoice' }),
    ]);
  });
});
