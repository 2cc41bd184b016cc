import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { PageStatus } from './page.entity';

export interface PageStatusChange {
  pageId: string;
  status: PageStatus;
  /** null when the Page was just registered for the first time. */
  previous: PageStatus | null;
}

/**
 * Status changes committed by this process's PagesService, emitted after the commit. Other processes
 * learn of a change through their own short caches, not through this stream. Subscribers must not
 * throw: RxJS reports a subscriber's error asynchronously, outside any try/catch.
 */
@Injectable()
export class PageStatusEvents implements OnModuleDestroy {
  private readonly subject = new Subject<PageStatusChange>();
  readonly changes$: Observable<PageStatusChange> = this.subject.asObservable();

  emit(change: PageStatusChange): void {
    if (change.status !== change.previous) this.subject.next(change);
  }

  onModuleDestroy(): void {
    this.subject.complete();
  }
}
