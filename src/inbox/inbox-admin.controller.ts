import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audience } from '../common/auth/audience';
import { EventIdParam } from '../common/http/id-params';
import { PageIdParam } from '../pages/dto/page-id.param';
import { ReplayEventsQuery } from './dto/replay-events.query';
import { EventReplayService } from './event-replay.service';
import { ListInboundEventsQuery } from './inbox-admin.dto';
import { InboundEventDetail, InboundEventPage } from './inbound-event.view';
import { InboxService } from './inbox.service';

/** The admin view of the inbox: received events, and replaying them. */
@ApiTags('admin: events')
@ApiBearerAuth()
@Audience('admin')
@Controller('admin')
export class InboxAdminController {
  constructor(
    private readonly inbox: InboxService,
    private readonly replays: EventReplayService,
  ) {}

  @Get('events')
  @ApiOperation({ summary: 'Inbox events, newest first (without payloads)' })
  @ApiOkResponse({ type: InboundEventPage })
  list(@Query() query: ListInboundEventsQuery): Promise<InboundEventPage> {
    return this.inbox.list({ ...query, limit: query.limit ?? 50 });
  }

  @Get('events/:id')
  @ApiOperation({ summary: 'One inbox event with its payload' })
  @ApiOkResponse({ type: InboundEventDetail })
  get(@Param() { id }: EventIdParam): Promise<InboundEventDetail> {
    return this.inbox.findById(id);
  }

  @Post('events/:id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Handle a failed, done or ignored event again (409 while pending or processing)' })
  @ApiAcceptedResponse({ schema: { example: { id: '4211', status: 'pending' } } })
  replay(@Param() { id }: EventIdParam): Promise<{ id: string; status: 'pending' }> {
    return this.replays.replay(id);
  }

  @Post('pages/:pageId/events/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: "Handle a Page's events in one status again (default failed), optionally since a time",
  })
  @ApiAcceptedResponse({ schema: { example: { count: 3 } } })
  replayPage(
    @Param() { pageId }: PageIdParam,
    @Query() query: ReplayEventsQuery,
  ): Promise<{ count: number }> {
    return this.replays.replayPage(pageId, query.status ?? 'failed', query.since);
  }
}
