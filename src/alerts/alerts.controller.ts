import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AlertsAdminService } from './alerts-admin.service';
import { AcknowledgeAlertBody } from './dto/acknowledge-alert.body';
import { AlertPage, AlertView } from './dto/alert.view';
import { ListAlertsQuery } from './dto/list-alerts.query';
import { UuidParam } from '../common/http/id-params';
import { Audience } from '../common/auth/audience';

@ApiTags('admin: alerts')
@ApiBearerAuth()
@Audience('admin')
@Controller('admin/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsAdminService) {}

  @Get()
  @ApiOperation({ summary: 'List alerts, newest first, with cursor paging' })
  @ApiOkResponse({ type: AlertPage })
  @ApiBadRequestResponse({ description: 'Unknown status or kind, bad limit or cursor' })
  async list(@Query() query: ListAlertsQuery): Promise<AlertPage> {
    const page = await this.alerts.list(query);
    return { items: page.items.map((a) => AlertView.from(a)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One alert' })
  @ApiOkResponse({ type: AlertView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such alert' })
  async findOne(@Param() { id }: UuidParam): Promise<AlertView> {
    return AlertView.from(await this.alerts.findById(id));
  }

  @Post(':id/ack')
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledge: repeats keep counting but are not delivered again' })
  @ApiOkResponse({ type: AlertView })
  @ApiNotFoundResponse({ description: 'No such alert' })
  @ApiConflictResponse({ description: 'The alert is already resolved' })
  async acknowledge(
    @Param() { id }: UuidParam,
    @Body() body: AcknowledgeAlertBody = {},
  ): Promise<AlertView> {
    return AlertView.from(await this.alerts.acknowledge(id, body?.by ?? null));
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve: the next raise with the same dedup key opens a new alert' })
  @ApiOkResponse({ type: AlertView })
  @ApiNotFoundResponse({ description: 'No such alert' })
  async resolve(@Param() { id }: UuidParam): Promise<AlertView> {
    return AlertView.from(await this.alerts.resolve(id));
  }
}
