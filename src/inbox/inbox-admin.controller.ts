import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ListInboundEventsQuery } from './inbox-admin.dto';
import { InboundEventDetail, InboundEventPage } from './inbound-event.view';
import { InboxService } from './inbox.service';
import { EventIdParam } from '../common/http/id-params';
import { Audience } from '../common/auth/audience';

@ApiTags('admin: events')
@ApiBearerAuth()
@Audience('admin')
@Controller('admin/events')
export class InboxAdminController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  @ApiOperation({ summary: 'Inbox events, newest first (without payloads)' })
  @ApiOkResponse({ type: InboundEventPage })
  list(@Query() query: ListInboundEventsQuery): Promise<InboundEventPage> {
    return this.inbox.list({ ...query, limit: query.limit ?? 50 });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One inbox event with its payload' })
  @ApiOkResponse({ type: InboundEventDetail })
  get(@Param() { id }: EventIdParam): Promise<InboundEventDetail> {
    return this.inbox.findById(id);
  }
}
