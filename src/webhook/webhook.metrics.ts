import { Injectable } from '@nestjs/common';

/**
 * Webhook counters, plain numbers for now; the metrics module exposes them to Prometheus later.
 * Monotonic since process start.
 */
@Injectable()
export class WebhookMetrics {
  /** POSTs whose signature verified. */
  acceptedRequests = 0;
  signatureMissing = 0;
  signatureMalformed = 0;
  signatureMismatch = 0;
  /** Signed bodies that were not JSON or not the envelope shape (400). */
  invalidBodies = 0;
  /** Signed envelopes for another `object` (instagram, user, ...): 200, nothing stored. */
  ignoredObjects = 0;
  /** Events in accepted `page` envelopes. */
  eventsReceived = 0;
  /** Events that made a new inbox row. */
  eventsStored = 0;
  /** Events already in the inbox (Facebook redeliveries, repeats within one body). */
  eventsDuplicate = 0;
  /** Requests whose wake-up jobs could not be added (Redis down or slow); the reconciler covers them. */
  wakeupFailures = 0;
  /** Requests answered 5xx because the inbox could not store their events. */
  storeFailures = 0;
  verificationFailures = 0;
}
