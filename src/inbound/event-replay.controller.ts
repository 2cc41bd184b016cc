import { Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReplayEventsQuery } from './dto/replay-events.query';
import { EventReplayService } from './event-replay.service';
import { EventIdParam } from '../common/http/id-params';
import { PageIdParam } from '../pages/dto/page-id.param';
import { Audience } from '../common/auth/audience';

@ApiTags('admin: events')
@ApiBearerAuth()
@Audience('admin')
@Controller('admin')
export class EventReplayController {
  constructor(private readonly replays: EventReplayService) {}

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
