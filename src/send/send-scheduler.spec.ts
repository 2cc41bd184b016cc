import { Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { JobName, type JobOf } from '../queue/queue.constants';
import { OutboundMessage, type OutboundStatus } from './outbound-message.entity';
import type { OutboxRepository } from './outbox.repository';
import { JOB_OPTIONS } from '../queue/queue.constants';
import { SendScheduler, sendJobId } from './send-scheduler';

const SEND_JOB_OPTIONS = JOB_OPTIONS[JobName.SendMessage];

const AT = new Date('2026-01-01T00:00:00Z');

function message(
  id: string,
  seq: number,
  recipientKey: string,
  status: OutboundStatus = 'queued',
): OutboundMessage {
  return Object.assign(new OutboundMessage(), {
    id,
    seq: String(seq),
    pageId: '100',
    recipientKey,
    status,
    attempts: 0,
    nextAttemptAt: AT,
  });
}

type Bulk = Parameters<Queue<JobOf<JobName.SendMessage>>['addBulk']>[0];

describe(SendScheduler.name, () => {
  let bulks: Bulk[];
  let queue: { addBulk: jest.Mock; client: { status: string } };
  let scheduler: SendScheduler;

  beforeEach(() => {
    bulks = [];
    queue = {
      client: { status: 'ready' },
      addBulk: jest.fn((jobs: Bulk) => {
        bulks.push(jobs);
        return Promise.resolve([]);
      }),
    };
    scheduler = new SendScheduler(
      queue as unknown as Queue<JobOf<JobName.SendMessage>>,
      {} as OutboxRepository,
    );
  });
  afterEach(() => jest.restoreAllMocks());

  it('adds the jobs of a batch in one call, one per lane: the earliest queued message of each', async () => {
    const batch = [
      message('b2', 12, 'psid:2'),
      message('a1', 10, 'psid:1'),
      message('b1', 11, 'psid:2'),
      message('a2', 13, 'psid:1'),
      message('c1', 14, 'psid:3', 'held'),
    ];
    await expect(scheduler.enqueueMany(batch)).resolves.toBe(true);
    expect(queue.addBulk).toHaveBeenCalledTimes(1);
    expect(bulks[0]).toEqual([
      {
        name: JobName.SendMessage,
        data: { messageId: 'b1' },
        opts: { ...SEND_JOB_OPTIONS, jobId: sendJobId(batch[2]), delay: 0 },
      },
      {
        name: JobName.SendMessage,
        data: { messageId: 'a1' },
        opts: { ...SEND_JOB_OPTIONS, jobId: sendJobId(batch[1]), delay: 0 },
      },
    ]);
  });

  it('compares positions in a lane as numbers, not as text', async () => {
    await scheduler.enqueueMany([message('late', 10, 'psid:1'), message('early', 9, 'psid:1')]);
    expect(bulks[0].map((job) => job.data.messageId)).toEqual(['early']);
  });

  it('adds nothing for held messages only, and answers false (never throws) when Redis fails', async () => {
    await expect(scheduler.enqueueMany([message('h', 1, 'psid:1', 'held')])).resolves.toBe(true);
    expect(queue.addBulk).not.toHaveBeenCalled();

    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    queue.addBulk.mockRejectedValueOnce(new Error('Connection is closed.'));
    await expect(scheduler.enqueueMany([message('q', 1, 'psid:1')])).resolves.toBe(false);
  });

  it('keeps no completed send job in Redis', () => {
    expect(SEND_JOB_OPTIONS).toMatchObject({ attempts: 1, removeOnComplete: true });
  });
});
